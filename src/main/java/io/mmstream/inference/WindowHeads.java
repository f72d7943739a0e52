package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-window heads over a batch of windows, each run as its card says: its inputs from its bindings
 * ({@link WindowInputs}), what it requires of a window, and how its outputs decode into its result. A head whose
 * required modalities cover too little of a window gives no label and says why rather than guess; a head whose
 * inference fails gives no label for its batch, says so, and reports the failure. An offset head (audio-visual
 * sync) also fills the prediction's offset estimate and in-sync probability. A head that binds a standing question
 * runs once per question (models.questions), each result naming its question.
 */
public final class WindowHeads {

    public static final String TASK_ACTION = "action";
    public static final String TASK_FUSION = "fusion";
    public static final String TASK_SYNC = "av_sync";
    /** A window embedding in a text model's space, for search (its outputs: embedding, video_embedding, audio_embedding). */
    public static final String TASK_RETRIEVAL = "retrieval";
    /** A standing question's answer (its result names the question). */
    public static final String TASK_ANSWER = "answer";
    /** A caption of the window, in words. */
    public static final String TASK_CAPTION = "caption";
    public static final String IN_SYNC = "in_sync";
    public static final String OUT_OF_SYNC = "out_of_sync";

    /**
     * One head's result for one window; label null with a reason when it could not decide.
     *
     * @param embedding the window's embedding, where the model's result is one; empty otherwise
     * @param question the standing question the result answers; null for a head without one
     */
    public record TaskOutcome(String task, String modelName, String modelVersion, String label, List<String> labels, float[] scores,
                              String reason, float[] embedding, String question) {
        public TaskOutcome(String task, String modelName, String modelVersion, String label, List<String> labels, float[] scores, String reason) {
            this(task, modelName, modelVersion, label, labels, scores, reason, new float[0], null);
        }
    }

    /** A head as it runs: its model, and the standing question it answers (null, null for a head without one). */
    private record Head(OnnxModel model, String question, float[] questionEmbedding) {}

    /**
     * @param avOffsetMicros the sync head's offset estimate (audio minus video), null when it had no say
     * @param offsetProbabilities the sync head's distribution over its offsets; empty when it had no say
     * @param streamOffset the window's stream's offset estimate with this window taken in; null while it has none
     * @param failures messages of heads whose inference failed on this window
     */
    public record WindowResults(List<TaskOutcome> tasks, Long avOffsetMicros, Float inSyncProbability, float[] offsetProbabilities,
                                StreamSync.Estimate streamOffset, List<String> failures) {}

    private final List<Head> heads = new ArrayList<>();
    private final float minCoverage;
    private final Map<String, EncoderSlice> producers;
    private final InputBuffers buffers = new InputBuffers();

    /**
     * @param heads the window models in the order their results appear, each run as its card says (inputs,
     *     what it requires of a window, how its outputs decode)
     * @param producers where each encoder's embedding lies in a step, as the heads' cards bind them by name
     * @param minCoverage share of a window's grid steps a required modality must cover, 0..1
     * @param questions per text model a question binding names, each standing question's embedding, in order
     */
    public WindowHeads(List<OnnxModel> heads, Map<String, EncoderSlice> producers, float minCoverage, Map<String, Map<String, float[]>> questions) {
        for (OnnxModel head : heads) {
            String textModel = WindowInputs.questionModel(head.card());
            if (textModel == null) {
                this.heads.add(new Head(head, null, null));
            } else {
                questions.getOrDefault(textModel, Map.of()).forEach((question, embedding) -> this.heads.add(new Head(head, question, embedding)));
            }
        }
        this.producers = Map.copyOf(producers);
        this.minCoverage = minCoverage;
    }

    public WindowHeads(List<OnnxModel> heads, Map<String, EncoderSlice> producers, float minCoverage) {
        this(heads, producers, minCoverage, Map.of());
    }

    /**
     * Where the streams of a batch's windows keep their offset estimates ({@link StreamSync}): the job's keyed state,
     * or {@code eval}'s per-stream arrays.
     */
    public interface StreamOffsets {
        /**
         * The stream's estimate after the batch's window at this index, its own offset taken in; called in batch
         * order, once per window.
         *
         * @param offsetMicros the window's offset, null where the offset head had no say
         * @param probabilities the offset head's distribution; empty where it had no say
         */
        StreamSync.Estimate after(int window, Long offsetMicros, float[] probabilities);
    }

    /** Each window on its own, as if its stream had no earlier windows (benchmarks, the naive baseline). */
    public static final StreamOffsets EACH_WINDOW_ALONE =
            (window, offsetMicros, probabilities) -> StreamSync.estimate(StreamSync.next(new long[0], offsetMicros, probabilities), 0);

    public List<WindowResults> run(List<WindowTensors> windows) {
        return run(windows, EACH_WINDOW_ALONE);
    }

    /**
     * Every head on the batch. The heads that bind their stream's offset run last, once the offset head's results
     * have moved each stream's estimate on ({@code streamOffsets}, in batch order).
     */
    public List<WindowResults> run(List<WindowTensors> windows, StreamOffsets streamOffsets) {
        int count = windows.size();
        TaskOutcome[][] outcomes = new TaskOutcome[count][heads.size()];
        List<List<String>> failures = new ArrayList<>();
        Long[] offsets = new Long[count];
        Float[] inSync = new Float[count];
        float[][] offsetProbabilities = new float[count][0];
        for (int i = 0; i < count; i++) {
            failures.add(new ArrayList<>());
        }
        WindowInputs.Shared shared = new WindowInputs.Shared(windows, buffers);
        List<StreamSync.Estimate> estimates = null;
        for (boolean last : new boolean[] {false, true}) {
            if (last) {
                estimates = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    estimates.add(streamOffsets.after(i, offsets[i], offsetProbabilities[i]));
                }
            }
            for (int h = 0; h < heads.size(); h++) {
                Head head = heads.get(h);
                if (WindowInputs.bindsStreamOffset(head.model().card()) != last) {
                    continue;
                }
                ModelCard card = head.model().card();
                ModelResult result = card.result();
                boolean[] eligible = eligible(windows, result.requires());
                Rows rows = run(head, windows, eligible, shared, estimates);
                for (int i = 0; i < count; i++) {
                    if (rows.rows().get(i) == null) {
                        outcomes[i][h] = new TaskOutcome(result.name(), card.name(), card.version(), null, List.of(), new float[0],
                                eligible[i] ? rows.errors()[i] : result.requires().absentReason(minCoverage), new float[0], head.question());
                        if (eligible[i]) {
                            failures.get(i).add(card.name() + ": " + rows.errors()[i]);
                        }
                        continue;
                    }
                    Map<String, float[]> row = rows.rows().get(i);
                    float[] values = result.decoding().decode(row::get);
                    if (result.decoding() instanceof Decoding.Offset offset) {
                        // an offset head: its offset and in-sync probability also fill the prediction's sync fields
                        float[] probabilities = java.util.Arrays.copyOf(values, values.length - 1);
                        inSync[i] = values[values.length - 1];
                        offsets[i] = offset.offsetMicros(result.labels(), probabilities);
                        offsetProbabilities[i] = probabilities;
                        outcomes[i][h] = new TaskOutcome(result.name(), card.name(), card.version(), inSync[i] >= 0.5f ? IN_SYNC : OUT_OF_SYNC,
                                result.labels(), probabilities, null);
                    } else if (result.decoding() instanceof Decoding.Words) {
                        // text the model wrote (a caption): the label is the text, there are no scores
                        outcomes[i][h] = new TaskOutcome(result.name(), card.name(), card.version(), result.label(values), List.of(), new float[0], null);
                    } else if (result.decoding() instanceof Decoding.Embedding) {
                        // an embedding head (window_embedding): no label, its vector for the embeddings topic
                        outcomes[i][h] = new TaskOutcome(result.name(), card.name(), card.version(), null, List.of(), new float[0], null, values, null);
                    } else {
                        outcomes[i][h] = new TaskOutcome(result.name(), card.name(), card.version(), result.label(values), result.labels(), values, null,
                                new float[0], head.question());
                    }
                }
            }
        }
        List<WindowResults> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            results.add(new WindowResults(List.of(outcomes[i]), offsets[i], inSync[i], offsetProbabilities[i], estimates.get(i), failures.get(i)));
        }
        return results;
    }

    /**
     * What a window the job sheds under overload gets: every head's result without a label, with the reason why, and
     * no model run.
     */
    public WindowResults shed(String reason) {
        List<TaskOutcome> tasks = new ArrayList<>(heads.size());
        for (Head head : heads) {
            ModelCard card = head.model().card();
            tasks.add(new TaskOutcome(card.result().name(), card.name(), card.version(), null, List.of(), new float[0], reason, new float[0],
                    head.question()));
        }
        return new WindowResults(tasks, null, null, new float[0], null, List.of());
    }

    /** Whether each window has what the head requires. */
    private boolean[] eligible(List<WindowTensors> windows, ModelResult.Requires requires) {
        boolean[] out = new boolean[windows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = eligible(windows.get(i), requires, minCoverage);
        }
        return out;
    }

    /** Whether a window has what a head requires: each modality covering the minimum share, or any present at all. */
    public static boolean eligible(WindowTensors window, ModelResult.Requires requires, float minCoverage) {
        boolean all = true;
        boolean any = false;
        for (String modality : requires.modalities()) {
            float coverage = WindowTensors.coverage(window.mask(modality));
            all &= coverage > 0 && coverage >= minCoverage;
            any |= coverage > 0;
        }
        return requires.all() ? all : any;
    }

    /** Per window: each output's row, or null with the error (or not eligible). */
    private record Rows(List<Map<String, float[]>> rows, String[] errors) {}

    /**
     * Runs the model on the eligible windows as one batch. When the batch fails, each window runs alone, so one bad
     * window (say, non-finite values) costs only its own result.
     */
    private Rows run(Head head, List<WindowTensors> windows, boolean[] eligible, WindowInputs.Shared shared, List<StreamSync.Estimate> estimates) {
        List<Map<String, float[]>> rows = new ArrayList<>(java.util.Collections.nCopies(windows.size(), null));
        String[] errors = new String[windows.size()];
        List<Integer> chosen = indices(eligible);
        if (chosen.isEmpty()) {
            return new Rows(rows, errors);
        }
        try {
            split(head.model().run(inputs(head, pick(windows, chosen), shared, pick(estimates, chosen))), chosen, rows);
        } catch (InferenceException batchFailure) {
            for (int index : chosen) {
                try {
                    split(head.model().run(inputs(head, List.of(windows.get(index)), null, pick(estimates, List.of(index)))), List.of(index), rows);
                } catch (InferenceException e) {
                    errors[index] = "inference failed: " + e.getMessage();
                }
            }
        }
        return new Rows(rows, errors);
    }

    private static void split(Map<String, OnnxModel.Output> outputs, List<Integer> indices, List<Map<String, float[]>> rows) {
        for (int r = 0; r < indices.size(); r++) {
            Map<String, float[]> row = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxModel.Output> output : outputs.entrySet()) {
                int width = output.getValue().data().length / indices.size();
                row.put(output.getKey(), java.util.Arrays.copyOfRange(output.getValue().data(), r * width, (r + 1) * width));
            }
            rows.set(indices.get(r), row);
        }
    }

    private Map<String, Input> inputs(Head head, List<WindowTensors> batch, WindowInputs.Shared shared, List<StreamSync.Estimate> estimates) {
        return WindowInputs.of(head.model().card(), producers, batch, java.util.Set.of(), head.questionEmbedding(), null, shared, estimates);
    }

    private static List<Integer> indices(boolean[] flags) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                out.add(i);
            }
        }
        return out;
    }

    /** The items at these indices; null for null. */
    private static <T> List<T> pick(List<T> items, List<Integer> indices) {
        return items == null ? null : indices.stream().map(items::get).toList();
    }
}
