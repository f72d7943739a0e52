package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.align.WindowTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-window heads on the committed models: what a window gets when all is there, when a modality is not, when inference fails. */
class WindowHeadsTest {

    private static final ModelSettings SETTINGS = new ModelSettings("onnx-models",
            List.of("frame_encoder", "audio_encoder", "action_recognition", "fusion_early", "fusion_attention", "av_sync"), InferenceOptions.cpu(1), 0.5);
    private static ModelSettings.Leased<WindowHeads> heads;

    @BeforeAll
    static void load() {
        heads = SETTINGS.heads();
    }

    @AfterAll
    static void release() {
        heads.close();
    }

    private static WindowTensors window(long seed, boolean video, boolean audio) {
        Random random = new Random(seed);
        float[] v = new float[30 * 64];
        float[] a = new float[30 * 64];
        float[] imu = new float[200 * 6];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs((float) random.nextGaussian());
            a[i] = Math.abs((float) random.nextGaussian());
        }
        for (int i = 0; i < imu.length; i++) {
            imu[i] = (float) random.nextGaussian();
        }
        return new WindowTensors(v, mask(30, video), a, mask(30, audio), imu, mask(200, true));
    }

    private static float[] mask(int steps, boolean present) {
        float[] mask = new float[steps];
        Arrays.fill(mask, present ? 1 : 0);
        return mask;
    }

    /** The heads run in models.run's order, each from its card; a graph without the encoder the heads bind is refused. */
    @Test
    void theHeadsRunInTheOrderOfModelsRun() {
        ModelSettings settings = new ModelSettings("onnx-models",
                List.of("frame_encoder", "audio_encoder", "fusion_late", "action_recognition", "av_sync"), InferenceOptions.cpu(1), 0.5);
        settings.verify();
        assertThat(settings.headNames()).containsExactly("fusion_late", "action_recognition", "av_sync");
        try (ModelSettings.Leased<WindowHeads> withLate = settings.heads()) {
            WindowHeads.WindowResults result = withLate.value().run(List.of(window(1, true, false))).get(0);
            assertThat(result.tasks()).extracting(WindowHeads.TaskOutcome::task).containsExactly("fusion", "action", "av_sync");
            WindowHeads.TaskOutcome late = result.tasks().get(0);
            assertThat(late.modelName()).isEqualTo("fusion_late");
            assertThat(late.label()).isNotNull();
            assertThat(late.scores()).hasSize(8);
            assertThat(result.tasks().get(2).reason()).isEqualTo("video or audio covers less than 50% of the window");
        }
        ModelSettings noAudioEncoder = new ModelSettings("onnx-models", List.of("frame_encoder", "av_sync"), InferenceOptions.cpu(1), 0.5);
        org.assertj.core.api.Assertions.assertThatThrownBy(noAudioEncoder::verify).hasMessage("models.run = [frame_encoder, av_sync] "
                + "(models.dir = 'onnx-models'): names 0 audio_step encoders []; the windows hold the embeddings of exactly one per frame "
                + "and one per audio step (a model of that stage whose card has no result)");
    }

    @Test
    void everyHeadGivesALabelAndScoresWhenItsModalitiesAreThere() {
        WindowHeads.WindowResults result = heads.value().run(List.of(window(1, true, true))).get(0);

        assertThat(result.tasks()).extracting(WindowHeads.TaskOutcome::modelName)
                .containsExactly("action_recognition", "fusion_early", "fusion_attention", "av_sync");
        for (WindowHeads.TaskOutcome task : result.tasks()) {
            // the sync head's scores are over offsets, its label whether that is in sync
            assertThat(task.label()).isIn(task.task().equals(WindowHeads.TASK_SYNC) ? List.of(WindowHeads.IN_SYNC, WindowHeads.OUT_OF_SYNC) : task.labels());
            float sum = 0;
            for (float score : task.scores()) {
                sum += score;
            }
            assertThat(sum).as(task.modelName()).isCloseTo(1f, within(1e-4f));
        }
        assertThat(result.avOffsetMicros() % 66_667).isZero();
        assertThat(result.inSyncProbability()).isBetween(0f, 1f);
        assertThat(result.failures()).isEmpty();
    }

    @Test
    void aHeadWithoutItsModalitySaysWhyInsteadOfGuessing() {
        WindowHeads.WindowResults result = heads.value().run(List.of(window(2, false, true))).get(0);

        WindowHeads.TaskOutcome action = result.tasks().get(0);
        assertThat(action.label()).isNull();
        assertThat(action.reason()).isEqualTo("video covers less than 50% of the window");
        assertThat(result.tasks().get(1).label()).as("fusion goes on with audio and IMU").isNotNull();
        assertThat(result.tasks().get(3).label()).isNull();
        assertThat(result.tasks().get(3).reason()).contains("video or audio");
        assertThat(result.avOffsetMicros()).isNull();
        assertThat(result.failures()).isEmpty();
    }

    @Test
    void aWindowTheModelsFailOnCostsOnlyItsOwnResults() {
        WindowTensors broken = window(3, true, true);
        broken.video()[15 * 64 + 5] = Float.NaN;
        List<WindowHeads.WindowResults> results = heads.value().run(List.of(window(4, true, true), broken, window(5, true, true)));

        WindowHeads.WindowResults failed = results.get(1);
        assertThat(failed.tasks()).allSatisfy(task -> {
            assertThat(task.label()).isNull();
            assertThat(task.reason()).startsWith("inference failed: ").contains("NaN");
        });
        assertThat(failed.failures()).hasSize(4);
        // its neighbours in the batch keep their labels, the same as when they run alone
        for (int i : new int[] {0, 2}) {
            WindowHeads.WindowResults alone = heads.value().run(List.of(i == 0 ? window(4, true, true) : window(5, true, true))).get(0);
            assertThat(results.get(i).failures()).isEmpty();
            for (int t = 0; t < alone.tasks().size(); t++) {
                assertThat(results.get(i).tasks().get(t).label()).isEqualTo(alone.tasks().get(t).label());
            }
        }
    }

    @Test
    void modelsComeFromAFolderOrFromTheJar() {
        assertThat(ModelStore.card("onnx-models", "av_sync")).exists();
        assertThat(ModelCard.load(ModelStore.card("classpath:onnx-models", "av_sync")).sha256())
                .isEqualTo(ModelCard.load(Path.of("onnx-models/av_sync.json")).sha256());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelStore.card("classpath:onnx-models", "no_such_model"))
                .isInstanceOf(ModelCardException.class).hasMessageContaining("no_such_model.json: not in the jar");
    }
}
