package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A stream's chunks through Silero VAD step by step, its state carried between chunks as a checkpoint would carry it. */
class AudioStepsTest {

    private static OnnxModel onnx;
    private static AudioSteps vad;

    @BeforeAll
    static void open() {
        onnx = OnnxModel.open(ModelCard.load(Path.of("onnx-models/silero_vad.json")), InferenceOptions.cpu(1));
        vad = new AudioSteps(new ElementModel(onnx));
    }

    @AfterAll
    static void close() {
        onnx.close();
    }

    private static float[] noise(int samples, long seed) {
        Random random = new Random(seed);
        float[] out = new float[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (float) (0.1 * random.nextGaussian());
        }
        return out;
    }

    @Test
    void chunksOfAnySizeGiveTheStepsOfTheWholeAtTheCentresOfTheirNewSamples() {
        long start = 1_700_000_000_000_000L;
        float[] audio = noise(16_000, 1);
        AudioSteps.Pushed whole = vad.push(vad.fresh(), start, audio);
        assertThat(whole.steps()).hasSize(16_000 / 512);
        assertThat(whole.steps().get(0).centreMicros()).isEqualTo(start + 256 * 1_000_000L / 16_000);
        assertThat(whole.steps().get(1).centreMicros() - whole.steps().get(0).centreMicros()).isEqualTo(32_000);

        List<AudioSteps.Step> chunked = new ArrayList<>();
        AudioSteps.State state = vad.fresh();
        for (int from = 0; from < audio.length; from += 1600) {
            AudioSteps.Pushed pushed = vad.push(state, start + from * 1_000_000L / 16_000, Arrays.copyOfRange(audio, from, from + 1600));
            assertThat(pushed.skipped()).isFalse();
            chunked.addAll(pushed.steps());
            state = pushed.state();
        }
        assertThat(chunked).hasSameSizeAs(whole.steps());
        for (int i = 0; i < chunked.size(); i++) {
            assertThat(chunked.get(i).centreMicros()).isEqualTo(whole.steps().get(i).centreMicros());
            assertThat(chunked.get(i).values()[0]).as("step %d", i).isCloseTo(whole.steps().get(i).values()[0], within(1e-5f));
        }
    }

    @Test
    void aChunkBeforeTheEndOfTheLastIsSkippedAndOneAfterAGapStartsAFreshSegment() {
        long start = 1_700_000_000_000_000L;
        AudioSteps.Pushed first = vad.push(vad.fresh(), start, noise(3200, 2));
        AudioSteps.Pushed again = vad.push(first.state(), start, noise(3200, 2));
        assertThat(again.skipped()).isTrue();
        assertThat(again.state()).isSameAs(first.state());

        long later = start + 2_000_000; // two seconds of silence from the microphone: a new segment
        AudioSteps.Pushed resumed = vad.push(first.state(), later, noise(1024, 3));
        assertThat(resumed.steps()).extracting(AudioSteps.Step::centreMicros).containsExactly(later + 16_000, later + 48_000);
        assertThat(resumed.state().segmentStartMicros()).isEqualTo(later);
    }
}
