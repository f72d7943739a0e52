package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.sim.DeviceTrouble;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Devices in the field, each its own stream sharing the partitions with healthy ones: one 10 s behind its
 * partition-mates, one that stalls for less than the idle timeout, one that stalls for longer, one whose clock is an
 * hour behind, one that sends only garbage. The records carry the Kafka timestamps of their simulated delivery, so
 * log time is the devices' own, however fast the job reads them. No window of any stream is lost, nothing of the
 * lagging, short-stalling or slow-clock devices is late; of the long stall's, those it flushes into windows closed
 * during its silence are late (how many depends on how far the job had read when they came: in this replay, on the
 * paths' speeds; the harness test pins it down), each frame counted once, in a window or late; and the garbage is
 * dead letters, one per record.
 */
class DeviceTroubleTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final long SECOND = 1_000_000;
    private static final int SECONDS = 18;
    private static final String LAGGING = SceneSimulator.streamId(2);
    private static final String SHORT_STALL = SceneSimulator.streamId(3);
    private static final String LONG_STALL = SceneSimulator.streamId(4);
    private static final String CLOCK_BEHIND = SceneSimulator.streamId(5);
    private static final String REJECTING = SceneSimulator.streamId(6);
    /** The long stall starts mid-second, so the windows its timeout closes hold part of what it flushes. */
    private static final long LONG_STALL_FROM = 6_500_000;
    /** Long enough past the idle timeout (3 s, plus the 3 s the idle clock keeps back) for log time to carry windows past it. */
    private static final long LONG_STALL_MICROS = 8 * SECOND;
    /** Each device stamps its own clock, a few milliseconds off (realistic delivery). */
    private static final long CLOCK_SKEW = SimulationSettings.Delivery.realistic().clockSkewMaxMicros();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void everyStreamKeepsItsWindowsWhateverItsPartitionMatesDo() throws Exception {
        JobConfig config = JobConfig.defaults(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "trouble"),
                Map.entry("topics.video", "trouble.video"), Map.entry("topics.audio", "trouble.audio"), Map.entry("topics.sensor", "trouble.sensor"),
                Map.entry("topics.predictions", "trouble.predictions"), Map.entry("topics.late", "trouble.late"),
                Map.entry("topics.deadletter", "trouble.deadletter"), Map.entry("source.starting-offsets", "earliest"),
                Map.entry("window.lateness", "300ms"), Map.entry("watermark.out-of-orderness.video", "300ms"),
                Map.entry("watermark.out-of-orderness.audio", "300ms"), Map.entry("watermark.out-of-orderness.sensor", "300ms"),
                Map.entry("watermark.idleness", "3s"), Map.entry("delivery.transactional-id-prefix", "trouble"),
                Map.entry("checkpoint.interval", "500ms"), Map.entry("parallelism", "2")));
        kafka.createTopics(config, 2);

        // a minute ago, so that every capture time lies in the past and every Kafka timestamp within the broker's retention
        long epoch = (System.currentTimeMillis() / 1000 - 60) * SECOND;
        SimulationSettings settings = SimulationSettings.defaults(7).withSeed(6000).withVideo(15, 32, 32);
        Map<Integer, DeviceTrouble> trouble = Map.of(2, DeviceTrouble.lagging(10 * SECOND), 3, DeviceTrouble.stalling(6 * SECOND, 1_500_000),
                4, DeviceTrouble.stalling(LONG_STALL_FROM, LONG_STALL_MICROS), 5, DeviceTrouble.clockBehind(3600 * SECOND), 6, DeviceTrouble.rejecting());
        List<SimRecord> records = new SceneSimulator(settings, epoch, trouble).records(epoch, epoch + SECONDS * SECOND);

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (SimRecord record : records) {
                client.sendAsync("trouble." + record.modality().wireName(), record.streamId().getBytes(StandardCharsets.UTF_8), record.value(),
                        record.deliveryMicros() / 1000);
            }
            client.flush();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(MiniClusters.NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            JobClient job = env.executeAsync("mmstream-device-trouble");

            Map<String, Set<Long>> expected = expectedWindows(records);
            List<ConsumerRecord<byte[], byte[]>> committed = client.awaitCommitted("trouble.predictions", Duration.ofMinutes(3),
                    "every window of every stream", r -> {
                        Map<String, Set<Long>> have = windows(r);
                        return expected.entrySet().stream().allMatch(e -> have.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue()));
                    });
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            // the late records a window's stream sent before that window closed are committed with it, or before
            List<LateEvent> late = lateEvents(client.readCommitted("trouble.late"));
            job.cancel().get(60, TimeUnit.SECONDS);

            assertThat(windows(committed)).as("exactly the windows of each stream, once").isEqualTo(expected);
            assertThat(committed).hasSize(expected.values().stream().mapToInt(Set::size).sum());
            assertThat(late.stream().filter(e -> !e.getStreamId().equals(LONG_STALL)).map(e -> e.getStreamId() + " " + e.getModality() + " at "
                    + (Times.micros(e.getCaptureTime()) - epoch) / 1000 + " ms, late by " + e.getLateByMicros() / 1000 + " ms"))
                    .as("late records of any device but the long stall").isEmpty();
            // what it flushed into windows that log time had carried past during its silence is late: only that, and each record once.
            // An audio patch is late at its instant, which lies up to half a patch before the first chunk it needs
            long patchReach = new io.mmstream.media.AudioPatches(io.mmstream.media.LogMel.Params.standard(), 8).halfSpanMicros();
            assertThat(late).allSatisfy(e -> assertThat(Times.micros(e.getCaptureTime()) - epoch).as("capture of a late record")
                    .isBetween(LONG_STALL_FROM - CLOCK_SKEW - (e.getModality().equals("audio") ? patchReach : 0),
                            LONG_STALL_FROM + LONG_STALL_MICROS + CLOCK_SKEW));
            // every frame of the long stall is in a window or late, never both, never neither. Windows starting on even seconds
            // tile the time line, and so do those on odd seconds: a frame accepted after its earlier window closed is in one
            // tiling only, which is why the fuller of the two is counted
            long frames = records.stream().filter(r -> r.streamId().equals(LONG_STALL) && r.modality() == Modality.VIDEO).count();
            long[] tilings = new long[2];
            KafkaTestClient.predictions(committed).stream().filter(p -> p.getStreamId().equals(LONG_STALL)).forEach(p ->
                    tilings[(int) Math.floorMod(Times.micros(p.getWindowStart()) / SECOND, 2)] += video(p).getEvents());
            long lateFrames = late.stream().filter(e -> e.getModality().equals("video")).count();
            assertThat(Math.max(tilings[0], tilings[1]) + lateFrames).as("frames of the long stall in windows or late").isEqualTo(frames);
            assertThat(Math.min(tilings[0], tilings[1]) + lateFrames).isLessThanOrEqualTo(frames);
            // the garbage device: one dead letter per record, and no window
            long garbage = records.stream().filter(r -> r.streamId().equals(REJECTING)).count();
            assertThat(client.readCommitted("trouble.deadletter")).hasSize((int) garbage);
            assertThat(expected).doesNotContainKey(REJECTING);
            assertThat(windows(committed)).containsKeys(LAGGING, SHORT_STALL, CLOCK_BEHIND);
        }
    }

    /** For every stream, each window that holds one of its video frames or sensor readings. */
    private static Map<String, Set<Long>> expectedWindows(List<SimRecord> records) {
        Map<String, Set<Long>> expected = new HashMap<>();
        for (SimRecord record : records) {
            if (record.streamId().equals(REJECTING) || record.modality() == Modality.AUDIO) {
                continue;
            }
            long last = Math.floorDiv(record.captureMicros(), SECOND) * SECOND;
            expected.computeIfAbsent(record.streamId(), k -> new TreeSet<>()).addAll(List.of(last - SECOND, last));
        }
        return expected;
    }

    private static Map<String, Set<Long>> windows(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Set<Long>> windows = new HashMap<>();
        KafkaTestClient.predictions(records).forEach(p -> windows.computeIfAbsent(p.getStreamId(), k -> new TreeSet<>()).add(Times.micros(p.getWindowStart())));
        return windows;
    }

    private static ModalityCoverage video(Prediction prediction) {
        return prediction.getCoverage().stream().filter(c -> c.getModality().equals("video")).findFirst().orElseThrow();
    }

    private static List<LateEvent> lateEvents(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        List<LateEvent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            out.add(WireCodec.decode(LateEvent.class, record.value()));
        }
        return out;
    }
}
