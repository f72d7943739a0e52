package io.mmstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.codec.Times;
import io.mmstream.schema.Label;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveAccuracyTest {

    private static final long S = 1_000_000;
    private static final long FRAME = 66_667;

    private static Label label(long start, long end, String action, long offset) {
        return Label.newBuilder().setStreamId("s").setStart(Times.ofMicros(start)).setEnd(Times.ofMicros(end)).setAction(action)
                .setAvOffsetMicros(offset).setModalitiesPresent(List.of()).build();
    }

    private static TaskResult result(String task, String model, String label) {
        return TaskResult.newBuilder().setTask(task).setModelName(model).setModelVersion("1").setLabel(label)
                .setReason(label == null ? "video covers less than 50% of the window" : null).setScores(new ArrayList<>()).build();
    }

    private static Prediction prediction(long start, String action, String fusion, String sync, Long offset) {
        return Prediction.newBuilder().setStreamId("s").setWindowStart(Times.ofMicros(start)).setWindowEnd(Times.ofMicros(start + 2 * S))
                .setGridStepMicros(FRAME).setCoverage(List.of()).setModalitiesPresent(List.of()).setEmitTime(Instant.EPOCH)
                .setCaptureToEmitMillis(0).setAvOffsetMicros(offset)
                .setResults(List.of(result("action", "action_recognition", action), result("fusion", "fusion_early", fusion),
                        result("av_sync", "av_sync", sync)))
                .build();
    }

    @Test
    void aWindowIsScoredOnceItsLabelsHaveArrivedWhateverTheOrder() {
        LiveAccuracy accuracy = new LiveAccuracy(FRAME);
        // [0, 2 s): walk for 1.5 s, idle for 0.5 s, so walk is the truth; the walk is heard 200 ms late
        accuracy.add(prediction(0, "walk", "idle", "out_of_sync", 200_000L));
        accuracy.add(label(0, 1_500_000, "walk", 200_000));
        assertThat(accuracy.waiting()).as("the window's end is not labelled yet").isEqualTo(1);
        accuracy.add(label(1_500_000, 4 * S, "idle", 0));
        assertThat(accuracy.waiting()).isZero();
        // labels first, prediction after: [2 s, 4 s) is all idle, silent, so sync is not judged
        accuracy.add(prediction(2 * S, null, "idle", "in_sync", 0L));

        List<LiveAccuracy.TaskScore> scores = accuracy.scores();
        assertThat(scores).extracting(LiveAccuracy.TaskScore::model).containsExactly("action_recognition", "fusion_early");
        assertThat(scores.get(0).accuracy()).isEqualTo(1.0);
        assertThat(scores.get(0).undecided()).isEqualTo(1);
        assertThat(scores.get(1).accuracy()).isEqualTo(0.5);
        assertThat(accuracy.syncWindows()).isEqualTo(1);
        assertThat(accuracy.syncMeanAbsoluteErrorMillis()).isCloseTo(0, within(1e-9));
        assertThat(accuracy.syncBalancedAccuracy()).as("no in-sync sounding window yet").isNaN();
        assertThat(accuracy.json()).contains("\"action\": {\"model\": \"action_recognition\", \"windows\": 1, \"accuracy\": 1.000, \"undecided\": 1}");
    }
}
