package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmstream.config.ConfigException;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.ModelCardException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The job refuses windows its models cannot read, before anything starts, naming the key, the value and the card. */
class ModelWindowConfigTest {

    private static void layout(Map<String, String> settings) {
        JobConfig config = JobConfig.defaults(settings);
        Pipeline.layout(config, Pipeline.modelSettings(config));
    }

    @Test
    void theDefaultsFitTheCommittedModels() {
        JobConfig config = JobConfig.defaults(Map.of());
        assertThat(Pipeline.layout(config, Pipeline.modelSettings(config)).imuSteps()).isEqualTo(200);
    }

    @Test
    void aGridOrWindowTheModelsWereNotTrainedOnIsRefused() {
        assertThatThrownBy(() -> layout(Map.of("window.grid-step", "100ms"))).isInstanceOf(ConfigException.class)
                .hasMessage("(defaults): window.grid-step = '100ms': the models expect 66667us "
                        + "(classpath:onnx-models/action_recognition.json: preprocessing.frame_step_us)");
        assertThatThrownBy(() -> layout(Map.of("window.size", "3s"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("window.size = '3s': the models read windows of 30 steps of 66667 us");
        assertThatThrownBy(() -> layout(Map.of("window.slide", "250ms"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("window.slide = '250ms': must be a whole number of grid steps");
    }

    @Test
    void aModelFolderWithoutTheModelsIsRefused() {
        assertThatThrownBy(() -> layout(Map.of("models.dir", "/nonexistent"))).isInstanceOf(ModelCardException.class)
                .hasMessageContaining("/nonexistent/action_recognition.json: no such model card (models.dir = '/nonexistent')");
    }
}
