package io.mmstream.eval;

import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.Decoding;
import io.mmstream.inference.ModelResult;
import io.mmstream.inference.WindowHeads;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimulationSettings;
import java.io.IOException;
import io.mmstream.align.WindowTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quality bar on held-out simulated streams: action recognition from video, every fusion variant with all
 * modalities, one missing and one alone, audio-visual sync on streams with known offsets, confusion matrices.
 */
public final class Evaluation {

    private static final int BATCH = 8;
    private static final boolean[] ALL = {true, true, true};

    /** Accuracy and confusion matrix (rows: truth, columns: prediction) of one task. */
    public record Score(double accuracy, int[][] confusion, int windows) {}

    public record SyncScore(double balancedAccuracy, double meanAbsoluteErrorMicros, int inSyncWindows, int outOfSyncWindows) {}

    private final WindowModels models;
    private final int imageSize;

    public Evaluation(WindowModels models, int imageSize) {
        this.models = models;
        this.imageSize = imageSize;
    }

    /** Windows of simulated streams, embedded, with their truth. */
    public record Labelled(List<WindowTensors> windows, int[] actions, long[] offsetsMicros) {}

    public Labelled windows(SimulationSettings settings, long seconds) throws IOException, InferenceException {
        DatasetWriter writer = new DatasetWriter();
        DatasetWriter.Params params = new DatasetWriter.Params(settings, seconds, 2_000_000, 1_000_000, imageSize);
        SceneSimulator simulator = new SceneSimulator(settings, DatasetWriter.EPOCH_MICROS);
        List<WindowTensors> embedded = new ArrayList<>();
        List<Integer> actions = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (int s = 0; s < settings.streams(); s++) {
            for (DatasetWriter.Window window : writer.windowsOf(simulator.scene(s), s, DatasetWriter.EPOCH_MICROS, params)) {
                embedded.add(models.embed(window, imageSize));
                actions.add(window.action());
                offsets.add(window.avOffsetMicros());
            }
        }
        return new Labelled(embedded, actions.stream().mapToInt(Integer::intValue).toArray(), offsets.stream().mapToLong(Long::longValue).toArray());
    }

    /** The head whose result is action recognition from video. */
    public String actionHead() {
        return models.heads(WindowHeads.TASK_ACTION).get(0);
    }

    /** The fusion variants: every head whose result is the fused action. */
    public List<String> fusionHeads() {
        return models.heads(WindowHeads.TASK_FUSION);
    }

    public Score action(Labelled data) throws InferenceException {
        return fusion(actionHead(), data, ALL);
    }

    /** A head whose result is an action, with some modalities masked out. */
    public Score fusion(String head, Labelled data, boolean[] use) throws InferenceException {
        String logitsOutput = ((Decoding.Softmax) models.card(head).result().decoding()).from();
        List<float[]> logits = new ArrayList<>();
        for (List<WindowTensors> batch : batches(data.windows())) {
            logits.add(models.run(head, batch, use).get(logitsOutput).data());
        }
        return score(logits, data.actions());
    }

    public Score fusion(String variant, Labelled data) throws InferenceException {
        return fusion(variant, data, ALL);
    }

    /**
     * In sync: |offset| at most one frame period; out of sync: two or more; in between is not scored. Only windows
     * whose action makes regular sounds (walk, run, jump, clap) can be judged at all: silence has no offset.
     */
    public SyncScore sync(Labelled data, long framePeriodMicros) throws InferenceException {
        int inSync = 0;
        int inSyncRight = 0;
        int outOfSync = 0;
        int outOfSyncRight = 0;
        double absoluteError = 0;
        int errorCount = 0;
        int index = 0;
        // the offset decoded as the job decodes it, from the card's result
        String head = models.offsetHead();
        ModelResult syncResult = models.card(head).result();
        Decoding.Offset offsetDecoding = (Decoding.Offset) syncResult.decoding();
        for (List<WindowTensors> batch : batches(data.windows())) {
            var outputs = models.run(head, batch, ALL);
            float[] logits = outputs.get(offsetDecoding.offsets()).data();
            float[] probability = outputs.get(offsetDecoding.inSync()).data();
            int shifts = logits.length / batch.size();
            for (int i = 0; i < batch.size(); i++, index++) {
                Action action = Action.values()[data.actions()[index]];
                if (!action.makesRegularSounds()) {
                    continue;
                }
                long truth = data.offsetsMicros()[index];
                long predicted = offsetDecoding.offsetMicros(syncResult.labels(), java.util.Arrays.copyOfRange(logits, i * shifts, (i + 1) * shifts));
                if (Math.abs(truth) <= (shifts / 2) * framePeriodMicros) {
                    absoluteError += Math.abs(predicted - truth);
                    errorCount++;
                }
                boolean saysInSync = probability[i] >= 0.5;
                if (Math.abs(truth) <= framePeriodMicros) {
                    inSync++;
                    inSyncRight += saysInSync ? 1 : 0;
                } else if (Math.abs(truth) >= 2 * framePeriodMicros) {
                    outOfSync++;
                    outOfSyncRight += saysInSync ? 0 : 1;
                }
            }
        }
        double balanced = (ratio(inSyncRight, inSync) + ratio(outOfSyncRight, outOfSync)) / 2;
        return new SyncScore(balanced, errorCount == 0 ? Double.NaN : absoluteError / errorCount, inSync, outOfSync);
    }

    private static double ratio(int right, int total) {
        return total == 0 ? Double.NaN : (double) right / total;
    }

    private static List<List<WindowTensors>> batches(List<WindowTensors> windows) {
        List<List<WindowTensors>> out = new ArrayList<>();
        for (int i = 0; i < windows.size(); i += BATCH) {
            out.add(windows.subList(i, Math.min(windows.size(), i + BATCH)));
        }
        return out;
    }

    private static Score score(List<float[]> logitBatches, int[] truth) {
        int classes = Action.values().length;
        int[][] confusion = new int[classes][classes];
        int index = 0;
        int right = 0;
        for (float[] logits : logitBatches) {
            for (int row = 0; row < logits.length / classes; row++, index++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[row * classes + c] > logits[row * classes + best]) {
                        best = c;
                    }
                }
                confusion[truth[index]][best]++;
                right += best == truth[index] ? 1 : 0;
            }
        }
        return new Score((double) right / index, confusion, index);
    }

    /** Each modality masked out in turn, then each alone. */
    public static Map<String, boolean[]> modalityCases() {
        Map<String, boolean[]> cases = new LinkedHashMap<>();
        cases.put("without video", new boolean[] {false, true, true});
        cases.put("without audio", new boolean[] {true, false, true});
        cases.put("without imu", new boolean[] {true, true, false});
        cases.put("video only", new boolean[] {true, false, false});
        cases.put("audio only", new boolean[] {false, true, false});
        cases.put("imu only", new boolean[] {false, false, true});
        return cases;
    }
}
