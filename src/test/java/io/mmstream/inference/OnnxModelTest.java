package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** The inference runtime on a tiny real ONNX model (src/test/resources/models, made by make_test_models.py). */
class OnnxModelTest {

    private static final Path CARD = Path.of("src/test/resources/models/masked_sum.json");
    private static final float[][] W = {{1, -1}, {0.5f, 0.25f}, {-2, 1}, {0, 3}};
    private static final float[] BIAS = {0.1f, -0.2f};

    /** What masked_sum computes, by hand. */
    private static float[] expected(float[] x, boolean[] mask, int batch, int time) {
        float[] y = new float[batch * 2];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < 2; o++) {
                float sum = BIAS[o];
                for (int t = 0; t < time; t++) {
                    if (mask[b * time + t]) {
                        for (int i = 0; i < 4; i++) {
                            sum += x[(b * time + t) * 4 + i] * W[i][o];
                        }
                    }
                }
                y[b * 2 + o] = sum;
            }
        }
        return y;
    }

    @Test
    void aBatchRunsAndMatchesTheModelsArithmetic() throws Exception {
        int batch = 3;
        int time = 5;
        float[] x = new float[batch * time * 4];
        boolean[] mask = new boolean[batch * time];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 3 != 0;
        }
        try (OnnxModel model = OnnxModel.open(ModelCard.load(CARD), InferenceOptions.cpu(1))) {
            Map<String, OnnxModel.Output> out = model.run(Map.of("x", Input.of(x, batch, time, 4), "mask", Input.of(mask, batch, time)));

            assertThat(out.get("y").shape()).containsExactly(batch, 2);
            float[] want = expected(x, mask, batch, time);
            for (int i = 0; i < want.length; i++) {
                assertThat(out.get("y").data()[i]).isCloseTo(want[i], within(1e-4f));
            }
            assertThat(model.provider()).isEqualTo(ExecutionProvider.CPU);
            assertThat(model.card().labels()).containsExactly("first", "second");
        }
    }

    @Test
    void inputsThatDisagreeWithTheCardAreRefusedBeforeTheRun() {
        try (OnnxModel model = OnnxModel.open(ModelCard.load(CARD), InferenceOptions.cpu(1))) {
            assertThatThrownBy(() -> model.run(Map.of("x", Input.of(new float[2 * 3 * 4], 2, 3, 4), "mask", Input.of(new boolean[2 * 4], 2, 4))))
                    .isInstanceOf(InferenceException.class).hasMessage("masked_sum: input mask dimension T is 4, expected 3");
            assertThatThrownBy(() -> model.run(Map.of("x", Input.of(new float[5], 1, 1, 4), "mask", Input.of(new boolean[1], 1, 1))))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("holds 5 values");
            assertThatThrownBy(() -> model.run(Map.of("x", Input.of(new float[4], 1, 1, 4))))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("are not the card's [x, mask]");
        }
    }

    private static Path cardWith(Path dir, String from, String to) throws Exception {
        Files.copy(CARD.resolveSibling("masked_sum.onnx"), dir.resolve("masked_sum.onnx"));
        Path card = dir.resolve("masked_sum.json");
        String text = Files.readString(CARD);
        assertThat(text).contains(from);
        Files.writeString(card, text.replace(from, to));
        return card;
    }

    @Test
    void aCardWhoseSha256DisagreesStopsStartUp(@TempDir Path dir) throws Exception {
        Path card = cardWith(dir, "\"sha256\": \"aa", "\"sha256\": \"bb");
        assertThatThrownBy(() -> OnnxModel.open(ModelCard.load(card), InferenceOptions.cpu(1)))
                .isInstanceOf(ModelCardException.class)
                .hasMessageStartingWith(card + ": sha256 = 'bb")
                .hasMessageContaining("the model file " + dir.resolve("masked_sum.onnx") + " has 'aa");
    }

    @Test
    void aCardWithAnotherInputNameStopsStartUp(@TempDir Path dir) throws Exception {
        Path card = cardWith(dir, "\"name\": \"mask\"", "\"name\": \"padding\"");
        assertThatThrownBy(() -> OnnxModel.open(ModelCard.load(card), InferenceOptions.cpu(1)))
                .hasMessage(card + ": inputs = [x, padding]: the model has [x, mask]");
    }

    @Test
    void aCardWithAnotherShapeOrDtypeStopsStartUp(@TempDir Path dir) throws Exception {
        Path shape = cardWith(dir, "\"shape\": [\n        \"B\",\n        \"T\",\n        4\n      ]", "\"shape\": [\"B\", \"T\", 8]");
        assertThatThrownBy(() -> OnnxModel.open(ModelCard.load(shape), InferenceOptions.cpu(1)))
                .hasMessage(shape + ": inputs[0] (x).shape = [B, T, 8]: the model has [-1, -1, 4] (-1 is a dynamic dimension)");

        Path other = Files.createDirectory(dir.resolve("other"));
        Path dtype = cardWith(other, "\"dtype\": \"bool\"", "\"dtype\": \"float32\"");
        assertThatThrownBy(() -> OnnxModel.open(ModelCard.load(dtype), InferenceOptions.cpu(1)))
                .hasMessage(dtype + ": inputs[1] (mask).dtype = 'float32': the model has 'bool'");
    }

    @Test
    void aMissingFieldNamesTheFileAndTheField(@TempDir Path dir) throws Exception {
        Path card = cardWith(dir, "\"task\": \"test\",", "");
        assertThatThrownBy(() -> ModelCard.load(card)).hasMessage(card + ": task = null: must be a non-empty string");
    }

    @Test
    void cudaWithoutAGpuIsAClearErrorUnlessTheCpuFallbackIsAllowed() {
        ModelCard card = ModelCard.load(CARD);
        assertThatThrownBy(() -> OnnxModel.open(card, new InferenceOptions(ExecutionProvider.CUDA, 1, false)))
                .isInstanceOf(ModelCardException.class).hasMessageContaining("inference provider cuda is not available");
        try (OnnxModel model = OnnxModel.open(card, new InferenceOptions(ExecutionProvider.CUDA, 1, true))) {
            assertThat(model.provider()).isEqualTo(ExecutionProvider.CPU);
        }
    }

    /** Runs only where -Dmmstream.gpu=true says a GPU and the onnxruntime_gpu build (mvn -Pcuda) are present. */
    @Test
    @EnabledIfSystemProperty(named = "mmstream.gpu", matches = "true")
    void cudaRunsTheSameArithmetic() throws Exception {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        boolean[] mask = {true, false};
        try (OnnxModel model = OnnxModel.open(ModelCard.load(CARD), new InferenceOptions(ExecutionProvider.CUDA, 1, false))) {
            assertThat(model.provider()).isEqualTo(ExecutionProvider.CUDA);
            float[] y = model.run(Map.of("x", Input.of(x, 1, 2, 4), "mask", Input.of(mask, 1, 2))).get("y").data();
            assertThat(y[0]).isCloseTo(expected(x, mask, 1, 2)[0], within(1e-4f));
        }
    }

    @Test
    void oneSessionPerModelIsSharedAndClosedWithItsLastUser() {
        InferenceOptions options = InferenceOptions.cpu(1);
        try (ModelRegistry.Lease first = ModelRegistry.acquire(CARD, options);
             ModelRegistry.Lease second = ModelRegistry.acquire(Path.of("src/test/../test/resources/models/masked_sum.json"), options)) {
            assertThat(second.model()).isSameAs(first.model());
            assertThat(ModelRegistry.openSessions()).isEqualTo(1);
        }
        assertThat(ModelRegistry.openSessions()).isZero();
    }
}
