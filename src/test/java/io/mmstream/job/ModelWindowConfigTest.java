package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmstream.config.ConfigException;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.ModelCardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/** The job refuses windows its models cannot read, before anything starts, naming the key, the value and the card. */
class ModelWindowConfigTest {

    private static void layout(Map<String, String> settings) {
        JobConfig config = JobConfig.defaults(settings);
        Pipeline.geometry(config, Pipeline.modelSettings(config));
    }

    @Test
    void theDefaultsFitTheCommittedModels() {
        JobConfig config = JobConfig.defaults(Map.of());
        assertThat(Pipeline.geometry(config, Pipeline.modelSettings(config)).imuSteps()).isEqualTo(200);
    }

    @Test
    void aGridOrWindowTheModelsWereNotTrainedOnIsRefused() {
        assertThatThrownBy(() -> layout(Map.of("window.grid-step", "100ms"))).isInstanceOf(ConfigException.class)
                .hasMessage("(defaults): window.grid-step = '100ms': the window heads bind a grid of 66667 us "
                        + "(classpath:onnx-models/action_recognition.json: inputs[0] (video).binds.step_us)");
        assertThatThrownBy(() -> layout(Map.of("window.size", "3s"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("window.size = '3s': the window heads read windows of 30 steps of 66667 us "
                        + "(classpath:onnx-models/action_recognition.json: inputs[0] (video).binds.steps)");
        assertThatThrownBy(() -> layout(Map.of("window.slide", "250ms"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("window.slide = '250ms': must be a whole number of grid steps");
    }

    @Test
    void aMissingOrAlteredModelFileStopsTheSubmissionNamingItsCard(@TempDir Path models) throws Exception {
        try (var files = Files.list(Path.of("onnx-models"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, models.resolve(file.getFileName()));
            }
        }
        byte[] sync = Files.readAllBytes(models.resolve("av_sync.onnx"));
        sync[sync.length - 1] ^= 1;
        Files.write(models.resolve("av_sync.onnx"), sync);
        Files.delete(models.resolve("fusion_early.onnx"));

        JobConfig config = JobConfig.defaults(Map.of("models.dir", models.toString()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> Pipeline.build(env, config)).isInstanceOf(ModelCardException.class)
                .hasMessageContaining(models.resolve("fusion_early.json") + ": file = 'fusion_early.onnx': cannot be read");
        Files.copy(Path.of("onnx-models/fusion_early.onnx"), models.resolve("fusion_early.onnx"));
        assertThatThrownBy(() -> Pipeline.build(env, config)).isInstanceOf(ModelCardException.class)
                .hasMessageContaining(models.resolve("av_sync.json") + ": sha256 = '");
    }

    @Test
    void aModelFolderWithoutTheModelsIsRefused() {
        assertThatThrownBy(() -> layout(Map.of("models.dir", "/nonexistent"))).isInstanceOf(ModelCardException.class)
                .hasMessageContaining("/nonexistent/models.yaml: cannot be read");
    }
}
