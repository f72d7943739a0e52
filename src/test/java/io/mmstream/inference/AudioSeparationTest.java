package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.MediaTools;
import io.mmstream.align.WindowTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream's consecutive windows through the committed separation model, on synthetic audio and on espeak-ng's
 * speech: taking the previous window's overlapping STFT frames gives the audio that transforming every frame gives,
 * and transforms about half as many frames.
 */
class AudioSeparationTest {

    private static final ModelSettings SETTINGS = new ModelSettings("onnx-models",
            List.of("frame_encoder", "audio_encoder", "audio_separation"), InferenceOptions.cpu(1), 0.5);
    private static final int RATE = 16_000;
    private static final int WINDOW = 32_000;
    private static final int SLIDE = 16_000;
    private static ModelSettings.Leased<AudioSeparation> separation;
    private static WindowTensors tensors;

    @BeforeAll
    static void load() {
        separation = SETTINGS.separation();
        tensors = WindowTensors.present(SETTINGS.geometry().build(66_667, 2_000_000));
    }

    @AfterAll
    static void release() {
        separation.close();
    }

    /** A stream's audio: a tone that glides, in noise, from sample 0 on. */
    private static float[] stream(int samples, long seed) {
        Random random = new Random(seed);
        float[] audio = new float[samples];
        for (int n = 0; n < samples; n++) {
            audio[n] = (float) (0.3 * Math.sin(2 * Math.PI * (300 + n / 200.0) * n / RATE) + 0.05 * random.nextGaussian());
        }
        return audio;
    }

    private static void assertSameAudio(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int n = 0; n < expected.length; n++) {
            assertThat(actual[n]).as("sample %d", n).isCloseTo(expected[n], within(1e-4f));
        }
    }

    @Test
    void consecutiveWindowsTransformOnlyTheirNewFrames() throws Exception {
        AudioSeparation model = separation.value();
        float[] audio = stream(WINDOW + 3 * SLIDE, 1);
        AudioSeparation.Overlap previous = null;
        for (int w = 0; w < 4; w++) {
            float[] window = Arrays.copyOfRange(audio, w * SLIDE, w * SLIDE + WINDOW);
            AudioSeparation.Separated separated = model.separate(tensors, window, w * SLIDE, WINDOW - SLIDE, SLIDE, previous);
            float[] whole = model.separate(List.of(tensors), List.of(window), WINDOW - SLIDE).get(0);
            assertSameAudio(separated.samples(), whole);
            // 251 frames; from the second window on, the 121 that lie wholly in the previous window's second half
            // and are not inverted (the inverse of the last slide starts at frame 123) are taken from it
            assertThat(separated.framesTransformed()).as("window %d", w).isEqualTo(w == 0 ? 251 : 251 - 121);
            previous = separated.overlap();
        }
    }

    @Test
    void framesWhoseSamplesChangedAreTransformedAgain() throws Exception {
        AudioSeparation model = separation.value();
        float[] audio = stream(WINDOW + 2 * SLIDE, 2);
        AudioSeparation.Overlap first = model.separate(tensors, Arrays.copyOf(audio, WINDOW), 0, WINDOW - SLIDE, SLIDE, null).overlap();
        // what the first window heard of its second half has changed since (a chunk that came late): one sample
        float[] second = Arrays.copyOfRange(audio, SLIDE, SLIDE + WINDOW);
        second[4_000] += 0.5f;
        AudioSeparation.Separated separated = model.separate(tensors, second, SLIDE, WINDOW - SLIDE, SLIDE, first);
        assertSameAudio(separated.samples(), model.separate(List.of(tensors), List.of(second), WINDOW - SLIDE).get(0));
        // the frames covering sample 4000 (hop 128, 512 samples each: 4) are transformed again
        assertThat(separated.framesTransformed()).isEqualTo(251 - 121 + 4);
        // a window that does not follow the previous one (a shed window between) takes nothing from it
        float[] third = Arrays.copyOfRange(audio, 2 * SLIDE, 2 * SLIDE + WINDOW);
        assertThat(model.separate(tensors, third, 2 * SLIDE, WINDOW - SLIDE, SLIDE, first).framesTransformed()).isEqualTo(251);
    }

    /**
     * Speech no one here wrote (Debian's espeak-ng, resampled by ffmpeg), pauses and all: a stream's consecutive windows
     * separated as the job does give what separating each window whole gives.
     */
    @Test
    void speechFromEspeakGivesTheSameAudioAsWholeWindows(@TempDir Path dir) throws Exception {
        boolean tools = Files.isExecutable(Path.of("/usr/bin/espeak-ng")) && Files.isExecutable(Path.of("/usr/bin/ffmpeg"));
        if (!tools && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("this test must run here, but espeak-ng or ffmpeg is missing");
        }
        Assumptions.assumeTrue(tools, "apt-get install espeak-ng ffmpeg (.ci/run does)");
        Path speech = dir.resolve("speech.wav");
        MediaTools.run("/usr/bin/espeak-ng", "-w", speech.toString(), "-s", "140",
                "Separation keeps what the camera sees and hears. The next window starts where this one's second half begins, and so on.");
        float[] audio = MediaTools.pcm16k(speech);
        int windows = (audio.length - WINDOW) / SLIDE + 1;
        assertThat(windows).as("seconds of speech for several windows").isGreaterThanOrEqualTo(3);
        AudioSeparation model = separation.value();
        AudioSeparation.Overlap previous = null;
        int transformed = 0;
        for (int w = 0; w < windows; w++) {
            float[] window = Arrays.copyOfRange(audio, w * SLIDE, w * SLIDE + WINDOW);
            AudioSeparation.Separated separated = model.separate(tensors, window, w * SLIDE, WINDOW - SLIDE, SLIDE, previous);
            assertSameAudio(separated.samples(), model.separate(List.of(tensors), List.of(window), WINDOW - SLIDE).get(0));
            transformed += separated.framesTransformed();
            previous = separated.overlap();
        }
        assertThat(transformed).as("frames transformed").isEqualTo(251 + (windows - 1) * (251 - 121));
    }
}
