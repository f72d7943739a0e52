package io.mmstream.inference;

import static io.mmstream.codec.WireRecordsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.codec.WireCodec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed encoders on batches with one bad item: the item fails alone, the others get their own embeddings. */
class MediaEncodersTest {

    private static final ModelSettings SETTINGS = ModelSettings.of("onnx-models", List.of(), InferenceOptions.cpu(1), 0.5);
    private static ModelSettings.Leased<MediaEncoders> encoders;

    @BeforeAll
    static void load() {
        encoders = SETTINGS.encoders();
    }

    @AfterAll
    static void release() {
        encoders.close();
    }

    @Test
    void aPatchTheEncoderFailsOnFailsAloneAndTheBatchKeepsTheRest() {
        int values = encoders.value().audioPatches().values();
        Random random = new Random(5);
        float[] first = patch(random, values);
        float[] last = patch(random, values);
        // what NaN samples make of a log-mel patch: the FFT spreads one NaN over every bin of its frames
        float[] poisoned = new float[values];
        Arrays.fill(poisoned, Float.NaN);

        List<MediaEncoders.Encoded> outcomes = encoders.value().audio(List.of(first, poisoned, last));

        assertThat(outcomes.get(1).ok()).isFalse();
        assertThat(outcomes.get(1).error()).contains("output").contains("NaN");
        assertThat(outcomes.get(0).embedding()).containsExactly(encoders.value().audio(List.of(first)).get(0).embedding(), within(1e-4f));
        assertThat(outcomes.get(2).embedding()).containsExactly(encoders.value().audio(List.of(last)).get(0).embedding(), within(1e-4f));
    }

    @Test
    void aFrameThatCannotBeDecodedFailsAloneAndTheOthersAreEncoded() {
        byte[] good = WireCodec.encode(frame("cam-1", T0_MICROS).build());
        byte[] undecodable = WireCodec.encode(frame("cam-1", T0_MICROS).setData(java.nio.ByteBuffer.wrap(UNDECODABLE_JPEG)).build());

        List<MediaEncoders.Encoded> outcomes = encoders.value().frames(List.of(good, undecodable, good));

        assertThat(outcomes.get(1).error()).startsWith("frame cannot be decoded");
        assertThat(outcomes.get(0).embedding()).hasSize(SETTINGS.stepWidth(ModelCard.Stage.FRAME))
                .containsExactly(encoders.value().frames(List.of(good)).get(0).embedding(), within(1e-4f));
        assertThat(Arrays.equals(outcomes.get(0).embedding(), outcomes.get(2).embedding())).isTrue();
    }

    @Test
    void aStageWithTwoEncodersHoldsBothEmbeddingsSideBySideEachAsItsOwnEncoderGivesIt() {
        byte[] frame = WireCodec.encode(frame("cam-1", T0_MICROS).build());
        float[] both = encoders.value().frames(List.of(frame)).get(0).embedding();
        Map<String, EncoderSlice> slices = SETTINGS.producers();
        assertThat(slices.get("frame_encoder")).isEqualTo(new EncoderSlice(ModelCard.Stage.FRAME, 0, 64));
        assertThat(slices.get("appearance_encoder")).isEqualTo(new EncoderSlice(ModelCard.Stage.FRAME, 64, 16));
        assertThat(slices.get("audio_encoder")).isEqualTo(new EncoderSlice(ModelCard.Stage.AUDIO_STEP, 0, 64));
        assertThat(both).hasSize(80);
        for (String alone : List.of("frame_encoder", "appearance_encoder")) {
            ModelSettings one = new ModelSettings("onnx-models", List.of(alone, "audio_encoder"), InferenceOptions.cpu(1), 0.5);
            try (ModelSettings.Leased<MediaEncoders> single = one.encoders()) {
                EncoderSlice slice = slices.get(alone);
                assertThat(single.value().frames(List.of(frame)).get(0).embedding()).as(alone)
                        .containsExactly(Arrays.copyOfRange(both, slice.offset(), slice.offset() + slice.width()), within(1e-5f));
            }
        }
    }

    private static float[] patch(Random random, int values) {
        float[] patch = new float[values];
        for (int i = 0; i < values; i++) {
            patch[i] = (float) (random.nextGaussian() * 2 - 6);
        }
        return patch;
    }
}
