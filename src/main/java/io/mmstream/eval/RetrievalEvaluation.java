package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.eval.metrics.Retrieval;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.OnnxModel;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneTruth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Cross-modal retrieval over held-out windows with a window-embedding head: text to window (queries in words, a hit
 * any window whose truth matches what the query says) and audio to video (each window's audio finds its own video
 * among every window's). Figures: R@1, R@5, R@10 and mAP ({@link Retrieval}).
 */
public final class RetrievalEvaluation {

    /** A query in words and the windows it describes. */
    public record Query(String family, String text, Predicate<Facts> describes) {}

    /** What the queries ask of a window's truth: offline the simulator's, live the truth topic's. */
    public record Facts(Action action, boolean fell, boolean lightOff, String shirtColour, int people) {

        public static Facts of(SceneTruth truth) {
            return new Facts(truth.action(), truth.fell(), truth.lightOff(), truth.shirtColour(), truth.people());
        }

        public static Facts of(io.mmstream.schema.WindowTruth truth) {
            return new Facts(Action.fromWireName(truth.getAction()), truth.getFell(), !truth.getLightOn(), truth.getShirtColour(), truth.getPeople());
        }
    }

    public record Figures(double recallAt1, double recallAt5, double recallAt10, double meanAveragePrecision, int queries) {
        static Figures of(Retrieval r) {
            return new Figures(r.recallAt(0), r.recallAt(1), r.recallAt(2), r.meanAveragePrecision(), r.queries());
        }
    }

    private static final Map<Action, String> SAYS = Map.of(Action.IDLE, "stands still", Action.WALK, "walks", Action.RUN, "runs",
            Action.JUMP, "jumps", Action.WAVE, "waves", Action.CLAP, "claps", Action.SIT_DOWN, "sits down", Action.FALL, "falls");

    /**
     * The queries asked of a set of windows: each action; each action in the dark; each action by the shirt's
     * colour; a passer-by. Combinations no window shows are left out (they would have nothing to find).
     */
    public static List<Query> queries(List<Facts> truths) {
        List<Query> out = new ArrayList<>();
        for (Action action : Action.values()) {
            Predicate<Facts> doing = action == Action.FALL ? Facts::fell : t -> t.action() == action;
            out.add(new Query("action", "someone " + SAYS.get(action), doing));
            out.add(new Query("action in the dark", "a person " + SAYS.get(action) + " in a dark room", doing.and(Facts::lightOff)));
            for (String colour : SceneTruth.answers(SceneTruth.Question.SHIRT)) {
                String article = colour.startsWith("o") ? "an " : "a ";
                out.add(new Query("action by shirt colour", "a person in " + article + colour + " shirt " + SAYS.get(action),
                        doing.and(t -> t.shirtColour().equals(colour))));
            }
        }
        out.add(new Query("passer-by", "someone walks past", t -> t.people() > 1));
        return out.stream().filter(q -> truths.stream().anyMatch(q.describes())).toList();
    }

    private final Evaluation.Labelled data;
    private final Map<String, float[][]> embeddings;

    /** Runs the head over every window once: its window, video and audio embeddings. */
    public RetrievalEvaluation(WindowModels models, String head, Evaluation.Labelled data) throws InferenceException {
        this.data = data;
        this.embeddings = new LinkedHashMap<>();
        List<String> names = models.card(head).outputs().stream().map(io.mmstream.inference.ModelCard.Tensor::name).toList();
        for (String name : names) {
            embeddings.put(name, new float[data.windows().size()][]);
        }
        boolean[] all = {true, true, true};
        for (int from = 0; from < data.windows().size(); from += 16) {
            List<WindowTensors> batch = data.windows().subList(from, Math.min(data.windows().size(), from + 16));
            Map<String, OnnxModel.Output> outputs = models.run(head, batch, all);
            for (String name : names) {
                float[] flat = outputs.get(name).data();
                int width = flat.length / batch.size();
                for (int i = 0; i < batch.size(); i++) {
                    embeddings.get(name)[from + i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
                }
            }
        }
    }

    /** Text to window, per query family and over all queries; the texts embedded by {@code embedText}. */
    public Map<String, Figures> textToWindow(String windowOutput, Function<List<String>, List<float[]>> embedText) {
        return textToWindow(data.truths().stream().map(Facts::of).toList(), embeddings.get(windowOutput), embedText);
    }

    /**
     * Text to window over a gallery of windows: each query's hits are the windows whose truth it describes.
     *
     * @param windows each window's embedding, in the order of their truths
     */
    public static Map<String, Figures> textToWindow(List<Facts> truths, float[][] windows, Function<List<String>, List<float[]>> embedText) {
        List<Query> queries = queries(truths);
        List<float[]> texts = embedText.apply(queries.stream().map(Query::text).toList());
        Map<String, List<Integer>> families = new LinkedHashMap<>();
        for (int q = 0; q < queries.size(); q++) {
            families.computeIfAbsent(queries.get(q).family(), f -> new ArrayList<>()).add(q);
        }
        families.put("all", java.util.stream.IntStream.range(0, queries.size()).boxed().toList());
        Map<String, Figures> out = new LinkedHashMap<>();
        families.forEach((family, members) -> {
            double[][] scores = new double[members.size()][];
            boolean[][] relevant = new boolean[members.size()][windows.length];
            for (int m = 0; m < members.size(); m++) {
                Query query = queries.get(members.get(m));
                scores[m] = cosines(texts.get(members.get(m)), windows);
                for (int w = 0; w < windows.length; w++) {
                    relevant[m][w] = query.describes().test(truths.get(w));
                }
            }
            out.put(family, Figures.of(Retrieval.of(scores, relevant, 1, 5, 10)));
        });
        return out;
    }

    /** The windows in order of their window embedding's cosine to a query's embedding, best first. */
    public List<Integer> ranked(String windowOutput, float[] query) {
        double[] scores = cosines(query, embeddings.get(windowOutput));
        return java.util.stream.IntStream.range(0, scores.length).boxed()
                .sorted(java.util.Comparator.<Integer>comparingDouble(w -> -scores[w]).thenComparingInt(w -> w)).toList();
    }

    /** Each window's audio embedding against every window's video embedding: the hit is its own window. */
    public Figures audioToVideo(String audioOutput, String videoOutput) {
        List<Integer> both = new ArrayList<>();
        for (int w = 0; w < data.windows().size(); w++) {
            if (present(data.windows().get(w).mask("video")) && present(data.windows().get(w).mask("audio"))) {
                both.add(w);
            }
        }
        float[][] video = both.stream().map(w -> embeddings.get(videoOutput)[w]).toArray(float[][]::new);
        double[][] scores = new double[both.size()][];
        boolean[][] relevant = new boolean[both.size()][both.size()];
        for (int q = 0; q < both.size(); q++) {
            scores[q] = cosines(embeddings.get(audioOutput)[both.get(q)], video);
            relevant[q][q] = true;
        }
        return Figures.of(Retrieval.of(scores, relevant, 1, 5, 10));
    }

    private static boolean present(float[] mask) {
        for (float m : mask) {
            if (m > 0) {
                return true;
            }
        }
        return false;
    }

    private static double[] cosines(float[] query, float[][] gallery) {
        double[] out = new double[gallery.length];
        for (int g = 0; g < gallery.length; g++) {
            double dot = 0;
            double a = 0;
            double b = 0;
            for (int i = 0; i < query.length; i++) {
                dot += query[i] * gallery[g][i];
                a += query[i] * query[i];
                b += gallery[g][i] * gallery[g][i];
            }
            out[g] = dot / Math.sqrt(a * b);
        }
        return out;
    }
}
