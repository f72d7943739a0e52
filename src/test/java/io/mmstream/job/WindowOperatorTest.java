package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.LateArrival;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.align.WindowTensors;
import io.mmstream.align.Modality;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.job.operators.AssembleWindow;
import io.mmstream.job.operators.SideOutputs;
import io.mmstream.schema.LateEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job's real window operator (from {@link Pipeline#windows}) driven by hand: elements in, processing time forward. */
class WindowOperatorTest {

    private static final long SECOND = 1000;
    /** Window size 2s, slide 1s, lateness 500ms, bounds 200ms, idle 2s: window [10s, 12s) closes when every modality reached 12.7 s. */
    private static final JobConfig CONFIG = JobConfig.defaults(Map.of(
            "window.size", "2s", "window.slide", "1s", "window.grid-step", "100ms", "window.lateness", "500ms", "watermark.idleness", "2s"));

    /** Embeddings of 4 values; an IMU grid of 10 ms steps. */
    private static final io.mmstream.align.WindowGeometry LAYOUT = new io.mmstream.align.WindowGeometry(100_000, 20, 4, 4, 10_000, 200,
            new float[] {0, 0, 0, 0, 0, 0}, new float[] {1, 1, 1, 1, 1, 1}, 20_000);

    private KeyedOneInputStreamOperatorTestHarness<String, ModalEvent, EmbeddedWindow> harness;

    private static ModalEvent event(String streamId, Modality modality, long millis) {
        float[] features = modality == Modality.SENSOR ? new float[] {1, 2, 3, 4, 5, 6} : new float[] {1, 1, 1, 1};
        return ModalEvent.of(streamId, modality, millis * 1000, 0, features, "mm.test", 0, millis);
    }

    private void send(ModalEvent event) throws Exception {
        harness.processElement(event, event.eventTimeMillis());
    }

    @BeforeEach
    void openHarness() throws Exception {
        harness = newHarness();
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ModalEvent, EmbeddedWindow> newHarness() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var windows = Pipeline.windows(env.fromData(event("x", Modality.VIDEO, 0)), CONFIG, LAYOUT);
        @SuppressWarnings("unchecked")
        var transformation = (OneInputTransformation<ModalEvent, EmbeddedWindow>) windows.getTransformation();
        return new KeyedOneInputStreamOperatorTestHarness<>(transformation.getOperatorFactory(), ModalEvent::streamId, Types.STRING);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private List<EmbeddedWindow> predictions() {
        return harness.extractOutputValues();
    }

    private static Map<String, Integer> counts(EmbeddedWindow window) {
        return window.coverage().stream().collect(Collectors.toMap(c -> c.modality().wireName(), ModalityCoverage::events));
    }

    private static List<String> present(EmbeddedWindow window) {
        return window.coverage().stream().filter(ModalityCoverage::present).map(c -> c.modality().wireName()).toList();
    }

    /** Every modality of the stream at this time: the stream's clock moves to it less the 200 ms bounds. */
    private void all(String streamId, long millis) throws Exception {
        for (Modality modality : Modality.MEDIA) {
            send(event(streamId, modality, millis));
        }
    }

    private static List<Long> starts(List<EmbeddedWindow> windows, String streamId) {
        return windows.stream().filter(w -> w.streamId().equals(streamId)).map(w -> w.startMicros() / 1000 / SECOND).toList();
    }

    @Test
    void aWindowClosesOnceWhenTheStreamsSlowestModalityPassesItsEndPlusTheLateness() throws Exception {
        send(event("s1", Modality.VIDEO, 10 * SECOND + 100));
        send(event("s1", Modality.AUDIO, 11 * SECOND + 900));
        send(event("s1", Modality.SENSOR, 11 * SECOND));
        all("s1", 11 * SECOND + 600);
        assertThat(predictions()).as("the slowest clock is at 11.4 s: [9 s, 11 s) waits for 11.5 s").isEmpty();

        send(event("s1", Modality.VIDEO, 12 * SECOND));
        send(event("s1", Modality.AUDIO, 12 * SECOND));
        assertThat(predictions()).as("the sensor still holds the stream at 11.4 s").isEmpty();
        send(event("s1", Modality.SENSOR, 12 * SECOND));
        assertThat(predictions()).extracting(EmbeddedWindow::startMicros).containsExactly(9 * SECOND * 1000);

        // after the end of [10s,12s), but within its lateness: still counted there, and in [11s,13s)
        send(event("s1", Modality.VIDEO, 11 * SECOND + 950));
        all("s1", 12 * SECOND + 700);

        List<EmbeddedWindow> fired = predictions();
        assertThat(fired).hasSize(2);
        assertThat(counts(fired.get(0))).containsEntry("video", 1).containsEntry("audio", 0).containsEntry("sensor", 0);
        EmbeddedWindow second = fired.get(1);
        assertThat(second.startMicros()).isEqualTo(10 * SECOND * 1000);
        assertThat(counts(second)).containsEntry("video", 3).containsEntry("audio", 2).containsEntry("sensor", 2);
        assertThat(present(second)).containsExactly("video", "audio", "sensor");
        assertThat(second.streamId()).isEqualTo("s1");
        assertThat(second.stepMicros()).isEqualTo(100_000);
        // the heads' view: frames at 10.1 s, 11.6 s and 11.95 s sit on steps 1, 16 and 19 (nearest instant)
        assertThat(second.tensors().videoMask()).hasSize(20);
        assertThat(second.tensors().videoMask()[1]).isEqualTo(1f);
        assertThat(second.tensors().videoMask()[16]).isEqualTo(1f);
        assertThat(second.tensors().videoMask()[19]).isEqualTo(1f);
        assertThat(WindowTensors.coverage(second.tensors().videoMask())).isEqualTo(3 / 20f);
        assertThat(second.tensors().audioMask()[19]).isEqualTo(1f);
        assertThat(second.tensors().audio()).hasSize(20 * 4);

        all("s1", 12 * SECOND + 800);
        assertThat(harness.extractOutputValues()).as("no second firing for the same window").hasSize(2);
        assertThat(harness.getSideOutput(SideOutputs.LATE)).isNull();
    }

    @Test
    void aStreamLaggingItsPartitionMatesByMinutesLosesNothingAndHoldsNobodyBack() throws Exception {
        // "ahead" is 20 minutes ahead of "behind" (a device with a slow network, or a clock behind): each closes its own windows
        for (long t = 0; t <= 5 * SECOND; t += 100) {
            all("ahead", 1200 * SECOND + t);
            all("behind", t);
        }
        assertThat(starts(predictions(), "ahead")).containsExactly(1199L, 1200L, 1201L, 1202L);
        assertThat(starts(predictions(), "behind")).containsExactly(-1L, 0L, 1L, 2L);
        assertThat(harness.getSideOutput(SideOutputs.LATE)).isNull();
    }

    @Test
    void anEventAfterAllItsStreamsWindowsClosedGoesToTheLateOutputSayingByHowMuch() throws Exception {
        send(event("s1", Modality.VIDEO, 10 * SECOND + 100));
        all("s1", 13 * SECOND + 800);
        all("s2", 10 * SECOND);
        assertThat(starts(predictions(), "s1")).as("[11 s, 13 s) held nothing").containsExactly(9L, 10L);

        send(event("s1", Modality.SENSOR, 10 * SECOND + 200));
        send(event("s2", Modality.SENSOR, 10 * SECOND + 200)); // another stream's time is its own: not late

        var late = harness.getSideOutput(SideOutputs.LATE);
        assertThat(late).hasSize(1);
        LateArrival arrival = late.peek().getValue();
        assertThat(arrival.event().modality()).isEqualTo(Modality.SENSOR);
        assertThat(arrival.lateByMicros()).as("s1 accepts from 12 s, the start of its first open window").isEqualTo(1_800_000);
        assertThat(predictions()).allSatisfy(p -> assertThat(counts(p)).containsEntry("sensor", p.streamId().equals("s1") ? 0 : 1));
        LateEvent encoded = WireCodec.decode(LateEvent.class, WireCodec.encode(Records.lateEvent(arrival, 0)));
        assertThat(encoded.getSourceTopic()).isEqualTo("mm.test");
        assertThat(encoded.getOffset()).isEqualTo(10 * SECOND + 200);
        assertThat(encoded.getLateByMicros()).isEqualTo(1_800_000);
    }

    @Test
    void aModalitySilentForTheIdleTimeoutInLogTimeStopsHoldingTheStreamAndQuietInputsCloseTheLastWindows() throws Exception {
        // the harness stamps each event with its capture time: read as the time it was written to Kafka (log time)
        for (long t = 0; t < 3 * SECOND; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L);
        // the camera goes off after 12.9 s: audio and sensor go on, and the windows wait for the video
        for (long t = 3 * SECOND; t < 6 * SECOND; t += 100) {
            send(event("s1", Modality.AUDIO, 10 * SECOND + t));
            send(event("s1", Modality.SENSOR, 10 * SECOND + t));
        }
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L);
        // ... until every input has been read 2 s past the video's last record (a slow video path could not pass for silence);
        // idle since log time 12.9 s, the video holds the stream only where the log has been read, less the idle timeout (2 s)
        // and its bound (200 ms): at 12.7 s now, too early for [11 s, 13 s); read to 16 s, at 13.8 s
        harness.processWatermark(14 * SECOND + 900);
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L);
        harness.processWatermark(16 * SECOND);
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L);
        // then nothing more comes and log time stands still: while an input is active its records may still be on the way
        // (a path starved of CPU, behind a checkpoint), and nothing closes however long the silence
        harness.setProcessingTime(5_000);
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L);
        // once every input reports itself idle, the idle timeout after the last element by processing time closes the
        // last windows (no such timeout before every input has reported progress since the start: see the restore test)
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        harness.setProcessingTime(5_999);
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L);
        harness.setProcessingTime(7_000);
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L, 12L, 13L, 14L, 15L);
        assertThat(predictions().get(6).coverage()).filteredOn(c -> c.modality() == Modality.VIDEO).singleElement()
                .satisfies(c -> assertThat(c.events()).isZero());
        // the device flushes what it had buffered: its windows stay closed, the records are late
        send(event("s1", Modality.VIDEO, 15 * SECOND + 500));
        assertThat(harness.getSideOutput(SideOutputs.LATE)).hasSize(1);
        // a stream silent for the retention leaves nothing behind, not even its clock
        harness.setProcessingTime(7_000 + Duration.ofMinutes(10).toMillis());
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aSlowPathAfterAStartCannotPassForSilence() throws Exception {
        // audio and sensor of a backlog arrive while the video path is still starting: log time does not move, nothing closes
        harness.setProcessingTime(0);
        for (long t = 0; t < 8 * SECOND; t += 100) {
            send(event("s1", Modality.AUDIO, 10 * SECOND + t));
            send(event("s1", Modality.SENSOR, 10 * SECOND + t));
        }
        harness.setProcessingTime(1_900);
        assertThat(predictions()).isEmpty();
        for (long t = 0; t < 8 * SECOND; t += 100) {
            send(event("s1", Modality.VIDEO, 10 * SECOND + t));
        }
        harness.processWatermark(18 * SECOND);
        // windows up to [15 s, 17 s): the stream's clock is at 17.7 s
        assertThat(predictions()).hasSize(7).allSatisfy(window -> assertThat(counts(window))
                .containsEntry("video", window.startMicros() == 9 * SECOND * 1000 ? 10 : 20));
        assertThat(harness.getSideOutput(SideOutputs.LATE)).isNull();
    }

    @Test
    void textRidesInItsWindowsWithoutHoldingTheStreamAndIsLateOnceThoseHaveClosed() throws Exception {
        for (long t = 0; t < SECOND; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        send(text("s1", 10 * SECOND + 500));
        send(text("s1", 11 * SECOND + 250));
        for (long t = SECOND; t < 3 * SECOND; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        // the texts moved nothing: the media closed [9 s, 11 s) and [10 s, 12 s) as they would have without them
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L);
        assertThat(predictions().get(0).texts()).hasSize(1);
        assertThat(predictions().get(1).texts()).hasSize(2);
        assertThat(counts(predictions().get(1))).containsEntry("text", 2).containsEntry("video", 20);
        // a text for a window already closed is late, like any event
        send(text("s1", 10 * SECOND + 900));
        assertThat(harness.getSideOutput(SideOutputs.LATE)).singleElement()
                .satisfies(late -> assertThat(late.getValue().event().modality()).isEqualTo(Modality.TEXT));
    }

    @Test
    void textsOfAStreamWhoseMediaNeverComeLeaveAfterTheRetention() throws Exception {
        harness.setProcessingTime(0);
        send(text("chat-only", 10 * SECOND));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.setProcessingTime(Duration.ofMinutes(11).toMillis());
        assertThat(predictions()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    private static ModalEvent text(String streamId, long millis) {
        byte[] record = io.mmstream.codec.WireCodec.encode(io.mmstream.codec.WireRecordsFixtures.text(streamId, millis * 1000).build());
        return new ModalEvent(streamId, Modality.TEXT, millis * 1000, -1, new float[0], record, "mm.text", 0, millis);
    }

    @Test
    void aClockJumpingForwardClosesTheWindowsBeforeTheJumpAndNoEmptyOnes() throws Exception {
        for (long t = 0; t < 2 * SECOND; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        for (long t = 0; t < 3 * SECOND; t += 100) {
            all("s1", 3_600 * SECOND + t);
        }
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L, 3599L, 3600L);
        assertThat(harness.getSideOutput(SideOutputs.LATE)).isNull();
    }

    @Test
    void aClockJumpingBackwardMakesItsRecordsLateUntilItCatchesUp() throws Exception {
        for (long t = 0; t < 3 * SECOND; t += 100) {
            all("s1", 100 * SECOND + t);
        }
        assertThat(starts(predictions(), "s1")).containsExactly(99L, 100L);
        // an NTP step of 2 s back: what lands before the first open window (101 s) is late, the rest still counts
        for (long t = 0; t < 3 * SECOND; t += 100) {
            all("s1", 100 * SECOND + t);
        }
        assertThat(harness.getSideOutput(SideOutputs.LATE)).hasSize(3 * 10);
        assertThat(harness.getSideOutput(SideOutputs.LATE)).allSatisfy(late -> assertThat(late.getValue().lateByMicros()).isPositive());
        all("s1", 104 * SECOND + 700);
        assertThat(starts(predictions(), "s1")).containsExactly(99L, 100L, 101L, 102L);
        assertThat(counts(predictions().get(2))).as("[101 s, 103 s) holds both passes over [101 s, 103 s)").containsEntry("video", 40);
    }

    @Test
    void afterARestoreMidWindowAnOverdueIdleCheckWaitsForTheReplayedRecords() throws Exception {
        harness.setProcessingTime(1_000);
        for (long t = 0; t < 1_500; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        var snapshot = harness.snapshot(1, 1_000);
        List<EmbeddedWindow> before = predictions();
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        // the restored job starts long after the idle check was due: it re-arms instead of closing the open windows, and
        // while the upstream tasks load their models nothing comes, for longer than the idle timeout: slow, not quiet
        harness.setProcessingTime(60_000);
        harness.setProcessingTime(90_000);
        assertThat(predictions()).isEmpty();
        for (long t = 1_500; t < 4 * SECOND; t += 100) {
            all("s1", 10 * SECOND + t);
        }
        assertThat(before).isEmpty();
        assertThat(starts(predictions(), "s1")).containsExactly(9L, 10L, 11L);
        assertThat(counts(predictions().get(1))).as("[10 s, 12 s) whole across the restore").containsEntry("video", 20).containsEntry("sensor", 20);
        assertThat(harness.getSideOutput(SideOutputs.LATE)).isNull();
    }

    @Test
    void stateAndTimersAreGoneOnceTheStreamsAreForgotten() throws Exception {
        for (long t = 10 * SECOND; t < 14 * SECOND; t += 100) {
            send(event("s1", Modality.VIDEO, t));
            send(event("s2", Modality.SENSOR, t + 50));
        }
        assertThat(harness.numKeyedStateEntries()).isPositive();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);
        // the inputs report how far they have read, then nothing more comes
        harness.processWatermark(11 * SECOND);
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        harness.setProcessingTime(2_000);
        assertThat(harness.extractOutputValues()).as("log time moved during the last idle timeout").isEmpty();
        harness.setProcessingTime(4_000);
        assertThat(harness.extractOutputValues()).as("quiet since").isNotEmpty();

        harness.setProcessingTime(Duration.ofMinutes(11).toMillis());

        // windows [9,11) .. [13,15) for both streams, closed by the idle timeout
        assertThat(harness.extractOutputValues()).hasSize(2 * 5);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void theEndOfABoundedInputClosesEveryWindowAndLeavesNothing() throws Exception {
        for (long t = 10 * SECOND; t < 14 * SECOND; t += 100) {
            send(event("s1", Modality.VIDEO, t));
            send(event("imu-only", Modality.SENSOR, t + 50));
        }
        assertThat(predictions()).as("audio and sensor of s1, never seen, hold it for the idle timeout").isEmpty();

        harness.processWatermark(Long.MAX_VALUE);

        assertThat(harness.extractOutputValues()).hasSize(2 * 5);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
