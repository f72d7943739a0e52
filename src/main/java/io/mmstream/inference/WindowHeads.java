package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-window heads over a batch of windows: action recognition from video, the configured fusion variants,
 * and audio-visual sync. A head whose modality covers too little of a window gives no label and says why rather
 * than guess; a head whose inference fails gives no label for its batch, says so, and reports the failure.
 */
public final class WindowHeads {

    public static final String TASK_ACTION = "action";
    public static final String TASK_FUSION = "fusion";
    public static final String TASK_SYNC = "av_sync";
    public static final String IN_SYNC = "in_sync";
    public static final String OUT_OF_SYNC = "out_of_sync";

    /** One head's result for one window; label null with a reason when it could not decide. */
    /** @param embedding the window's embedding, where the model's result is one; empty otherwise */
    public record TaskOutcome(String task, String modelName, String modelVersion, String label, List<String> labels, float[] scores,
                              String reason, float[] embedding) {
        public TaskOutcome(String task, String modelName, String modelVersion, String label, List<String> labels, float[] scores, String reason) {
            this(task, modelName, modelVersion, label, labels, scores, reason, new float[0]);
        }
    }

    /**
     * @param avOffsetMicros the sync head's offset estimate (audio minus video), null when it had no say
     * @param failures messages of heads whose inference failed on this window
     */
    public record WindowResults(List<TaskOutcome> tasks, Long avOffsetMicros, Float inSyncProbability, List<String> failures) {}

    private final OnnxModel action;
    private final List<OnnxModel> fusions;
    private final OnnxModel sync;
    private final float minCoverage;
    private final Map<String, ModelCard.Stage> producers;
    private final long frameStepMicros;

    /**
     * @param producers the stage of each element model whose output the heads' cards bind
     * @param minCoverage share of a window's grid steps a head's modality must cover, 0..1
     */
    public WindowHeads(OnnxModel action, List<OnnxModel> fusions, OnnxModel sync, Map<String, ModelCard.Stage> producers, float minCoverage) {
        this.action = action;
        this.fusions = List.copyOf(fusions);
        this.sync = sync;
        this.producers = Map.copyOf(producers);
        this.minCoverage = minCoverage;
        this.frameStepMicros = action.card().preprocessingLong("frame_step_us");
    }

    public List<WindowResults> run(List<WindowTensors> windows) {
        int count = windows.size();
        List<List<TaskOutcome>> tasks = new ArrayList<>();
        List<List<String>> failures = new ArrayList<>();
        Long[] offsets = new Long[count];
        Float[] inSync = new Float[count];
        for (int i = 0; i < count; i++) {
            tasks.add(new ArrayList<>());
            failures.add(new ArrayList<>());
        }

        boolean[] withVideo = covered(windows, WindowTensors::videoMask);
        classify(TASK_ACTION, action, windows, withVideo, "video covers less than " + percent() + " of the window", tasks, failures);

        boolean[] withAny = new boolean[count];
        for (int i = 0; i < count; i++) {
            WindowTensors w = windows.get(i);
            withAny[i] = WindowTensors.coverage(w.videoMask()) > 0 || WindowTensors.coverage(w.audioMask()) > 0 || WindowTensors.coverage(w.imuMask()) > 0;
        }
        for (OnnxModel fusion : fusions) {
            classify(TASK_FUSION, fusion, windows, withAny, "no modality present in the window", tasks, failures);
        }

        boolean[] withBoth = covered(windows, WindowTensors::audioMask);
        for (int i = 0; i < count; i++) {
            withBoth[i] &= withVideo[i];
        }
        Rows sync = run(this.sync, windows, withBoth);
        List<String> offsetLabels = this.sync.card().labels();
        for (int i = 0; i < count; i++) {
            if (sync.rows().get(i) == null) {
                String reason = withBoth[i] ? sync.errors()[i] : "video or audio covers less than " + percent() + " of the window";
                tasks.get(i).add(new TaskOutcome(TASK_SYNC, this.sync.card().name(), this.sync.card().version(), null, List.of(), new float[0], reason));
                if (withBoth[i]) {
                    failures.get(i).add(this.sync.card().name() + ": " + reason);
                }
                continue;
            }
            float[] probabilities = softmax(sync.rows().get(i).get("offset_logits"), 0, offsetLabels.size());
            float probability = sync.rows().get(i).get("in_sync")[0];
            offsets[i] = offsetMicros(offsetLabels, probabilities, frameStepMicros);
            inSync[i] = probability;
            tasks.get(i).add(new TaskOutcome(TASK_SYNC, this.sync.card().name(), this.sync.card().version(),
                    probability >= 0.5f ? IN_SYNC : OUT_OF_SYNC, offsetLabels, probabilities, null));
        }

        List<WindowResults> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            results.add(new WindowResults(tasks.get(i), offsets[i], inSync[i], failures.get(i)));
        }
        return results;
    }

    private void classify(String task, OnnxModel model, List<WindowTensors> windows, boolean[] eligible, String absentReason,
                          List<List<TaskOutcome>> tasks, List<List<String>> failures) {
        Rows rows = run(model, windows, eligible);
        ModelCard card = model.card();
        String output = card.outputs().get(0).name();
        for (int i = 0; i < windows.size(); i++) {
            if (rows.rows().get(i) == null) {
                tasks.get(i).add(new TaskOutcome(task, card.name(), card.version(), null, List.of(), new float[0],
                        eligible[i] ? rows.errors()[i] : absentReason));
                if (eligible[i]) {
                    failures.get(i).add(card.name() + ": " + rows.errors()[i]);
                }
                continue;
            }
            float[] probabilities = softmax(rows.rows().get(i).get(output), 0, card.labels().size());
            tasks.get(i).add(new TaskOutcome(task, card.name(), card.version(), card.labels().get(argmax(probabilities)), card.labels(),
                    probabilities, null));
        }
    }

    /** Per window: each output's row, or null with the error (or not eligible). */
    private record Rows(List<Map<String, float[]>> rows, String[] errors) {}

    /**
     * Runs the model on the eligible windows as one batch. When the batch fails, each window runs alone, so one bad
     * window (say, non-finite values) costs only its own result.
     */
    private Rows run(OnnxModel model, List<WindowTensors> windows, boolean[] eligible) {
        List<Map<String, float[]>> rows = new ArrayList<>(java.util.Collections.nCopies(windows.size(), null));
        String[] errors = new String[windows.size()];
        List<Integer> chosen = indices(eligible);
        if (chosen.isEmpty()) {
            return new Rows(rows, errors);
        }
        try {
            split(model.run(inputs(model, pick(windows, chosen))), chosen, rows);
        } catch (InferenceException batchFailure) {
            for (int index : chosen) {
                try {
                    split(model.run(inputs(model, List.of(windows.get(index)))), List.of(index), rows);
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

    private Map<String, Input> inputs(OnnxModel model, List<WindowTensors> batch) {
        return WindowInputs.of(model.card(), producers, batch, java.util.Set.of());
    }

    private boolean[] covered(List<WindowTensors> windows, java.util.function.Function<WindowTensors, float[]> mask) {
        boolean[] out = new boolean[windows.size()];
        for (int i = 0; i < out.length; i++) {
            float coverage = WindowTensors.coverage(mask.apply(windows.get(i)));
            out[i] = coverage > 0 && coverage >= minCoverage;
        }
        return out;
    }

    private String percent() {
        return Math.round(minCoverage * 100) + "%";
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

    private static List<WindowTensors> pick(List<WindowTensors> windows, List<Integer> indices) {
        return indices.stream().map(windows::get).toList();
    }

    static float[] softmax(float[] logits, int from, int length) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, logits[from + i]);
        }
        float[] out = new float[length];
        double sum = 0;
        for (int i = 0; i < length; i++) {
            out[i] = (float) Math.exp(logits[from + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < length; i++) {
            out[i] /= (float) sum;
        }
        return out;
    }

    /**
     * The sync head's offset estimate: its card's offset labels are read as numbers of frame steps (audio minus
     * video), the most probable one times the step. The job and `eval` decode it here, the same way.
     */
    public static long offsetMicros(List<String> offsetLabels, float[] scores, long frameStepMicros) {
        return Long.parseLong(offsetLabels.get(argmax(scores))) * frameStepMicros;
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
