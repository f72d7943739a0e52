package io.mmstream.eval;

import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.Decoding;
import io.mmstream.inference.ModelResult;
import io.mmstream.inference.StreamSync;
import io.mmstream.inference.WindowHeads;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SceneTruth;
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

    /**
     * Accuracy and confusion matrix (rows: truth, columns: prediction) of one task.
     *
     * @param interval the accuracy's 95% bootstrap interval over streams
     */
    public record Score(double accuracy, int[][] confusion, int windows, Bootstrap.Interval interval) {}

    /**
     * @param streamErrorMicros mean absolute error of the stream's estimate ({@link StreamSync}, as the job keeps it) at
     *     each window where the stream has one
     * @param balancedInterval and the other intervals: 95% bootstrap intervals over streams
     * @param byAction per sounding action, where each window's offset error lies
     */
    public record SyncScore(double balancedAccuracy, double meanAbsoluteErrorMicros, int inSyncWindows, int outOfSyncWindows,
                            double streamErrorMicros, int streamEstimates, Bootstrap.Interval balancedInterval, Bootstrap.Interval errorInterval,
                            Bootstrap.Interval streamErrorInterval, Map<Action, OffsetErrors> byAction) {}

    /**
     * How one action's windows missed their offset. Footsteps and claps repeat every few frame steps, so an offset one
     * repetition away looks as right as the true one: {@code farWindows} counts the misses of {@value #FAR_STEPS} steps
     * or more, where those aliases lie (at 15 fps a run's steps come every 4.9 to 6.0 frame steps, claps every 5.5 to 6.7, a walk's steps every 7.6 to 9.3).
     */
    public record OffsetErrors(int windows, int withinHalfStep, int withinOneStep, int farWindows) {

        OffsetErrors add(long errorMicros, long framePeriodMicros) {
            long error = Math.abs(errorMicros);
            return new OffsetErrors(windows + 1, withinHalfStep + (2 * error <= framePeriodMicros ? 1 : 0),
                    withinOneStep + (error <= framePeriodMicros ? 1 : 0), farWindows + (error >= FAR_STEPS * framePeriodMicros ? 1 : 0));
        }
    }

    private static final int FAR_STEPS = 4;

    private final WindowModels models;
    private final int imageSize;

    public Evaluation(WindowModels models, int imageSize) {
        this.models = models;
        this.imageSize = imageSize;
    }

    /**
     * Windows of simulated streams, embedded, with their truth.
     *
     * @param streams per window, the index of its stream among {@code streamCount}
     * @param separation per window, the SI-SDR of its audio and of the separated audio ({@link SeparationEvaluation});
     *     empty where the models hold no separation model
     */
    public record Labelled(List<WindowTensors> windows, int[] actions, long[] offsetsMicros, int[] streams, int streamCount, List<SceneTruth> truths,
                           List<SeparationEvaluation.Window> separation) {

        /** The windows of several sets (seeds) as one, their streams numbered on. */
        public static Labelled concat(List<Labelled> sets) {
            List<WindowTensors> windows = new ArrayList<>();
            List<Integer> actions = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            List<Integer> streams = new ArrayList<>();
            List<SceneTruth> truths = new ArrayList<>();
            List<SeparationEvaluation.Window> separation = new ArrayList<>();
            int streamCount = 0;
            for (Labelled set : sets) {
                windows.addAll(set.windows());
                truths.addAll(set.truths());
                separation.addAll(set.separation());
                for (int i = 0; i < set.windows().size(); i++) {
                    actions.add(set.actions()[i]);
                    offsets.add(set.offsetsMicros()[i]);
                    streams.add(streamCount + set.streams()[i]);
                }
                streamCount += set.streamCount();
            }
            return new Labelled(windows, actions.stream().mapToInt(Integer::intValue).toArray(), offsets.stream().mapToLong(Long::longValue).toArray(),
                    streams.stream().mapToInt(Integer::intValue).toArray(), streamCount, truths, separation);
        }
    }

    public Labelled windows(SimulationSettings settings, long seconds) throws IOException, InferenceException {
        DatasetWriter writer = new DatasetWriter();
        DatasetWriter.Params params = new DatasetWriter.Params(settings, seconds, 2_000_000, 1_000_000, imageSize);
        SceneSimulator simulator = new SceneSimulator(settings, DatasetWriter.EPOCH_MICROS);
        List<WindowTensors> embedded = new ArrayList<>();
        List<Integer> actions = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Integer> streams = new ArrayList<>();
        List<SceneTruth> truths = new ArrayList<>();
        List<SeparationEvaluation.Window> separation = new ArrayList<>();
        int slideSamples = (int) (params.slideMicros() * settings.sampleRate() / 1_000_000);
        for (int s = 0; s < settings.streams(); s++) {
            for (DatasetWriter.Window window : writer.windowsOf(simulator.scene(s), s, DatasetWriter.EPOCH_MICROS, params)) {
                WindowTensors tensors = models.embed(window, imageSize);
                embedded.add(tensors);
                if (models.separation() != null) {
                    // here, while the window's audio is at hand: the windows keep embeddings only
                    separation.add(SeparationEvaluation.window(models.separation(), tensors, window.audio(), window.actorAudio(), slideSamples));
                }
                truths.add(window.truth());
                actions.add(window.action());
                offsets.add(window.avOffsetMicros());
                streams.add(s);
            }
        }
        return new Labelled(embedded, actions.stream().mapToInt(Integer::intValue).toArray(), offsets.stream().mapToLong(Long::longValue).toArray(),
                streams.stream().mapToInt(Integer::intValue).toArray(), settings.streams(), truths, separation);
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
        return score(logits, data);
    }

    public Score fusion(String variant, Labelled data) throws InferenceException {
        return fusion(variant, data, ALL);
    }

    /**
     * In sync: |offset| at most one frame period; out of sync: two or more; in between is not scored. Only windows
     * whose action makes regular sounds (walk, run, jump, clap) can be judged at all: silence has no offset.
     */
    public SyncScore sync(Labelled data, long framePeriodMicros) throws InferenceException {
        int streams = data.streamCount();
        int[] inSync = new int[streams];
        int[] inSyncRight = new int[streams];
        int[] outOfSync = new int[streams];
        int[] outOfSyncRight = new int[streams];
        double[] absoluteError = new double[streams];
        int[] errorCount = new int[streams];
        Map<Action, OffsetErrors> byAction = new java.util.EnumMap<>(Action.class);
        double[] streamError = new double[streams];
        int[] streamErrorCount = new int[streams];
        int index = 0;
        // the offset decoded as the job decodes it, from the card's result
        String head = models.offsetHead();
        ModelResult syncResult = models.card(head).result();
        Decoding.Offset offsetDecoding = (Decoding.Offset) syncResult.decoding();
        // the stream's estimate as the job keeps it, window after window
        List<StreamSync.Estimate> streamOffsets = models.streamOffsets(data.windows(), data.streams(), streams);
        for (List<WindowTensors> batch : batches(data.windows())) {
            var outputs = models.run(head, batch, ALL);
            float[] logits = outputs.get(offsetDecoding.offsets()).data();
            float[] probability = outputs.get(offsetDecoding.inSync()).data();
            int shifts = logits.length / batch.size();
            for (int i = 0; i < batch.size(); i++, index++) {
                int stream = data.streams()[index];
                long truth = data.offsetsMicros()[index];
                float[] row = java.util.Arrays.copyOfRange(logits, i * shifts, (i + 1) * shifts);
                long predicted = offsetDecoding.offsetMicros(syncResult.labels(), new Decoding.Softmax(offsetDecoding.offsets()).decode(name -> row));
                StreamSync.Estimate estimate = streamOffsets.get(index);
                if (estimate != null && Math.abs(truth) <= (shifts / 2) * framePeriodMicros) {
                    streamError[stream] += Math.abs(estimate.offsetMicros() - truth);
                    streamErrorCount[stream]++;
                }
                if (!Action.values()[data.actions()[index]].makesRegularSounds()) {
                    continue;
                }
                if (Math.abs(truth) <= (shifts / 2) * framePeriodMicros) {
                    absoluteError[stream] += Math.abs(predicted - truth);
                    errorCount[stream]++;
                    long error = predicted - truth;
                    byAction.compute(Action.values()[data.actions()[index]],
                            (action, sum) -> (sum == null ? new OffsetErrors(0, 0, 0, 0) : sum).add(error, framePeriodMicros));
                }
                boolean saysInSync = probability[i] >= 0.5;
                if (Math.abs(truth) <= framePeriodMicros) {
                    inSync[stream]++;
                    inSyncRight[stream] += saysInSync ? 1 : 0;
                } else if (Math.abs(truth) >= 2 * framePeriodMicros) {
                    outOfSync[stream]++;
                    outOfSyncRight[stream] += saysInSync ? 0 : 1;
                }
            }
        }
        int[] all = new int[streams];
        java.util.Arrays.fill(all, 1);
        java.util.function.ToDoubleFunction<int[]> balanced = weights ->
                (Bootstrap.share(weights, inSyncRight, inSync) + Bootstrap.share(weights, outOfSyncRight, outOfSync)) / 2;
        java.util.function.ToDoubleFunction<int[]> error = weights -> mean(weights, absoluteError, errorCount);
        java.util.function.ToDoubleFunction<int[]> streamErrorFigure = weights -> mean(weights, streamError, streamErrorCount);
        return new SyncScore(balanced.applyAsDouble(all), error.applyAsDouble(all), java.util.Arrays.stream(inSync).sum(),
                java.util.Arrays.stream(outOfSync).sum(), streamErrorFigure.applyAsDouble(all), java.util.Arrays.stream(streamErrorCount).sum(),
                Bootstrap.interval(streams, balanced, 1), Bootstrap.interval(streams, error, 2), Bootstrap.interval(streams, streamErrorFigure, 3),
                byAction);
    }

    /** The pooled mean of per-stream sums over per-stream counts, each stream counted weight times. */
    private static double mean(int[] weights, double[] sums, int[] counts) {
        double sum = 0;
        long count = 0;
        for (int s = 0; s < weights.length; s++) {
            sum += weights[s] * sums[s];
            count += (long) weights[s] * counts[s];
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private static List<List<WindowTensors>> batches(List<WindowTensors> windows) {
        List<List<WindowTensors>> out = new ArrayList<>();
        for (int i = 0; i < windows.size(); i += BATCH) {
            out.add(windows.subList(i, Math.min(windows.size(), i + BATCH)));
        }
        return out;
    }

    private static Score score(List<float[]> logitBatches, Labelled data) {
        int classes = Action.values().length;
        int[][] confusion = new int[classes][classes];
        int[] right = new int[data.streamCount()];
        int[] total = new int[data.streamCount()];
        int index = 0;
        for (float[] logits : logitBatches) {
            for (int row = 0; row < logits.length / classes; row++, index++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[row * classes + c] > logits[row * classes + best]) {
                        best = c;
                    }
                }
                int truth = data.actions()[index];
                confusion[truth][best]++;
                right[data.streams()[index]] += best == truth ? 1 : 0;
                total[data.streams()[index]]++;
            }
        }
        int correct = java.util.Arrays.stream(right).sum();
        return new Score((double) correct / index, confusion, index,
                Bootstrap.interval(data.streamCount(), weights -> Bootstrap.share(weights, right, total), 0));
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
