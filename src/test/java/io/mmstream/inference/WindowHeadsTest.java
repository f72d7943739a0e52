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
                + "(models.dir = 'onnx-models'): names no audio_step encoder; the windows hold the embeddings of at least one per frame "
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
        // between whole steps where its neighbours pull it, never beyond the searched +-5 steps
        assertThat(Math.abs(result.avOffsetMicros())).isLessThanOrEqualTo(5 * 66_667);
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
    void aQuestionHeadAnswersEachStandingQuestionAndACaptionHeadWritesWords() {
        List<String> questions = List.of("is anyone on the floor?", "what colour is the person's shirt?");
        ModelSettings graph = new ModelSettings("onnx-models", List.of("frame_encoder", "appearance_encoder", "audio_encoder", "question_answering",
                "caption_decoder", "av_sync"), InferenceOptions.cpu(1), 0.5, questions);
        graph.verify();
        WindowTensors both = withAppearance(window(6, true, true));
        try (ModelSettings.Leased<WindowHeads> leased = graph.heads()) {
            List<WindowHeads.TaskOutcome> tasks = leased.value().run(List.of(both)).get(0).tasks();
            assertThat(tasks).extracting(WindowHeads.TaskOutcome::task)
                    .containsExactly(WindowHeads.TASK_ANSWER, WindowHeads.TASK_ANSWER, WindowHeads.TASK_CAPTION, WindowHeads.TASK_SYNC);
            assertThat(tasks).extracting(WindowHeads.TaskOutcome::question).containsExactly(questions.get(0), questions.get(1), null, null);
            List<String> answers = ModelCard.load(Path.of("onnx-models/question_answering.json")).labels();
            assertThat(tasks.subList(0, 2)).allSatisfy(answer -> {
                assertThat(answer.labels()).isEqualTo(answers);
                assertThat(answer.label()).isIn(answers);
            });
            WindowHeads.TaskOutcome caption = tasks.get(2);
            assertThat(caption.labels()).isEmpty();
            assertThat(caption.label()).isNotBlank().doesNotContain("<end>").doesNotContain("<start>");
            assertThat(ModelCard.load(Path.of("onnx-models/caption_decoder.json")).labels()).containsAll(List.of(caption.label().split(" ")));
        }
        try (ModelSettings.Leased<WindowHeads> none = graph.withQuestions(List.of()).heads()) {
            assertThat(none.value().run(List.of(both)).get(0).tasks()).extracting(WindowHeads.TaskOutcome::task)
                    .containsExactly(WindowHeads.TASK_CAPTION, WindowHeads.TASK_SYNC);
        }
    }

    /**
     * A head that reads its stream's offset runs after the offset head, whatever models.run's order, once the stream's
     * estimate has taken in each window's offset in batch order; its results keep models.run's order.
     */
    @Test
    void aHeadReadingItsStreamsOffsetRunsAfterTheOffsetHeadHasMovedTheEstimateOn() {
        String question = "are sound and picture in sync?";
        ModelSettings graph = new ModelSettings("onnx-models", List.of("frame_encoder", "appearance_encoder", "audio_encoder", "question_answering",
                "av_sync"), InferenceOptions.cpu(1), 0.5, List.of(question));
        graph.verify();
        List<WindowTensors> windows = List.of(withAppearance(window(7, true, true)), withAppearance(window(8, true, true)),
                withAppearance(window(9, true, false)));
        List<Long> offsetsSeen = new java.util.ArrayList<>();
        List<Integer> order = new java.util.ArrayList<>();
        StreamSync.Estimate farOff = new StreamSync.Estimate(300_000, 1f, StreamSync.WINDOWS);
        try (ModelSettings.Leased<WindowHeads> leased = graph.heads()) {
            List<WindowHeads.WindowResults> results = leased.value().run(windows, (window, offsetMicros, probabilities) -> {
                order.add(window);
                offsetsSeen.add(offsetMicros);
                return farOff;
            });
            assertThat(order).containsExactly(0, 1, 2);
            assertThat(offsetsSeen).containsExactly(results.get(0).avOffsetMicros(), results.get(1).avOffsetMicros(), null);
            assertThat(offsetsSeen.get(0)).as("the offset head ran first").isNotNull();
            assertThat(results).allSatisfy(result -> {
                assertThat(result.streamOffset()).isEqualTo(farOff);
                assertThat(result.tasks()).extracting(WindowHeads.TaskOutcome::task).containsExactly(WindowHeads.TASK_ANSWER, WindowHeads.TASK_SYNC);
            });
        }
        ModelSettings withoutOffsetHead = new ModelSettings("onnx-models", List.of("frame_encoder", "appearance_encoder", "audio_encoder",
                "question_answering"), InferenceOptions.cpu(1), 0.5, List.of(question));
        org.assertj.core.api.Assertions.assertThatThrownBy(withoutOffsetHead::verify).isInstanceOf(ModelCardException.class)
                .hasMessageContaining("question_answering.json: inputs[8] (stream_offset).binds = {\"sync\": \"stream\"}: models.run = ")
                .hasMessageContaining("runs no head decoding an offset (av_sync)");
    }

    /** The window with the appearance encoder's 16 values after the frame encoder's 64 at each step. */
    private static WindowTensors withAppearance(WindowTensors window) {
        float[] video = new float[30 * 80];
        for (int step = 0; step < 30; step++) {
            System.arraycopy(window.video(), step * 64, video, step * 80, 64);
        }
        return new WindowTensors(video, window.videoMask(), window.audio(), window.audioMask(), window.imu(), window.imuMask());
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
