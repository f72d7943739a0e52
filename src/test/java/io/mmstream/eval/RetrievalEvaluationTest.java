package io.mmstream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.OnnxModel;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneTruth;
import io.mmstream.sim.SimulationSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Text-to-window retrieval with the real models of onnx-models/: the window_embedding head over held-out simulated
 * windows, the query embedded by MiniLM (the text model the job runs). Words find the windows of a fall.
 */
class RetrievalEvaluationTest {

    private static final Path MODELS = Path.of("onnx-models");

    @Test
    void theWordsSomeoneFallsFindTheWindowsOfAFall() throws Exception {
        try (WindowModels models = new WindowModels(MODELS, InferenceOptions.cpu(2));
             OnnxModel text = OnnxModel.open(ModelCard.load(MODELS.resolve("minilm_text.json")), InferenceOptions.cpu(1))) {
            // a held-out seed (never trained on): 3 streams of 60 s
            Evaluation.Labelled windows = new Evaluation(models, 64).windows(SimulationSettings.defaults(3).withSeed(3000), 60);
            long falls = windows.truths().stream().filter(SceneTruth::fell).count();
            assertThat(falls).as("windows in which someone falls").isBetween(3L, (long) windows.windows().size() / 3);

            RetrievalEvaluation retrieval = new RetrievalEvaluation(models, "window_embedding", windows);
            ElementModel minilm = new ElementModel(text);
            float[] query = minilm.run(List.of(ElementModel.Call.text(minilm.tokens("someone falls")))).get(0).values();
            List<Integer> ranked = retrieval.ranked("embedding", query);
            List<SceneTruth> top = ranked.subList(0, 3).stream().map(windows.truths()::get).toList();
            assertThat(top).as("the three windows found first").allSatisfy(t -> assertThat(t.fell()).as("%s", t).isTrue());

            // and the other actions by their words: each query's best window shows that action
            for (Action action : List.of(Action.WALK, Action.CLAP, Action.SIT_DOWN)) {
                String words = "someone " + action.wireName().replace("sit_down", "sits down").replace("walk", "walks").replace("clap", "claps");
                float[] asked = minilm.run(List.of(ElementModel.Call.text(minilm.tokens(words)))).get(0).values();
                assertThat(windows.truths().get(retrieval.ranked("embedding", asked).get(0)).action()).as(words).isEqualTo(action);
            }
        }
    }

    @Test
    void queriesDescribeOnlyWhatSomeWindowShows() {
        List<SceneTruth> truths = List.of(
                new SceneTruth("s", 0, 1, Action.CLAP, false, 1, "red", false, 0, java.util.Set.of(), "left", 0, true),
                new SceneTruth("s", 1, 2, Action.FALL, true, 2, "red", true, 0, java.util.Set.of(), "left", 0, true));
        List<RetrievalEvaluation.Query> queries = RetrievalEvaluation.queries(truths.stream().map(RetrievalEvaluation.Facts::of).toList());
        assertThat(queries).extracting(RetrievalEvaluation.Query::text).containsExactlyInAnyOrder(
                "someone claps", "a person in a red shirt claps", "someone falls", "a person falls in a dark room",
                "a person in a red shirt falls", "someone walks past");
    }
}
