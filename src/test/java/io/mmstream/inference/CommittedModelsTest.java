package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every model trained here, run by ONNX Runtime in Java, gives what PyTorch gave at export (onnx-models/golden). */
class CommittedModelsTest {

    private static final Path MODELS = Path.of("onnx-models");

    static Stream<Path> cards() throws Exception {
        // the models trained here; the third-party ones have no PyTorch golden output (PretrainedModelsTest runs them)
        return ModelCard.cardsIn(MODELS).stream().filter(p -> java.nio.file.Files.exists(MODELS.resolve("golden").resolve(p.getFileName())));
    }

    @Test
    void everyTaskHasItsModels() throws Exception {
        List<String> names = cards().map(p -> p.getFileName().toString()).toList();
        assertThat(names).contains("frame_encoder.json", "audio_encoder.json", "action_recognition.json", "av_sync.json",
                "fusion_early.json", "fusion_weighted.json", "fusion_late.json", "fusion_attention.json");
    }

    @Test
    void theModelsFolderHoldsOnlyWhatIsTrainedHereUnder30Mb() throws Exception {
        // the house limit; third-party models are fetched by the build into ModelCard.PRETRAINED, never here
        long bytes;
        try (Stream<Path> files = java.nio.file.Files.walk(MODELS)) {
            bytes = files.filter(java.nio.file.Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(bytes).isLessThan(30_000_000L);
        for (Path cardFile : ModelCard.cardsIn(MODELS)) {
            if (new ObjectMapper().readTree(cardFile.toFile()).has("origin")) {
                assertThat(ModelCard.load(cardFile).files()).as(cardFile.toString()).allSatisfy(f -> assertThat(f.getParent()).isEqualTo(ModelCard.PRETRAINED));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cards")
    void javaInferenceMatchesThePytorchOutputStoredAtExport(Path cardFile) throws Exception {
        ModelCard card = ModelCard.load(cardFile);
        JsonNode golden = new ObjectMapper().readTree(MODELS.resolve("golden").resolve(card.name() + ".json").toFile());
        Map<String, Input> inputs = new LinkedHashMap<>();
        golden.get("inputs").fields().forEachRemaining(entry -> {
            JsonNode data = entry.getValue().get("data");
            float[] values = new float[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) data.get(i).asDouble();
            }
            long[] shape = new long[entry.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = entry.getValue().get("shape").get(i).asLong();
            }
            inputs.put(entry.getKey(), Input.of(values, shape));
        });
        try (OnnxModel model = OnnxModel.open(card, InferenceOptions.cpu(1))) {
            Map<String, OnnxModel.Output> outputs = model.run(inputs);
            golden.get("outputs").fields().forEachRemaining(entry -> {
                float[] actual = outputs.get(entry.getKey()).data();
                JsonNode expected = entry.getValue().get("data");
                assertThat(actual).as("%s.%s", card.name(), entry.getKey()).hasSize(expected.size());
                for (int i = 0; i < actual.length; i++) {
                    assertThat((double) actual[i]).as("%s.%s[%d]", card.name(), entry.getKey(), i)
                            .isCloseTo(expected.get(i).asDouble(), org.assertj.core.api.Assertions.within(1e-4));
                }
            });
        }
    }
}
