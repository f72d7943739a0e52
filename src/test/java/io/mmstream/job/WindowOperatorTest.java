package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.align.WindowTensors;
import io.mmstream.align.Modality;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.job.operators.AssembleWindow;
import io.mmstream.schema.LateEvent;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job's real window operator (from {@link Pipeline#windows}) driven by hand: elements in, watermarks forward. */
class WindowOperatorTest {

    private static final long SECOND = 1000;
    /** Window size 2s, slide 1s, lateness 500ms: window [10s, 12s) fires when the watermark reaches 12.499s. */
    private static final JobConfig CONFIG = JobConfig.defaults(Map.of(
            "window.size", "2s", "window.slide", "1s", "window.grid-step", "100ms", "window.lateness", "500ms"));

    /** Embeddings of 4 values; an IMU grid of 10 ms steps. */
    private static final AssembleWindow.Layout LAYOUT = new AssembleWindow.Layout(100_000, 4, 10_000, 200,
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var windows = Pipeline.windows(env.fromData(event("x", Modality.VIDEO, 0)), CONFIG, LAYOUT);
        @SuppressWarnings("unchecked")
        var transformation = (OneInputTransformation<ModalEvent, EmbeddedWindow>) windows.getTransformation();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(transformation.getOperatorFactory(), ModalEvent::streamId, Types.STRING);
        harness.open();
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

    @Test
    void aWindowFiresOnceWhenTheWatermarkPassesItsEndPlusTheLateness() throws Exception {
        send(event("s1", Modality.VIDEO, 10 * SECOND + 100));
        send(event("s1", Modality.AUDIO, 11 * SECOND + 900));
        send(event("s1", Modality.SENSOR, 11 * SECOND));

        harness.processWatermark(12 * SECOND);
        assertThat(predictions()).as("only [9s,11s) is past its end plus lateness").extracting(EmbeddedWindow::startMicros)
                .containsExactly(9 * SECOND * 1000);

        // after the end of [10s,12s), but within its lateness: still counted there, and in [11s,13s)
        send(event("s1", Modality.VIDEO, 11 * SECOND + 950));
        harness.processWatermark(12 * SECOND + 499);

        List<EmbeddedWindow> fired = predictions();
        assertThat(fired).hasSize(2);
        assertThat(counts(fired.get(0))).containsEntry("video", 1).containsEntry("audio", 0).containsEntry("sensor", 0);
        EmbeddedWindow second = fired.get(1);
        assertThat(second.startMicros()).isEqualTo(10 * SECOND * 1000);
        assertThat(counts(second)).containsEntry("video", 2).containsEntry("audio", 1).containsEntry("sensor", 1);
        assertThat(present(second)).containsExactly("video", "audio", "sensor");
        assertThat(second.streamId()).isEqualTo("s1");
        assertThat(second.stepMicros()).isEqualTo(100_000);
        // the heads' view: frames at 10.1 s and 11.95 s sit on steps 1 and 19 (nearest instant), the audio patch at 11.9 s on step 19
        assertThat(second.tensors().videoMask()).hasSize(20);
        assertThat(second.tensors().videoMask()[1]).isEqualTo(1f);
        assertThat(second.tensors().videoMask()[19]).isEqualTo(1f);
        assertThat(WindowTensors.coverage(second.tensors().videoMask())).isEqualTo(2 / 20f);
        assertThat(second.tensors().audioMask()[19]).isEqualTo(1f);
        assertThat(second.tensors().audio()).hasSize(20 * 4);

        harness.processWatermark(12 * SECOND + 600);
        assertThat(harness.extractOutputValues()).as("no second firing for the same window").hasSize(2);
    }

    @Test
    void streamsAreWindowedSeparately() throws Exception {
        send(event("a", Modality.VIDEO, 10 * SECOND + 500));
        send(event("b", Modality.VIDEO, 10 * SECOND + 500));
        send(event("b", Modality.AUDIO, 10 * SECOND + 600));

        harness.processWatermark(11 * SECOND + 499);

        assertThat(predictions()).extracting(EmbeddedWindow::streamId).containsExactlyInAnyOrder("a", "b");
        assertThat(present(predictions().stream().filter(p -> p.streamId().equals("b")).findFirst().orElseThrow()))
                .containsExactly("video", "audio");
    }

    @Test
    void anEventAfterAllItsWindowsClosedGoesToTheLateOutput() throws Exception {
        send(event("s1", Modality.VIDEO, 10 * SECOND + 100));
        harness.processWatermark(13 * SECOND);

        send(event("s1", Modality.SENSOR, 10 * SECOND + 200));

        var late = harness.getSideOutput(Pipeline.LATE_EVENTS);
        assertThat(late).hasSize(1);
        assertThat(late.peek().getValue().modality()).isEqualTo(Modality.SENSOR);
        assertThat(predictions()).allSatisfy(p -> assertThat(counts(p)).containsEntry("sensor", 0));
        LateEvent encoded = WireCodec.decode(LateEvent.class, WireCodec.encode(Records.lateEvent(late.peek().getValue(), 0)));
        assertThat(encoded.getSourceTopic()).isEqualTo("mm.test");
        assertThat(encoded.getOffset()).isEqualTo(10 * SECOND + 200);
    }

    @Test
    void stateAndTimersAreGoneAfterTheLastWindowFires() throws Exception {
        for (long t = 10 * SECOND; t < 14 * SECOND; t += 100) {
            send(event("s1", Modality.VIDEO, t));
            send(event("s2", Modality.SENSOR, t + 50));
        }
        assertThat(harness.numKeyedStateEntries()).isPositive();
        assertThat(harness.numEventTimeTimers()).isPositive();

        harness.processWatermark(Long.MAX_VALUE);

        // windows [9,11) .. [13,15) for both streams
        assertThat(harness.extractOutputValues()).hasSize(2 * 5);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
