package io.mmstream.eval;

import io.mmstream.codec.Times;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.WindowHeads;
import io.mmstream.schema.Label;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import io.mmstream.sim.Action;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Joins predictions with ground-truth labels as both arrive, in any order, and scores every task the way the
 * offline evaluation does: a window's truth is the action covering most of it; AV sync is judged on windows whose
 * action makes regular sounds (in sync: |offset| at most one frame step, out of sync: two or more).
 */
public final class LiveAccuracy {

    /** @param undecided windows where the head gave no label (its modality absent), not counted in the accuracy */
    public record TaskScore(String task, String model, long scored, long correct, long undecided) {
        public double accuracy() {
            return scored == 0 ? Double.NaN : (double) correct / scored;
        }
    }

    /** Windows waiting for their labels, per stream: ten minutes of 1 s slides. */
    private static final int MAX_WAITING_PER_STREAM = 600;
    private static final long LABEL_MEMORY_MICROS = 120_000_000;

    private final long framePeriodMicros;
    private final Map<String, List<Label>> labels = new HashMap<>();
    private final Map<String, Long> labelledUntil = new HashMap<>();
    /** Per stream in arrival order, which is window order: the job emits a stream's windows as its time passes. */
    private final Map<String, Deque<Prediction>> waiting = new HashMap<>();
    private int waitingCount;
    private final Map<String, long[]> tasks = new LinkedHashMap<>();
    private long inSync;
    private long inSyncRight;
    private long outOfSync;
    private long outOfSyncRight;
    private double offsetErrorMicros;
    private long offsetErrors;

    public LiveAccuracy(long framePeriodMicros) {
        this.framePeriodMicros = framePeriodMicros;
    }

    public void add(Label label) {
        String stream = label.getStreamId();
        labels.computeIfAbsent(stream, k -> new ArrayList<>()).add(label);
        long until = Math.max(Times.micros(label.getEnd()), labelledUntil.getOrDefault(stream, Long.MIN_VALUE));
        labelledUntil.put(stream, until);
        labels.get(stream).removeIf(old -> Times.micros(old.getEnd()) < until - LABEL_MEMORY_MICROS);
        // only this stream's oldest windows can have become complete: amortised O(1) per window
        Deque<Prediction> queue = waiting.get(stream);
        while (queue != null && !queue.isEmpty() && labelled(queue.peekFirst())) {
            score(queue.pollFirst());
            waitingCount--;
        }
    }

    public void add(Prediction prediction) {
        if (labelled(prediction)) {
            score(prediction);
            return;
        }
        Deque<Prediction> queue = waiting.computeIfAbsent(prediction.getStreamId(), k -> new ArrayDeque<>());
        queue.addLast(prediction);
        waitingCount++;
        if (queue.size() > MAX_WAITING_PER_STREAM) {
            queue.removeFirst();
            waitingCount--;
        }
    }

    /** Windows whose labels have not all arrived yet. */
    public int waiting() {
        return waitingCount;
    }

    private boolean labelled(Prediction prediction) {
        return labelledUntil.getOrDefault(prediction.getStreamId(), Long.MIN_VALUE) >= Times.micros(prediction.getWindowEnd());
    }

    private void score(Prediction prediction) {
        long start = Times.micros(prediction.getWindowStart());
        long end = Times.micros(prediction.getWindowEnd());
        List<Label> inWindow = new ArrayList<>();
        long middle = (start + end) / 2;
        long truthOffset = 0;
        for (Label label : labels.getOrDefault(prediction.getStreamId(), List.of())) {
            long from = Math.max(start, Times.micros(label.getStart()));
            long to = Math.min(end, Times.micros(label.getEnd()));
            if (from < to) {
                inWindow.add(Label.newBuilder(label).setStart(Times.ofMicros(from)).setEnd(Times.ofMicros(to)).build());
            }
            if (Times.micros(label.getStart()) <= middle && middle < Times.micros(label.getEnd())) {
                truthOffset = label.getAvOffsetMicros();
            }
        }
        if (inWindow.isEmpty()) {
            return;
        }
        Action truth = DatasetWriter.majorityAction(inWindow);
        for (TaskResult result : prediction.getResults()) {
            if (result.getTask().equals(WindowHeads.TASK_SYNC)) {
                scoreSync(result, prediction.getAvOffsetMicros(), truth, truthOffset);
                continue;
            }
            if (!result.getTask().equals(WindowHeads.TASK_ACTION) && !result.getTask().equals(WindowHeads.TASK_FUSION)) {
                // embeddings and the results of other cards (faces, speech) say nothing an action label could score
                continue;
            }
            long[] score = tasks.computeIfAbsent(result.getTask() + "/" + result.getModelName(), k -> new long[3]);
            if (result.getLabel() == null) {
                score[2]++;
            } else {
                score[0]++;
                score[1] += result.getLabel().equals(truth.wireName()) ? 1 : 0;
            }
        }
    }

    private void scoreSync(TaskResult result, Long estimateMicros, Action truth, long truthOffset) {
        if (result.getLabel() == null || estimateMicros == null || !truth.makesRegularSounds()) {
            return;
        }
        boolean saysInSync = result.getLabel().equals(WindowHeads.IN_SYNC);
        if (Math.abs(truthOffset) <= framePeriodMicros) {
            inSync++;
            inSyncRight += saysInSync ? 1 : 0;
        } else if (Math.abs(truthOffset) >= 2 * framePeriodMicros) {
            outOfSync++;
            outOfSyncRight += saysInSync ? 0 : 1;
        }
        offsetErrorMicros += Math.abs(estimateMicros - truthOffset);
        offsetErrors++;
    }

    public List<TaskScore> scores() {
        List<TaskScore> out = new ArrayList<>();
        tasks.forEach((key, s) -> out.add(new TaskScore(key.substring(0, key.indexOf('/')), key.substring(key.indexOf('/') + 1), s[0], s[1], s[2])));
        return out;
    }

    /** In-sync and out-of-sync recall averaged; NaN until both kinds were seen. */
    public double syncBalancedAccuracy() {
        return inSync == 0 || outOfSync == 0 ? Double.NaN : ((double) inSyncRight / inSync + (double) outOfSyncRight / outOfSync) / 2;
    }

    /** Share of in-sync sounding windows reported in sync; NaN before the first. */
    public double syncInSyncRecall() {
        return inSync == 0 ? Double.NaN : (double) inSyncRight / inSync;
    }

    public double syncMeanAbsoluteErrorMillis() {
        return offsetErrors == 0 ? Double.NaN : offsetErrorMicros / offsetErrors / 1000;
    }

    public long syncWindows() {
        return offsetErrors;
    }

    /** The scores as JSON fields (no braces): per task and model, then sync. */
    public String json() {
        StringBuilder out = new StringBuilder("\"accuracy\": {");
        List<TaskScore> scores = scores();
        for (int i = 0; i < scores.size(); i++) {
            TaskScore s = scores.get(i);
            out.append(String.format(Locale.ROOT, "%s\"%s\": {\"model\": \"%s\", \"windows\": %d, \"accuracy\": %s, \"undecided\": %d}",
                    i == 0 ? "" : ", ", s.task().equals(WindowHeads.TASK_FUSION) ? s.model() : s.task(), s.model(), s.scored(),
                    number(s.accuracy()), s.undecided()));
        }
        out.append(String.format(Locale.ROOT, "}, \"sync\": {\"soundingWindows\": %d, \"balancedAccuracy\": %s, \"inSyncRecall\": %s, \"meanAbsErrorMs\": %s}",
                offsetErrors, number(syncBalancedAccuracy()), number(syncInSyncRecall()), number(syncMeanAbsoluteErrorMillis())));
        return out.toString();
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
    }
}
