package io.mmstream.job;

import static io.mmstream.codec.WireRecordsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.FrameGrid;
import io.mmstream.align.Modality;
import io.mmstream.codec.HostileRecords;
import io.mmstream.codec.SensorSample;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.LogMel;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.TaskResult;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.util.Comparator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on a real KRaft broker and a Flink MiniCluster at parallelism 2: known multi-stream input with
 * out-of-order delivery, an idle partition, a stream without a sensor, late events and one bad record of each kind.
 * Outputs are read as a downstream consumer reads them (read_committed) and checked against what was sent.
 */
class PipelineEndToEndTest {

    private static final Configuration NO_RESTARTS = MiniClusters.NO_RESTARTS;

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final long T0 = T0_MICROS;
    private static final long SECOND = 1_000_000;
    private static final int STREAMS = 3;
    /** The stream whose IMU never reports: its windows must say sensor absent. */
    private static final String NO_SENSOR_STREAM = SceneSimulator.streamId(2);
    /** The stream whose IMU sends single SensorReadings, as older producers do; the others send SensorBatch records. */
    private static final String OLD_SENSOR_STREAM = SceneSimulator.streamId(1);
    /** Sensor records go to explicit partitions 0 and 1 of three: partition 2 stays idle for the whole run. */
    private static final int SENSOR_PARTITIONS = 3;
    /** Under the broker's and the producers' 1 MB: the hostile records must reach the job to be tested by it. */
    private static final int MAX_RECORD_BYTES = 900_000;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** What a window should hold: counts per modality, by stream and window start. */
    private final Map<String, Map<Long, Map<String, Integer>>> expected = new HashMap<>();
    private final Map<String, String> expectedDeadLetterErrors = new HashMap<>();
    private final Map<String, byte[]> deadLetterValues = new HashMap<>();
    private final Set<String> expectedLate = new HashSet<>();
    private final Map<String, SimRecord> lastAudioChunk = new HashMap<>();

    @Test
    void everyWindowOnceWithExactCountsAndEveryBadOrLateRecordAccountedFor() throws Exception {
        JobConfig config = JobConfig.defaults(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()),
                Map.entry("kafka.group-id", "e2e"),
                Map.entry("topics.video", "e2e.video"), Map.entry("topics.audio", "e2e.audio"), Map.entry("topics.sensor", "e2e.sensor"), Map.entry("topics.text", "e2e.text"),
                Map.entry("topics.predictions", "e2e.predictions"), Map.entry("topics.late", "e2e.late"),
                Map.entry("topics.deadletter", "e2e.deadletter"),
                Map.entry("source.starting-offsets", "earliest"),
                Map.entry("window.size", "2s"), Map.entry("window.slide", "1s"), Map.entry("window.grid-step", "66667us"),
                Map.entry("window.lateness", "200ms"),
                Map.entry("watermark.out-of-orderness.video", "300ms"), Map.entry("watermark.out-of-orderness.audio", "300ms"),
                Map.entry("watermark.out-of-orderness.sensor", "300ms"), Map.entry("watermark.idleness", "1s"),
                Map.entry("validation.max-record-bytes", Integer.toString(MAX_RECORD_BYTES)),
                Map.entry("validation.deadletter-value-bytes", "4096"),
                Map.entry("delivery.guarantee", "exactly-once"), Map.entry("delivery.transactional-id-prefix", "e2e"),
                Map.entry("checkpoint.interval", "300ms"), Map.entry("parallelism", "2")));
        kafka.createTopics(config, 2);
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientProperties())) {
            admin.createPartitions(Map.of("e2e.sensor", org.apache.kafka.clients.admin.NewPartitions.increaseTo(SENSOR_PARTITIONS))).all().get();
        }

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            sendOnTimeDataOutOfOrder(client, config);
            sendOneBadRecordOfEachKind(client);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            JobClient job = env.executeAsync("mmstream-e2e");

            // every stream's time has passed [T0+4s, T0+6s): events from T0's first second are now late
            client.awaitCommitted("e2e.predictions", Duration.ofSeconds(90), "windows up to T0+6s of every stream",
                    records -> decodePredictions(records).stream().filter(p -> Times.micros(p.getWindowEnd()) >= T0 + 6 * SECOND)
                            .map(Prediction::getStreamId).distinct().count() == STREAMS);
            sendLateEvents(client);
            client.awaitCommitted("e2e.late", Duration.ofSeconds(60), "every late event", records -> records.size() >= expectedLate.size());
            client.awaitCommitted("e2e.deadletter", Duration.ofSeconds(60), "every dead letter",
                    records -> records.size() >= expectedDeadLetterErrors.size());

            // no record after the data: each stream's last windows closed when it had been silent for the idle timeout
            int windows = expected.values().stream().mapToInt(Map::size).sum();
            List<Prediction> predictions = decodePredictions(client.awaitCommitted("e2e.predictions", Duration.ofSeconds(60),
                    windows + " predictions", records -> records.size() >= windows));
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).as("no failure, no restart").isEqualTo(JobStatus.RUNNING);
            job.cancel().get(60, TimeUnit.SECONDS);

            assertPredictions(predictions);
            assertLateEvents(client.readCommitted("e2e.late"));
            assertDeadLetters(client.readCommitted("e2e.deadletter"));
        }
    }

    private void sendOnTimeDataOutOfOrder(KafkaTestClient client, JobConfig config) throws java.io.IOException {
        // small frames and a 20 Hz IMU keep the test quick; perfect delivery so that the test alone decides the order
        SimulationSettings settings = new SimulationSettings(7, STREAMS, 10, 32, 32, 80, 16_000, 100_000, 20, 0.03, 0.02, 1.0, 0, 0, 0,
                SimulationSettings.Delivery.perfect());
        Map<String, List<SimRecord>> byStreamAndModality = new HashMap<>();
        Map<String, List<AudioPatches.Chunk>> audio = new HashMap<>();
        for (SimRecord record : new SceneSimulator(settings, T0).records(T0, T0 + 8 * SECOND)) {
            if (record.modality() == Modality.SENSOR && record.streamId().equals(NO_SENSOR_STREAM)) {
                continue;
            }
            if (record.modality() == Modality.SENSOR) {
                // the simulator's IMU sends batches; stream 1's is an older device that sends every sample alone
                for (SensorSample sample : SensorSample.of(record.value())) {
                    expect(record.streamId(), Modality.SENSOR, sample.captureMicros());
                    if (record.streamId().equals(OLD_SENSOR_STREAM)) {
                        byStreamAndModality.computeIfAbsent(record.streamId() + "/" + record.modality(), k -> new ArrayList<>())
                                .add(singleReading(record.streamId(), sample));
                    }
                }
                if (record.streamId().equals(OLD_SENSOR_STREAM)) {
                    continue;
                }
            }
            byStreamAndModality.computeIfAbsent(record.streamId() + "/" + record.modality(), k -> new ArrayList<>()).add(record);
            if (record.modality() == Modality.SENSOR) {
                continue;
            }
            if (record.modality() == Modality.AUDIO) {
                lastAudioChunk.merge(record.streamId(), record, (a, b) -> b.captureMicros() > a.captureMicros() ? b : a);
                AudioChunk chunk = decode(AudioChunk.class, record.value());
                audio.computeIfAbsent(record.streamId(), k -> new ArrayList<>())
                        .add(new AudioPatches.Chunk(record.captureMicros(), Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels())));
            } else {
                expect(record.streamId(), record.modality(), record.captureMicros());
            }
        }
        // the windows see audio as patches centred on the frame grid's instants, wherever the chunks cover a whole patch
        AudioPatches patches = new AudioPatches(LogMel.Params.standard(), 8);
        FrameGrid grid = new FrameGrid(SECOND, 66_667);
        audio.forEach((stream, chunks) -> {
            for (long instant = grid.firstAtOrAfter(T0 - SECOND); instant < T0 + 9 * SECOND; instant = grid.next(instant)) {
                if (patches.patch(instant, chunks).complete()) {
                    expect(stream, Modality.AUDIO, instant);
                }
            }
        });
        // each record at most one period (<= 100 ms) out of order, within the 300 ms bound: neighbours swapped per stream and
        // modality; across streams the partitions stay in capture order, as the watermark bound requires of them too
        List<long[]> slots = new ArrayList<>();
        List<SimRecord> swapped = new ArrayList<>();
        for (List<SimRecord> sequence : byStreamAndModality.values()) {
            sequence.sort(Comparator.comparingLong(SimRecord::captureMicros));
            for (int i = 0; i < sequence.size(); i++) {
                int from = i % 2 == 0 ? Math.min(i + 1, sequence.size() - 1) : i - 1;
                slots.add(new long[] {sequence.get(i).captureMicros(), swapped.size()});
                swapped.add(sequence.get(from));
            }
        }
        slots.sort(Comparator.<long[]>comparingLong(slot -> slot[0]).thenComparingLong(slot -> slot[1]));
        for (long[] slot : slots) {
            send(client, swapped.get((int) slot[1]));
        }
    }

    private static SimRecord singleReading(String streamId, SensorSample sample) {
        List<Float> values = new ArrayList<>();
        for (float value : sample.values()) {
            values.add(value);
        }
        byte[] reading = WireCodec.encode(SensorReading.newBuilder().setStreamId(streamId).setSensorId("imu0")
                .setCaptureTime(Times.ofMicros(sample.captureMicros())).setKind("imu6").setValues(values).build());
        return new SimRecord(Modality.SENSOR, streamId, sample.captureMicros(), sample.captureMicros(), reading);
    }

    private void send(KafkaTestClient client, SimRecord record) {
        Integer partition = record.modality() == Modality.SENSOR ? Integer.valueOf(record.streamId().equals(SceneSimulator.streamId(0)) ? 0 : 1) : null;
        client.send("e2e." + record.modality().wireName(), partition, record.streamId().getBytes(StandardCharsets.UTF_8), record.value());
    }

    private void expect(String streamId, Modality modality, long captureMicros) {
        long firstWindow = Math.floorDiv(captureMicros, SECOND) * SECOND - SECOND;
        for (long start = firstWindow; start <= captureMicros; start += SECOND) {
            expected.computeIfAbsent(streamId, k -> new HashMap<>()).computeIfAbsent(start, k -> new HashMap<>())
                    .merge(modality.wireName(), 1, Integer::sum);
        }
    }

    private void sendOneBadRecordOfEachKind(KafkaTestClient client) {
        byte[] goodFrame = WireCodec.encode(frame("stream-00", T0 + 3 * SECOND).build());
        byte[] unknownFingerprint = goodFrame.clone();
        unknownFingerprint[4] ^= 0x10;
        bad(client, "e2e.video", unknownFingerprint, "is no version of VideoFrame");
        bad(client, "e2e.audio", Arrays.copyOf(WireCodec.encode(chunk("stream-00", T0 + 3 * SECOND).build()), 15), "not a readable audio record");
        bad(client, "e2e.sensor", "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8), "no C3 01 header");
        bad(client, "e2e.video", WireCodec.encode(frame("", T0 + 3 * SECOND).build()), "streamId is missing or empty");
        bad(client, "e2e.audio", WireCodec.encode(chunk("stream-01", -5).build()), "captureTime -5 is negative");
        long oneHourAhead = System.currentTimeMillis() * 1000 + 3600 * SECOND;
        bad(client, "e2e.sensor", WireCodec.encode(reading("stream-01", oneHourAhead).build()), "past the future horizon");
        byte[] hugeJpeg = Arrays.copyOf(SMALL_JPEG, MAX_RECORD_BYTES + 1);
        bad(client, "e2e.video", WireCodec.encode(frame("stream-01", T0 + 3 * SECOND).setData(ByteBuffer.wrap(hugeJpeg)).build()),
                "exceeds the size limit of " + MAX_RECORD_BYTES);
        bad(client, "e2e.sensor", WireCodec.encode(reading("stream-00", T0 + 3 * SECOND).setValues(List.of(1f, Float.NaN, 3f, 0f, 0f, 0f)).build()),
                "values[1] is NaN");
        bad(client, "e2e.video", WireCodec.encode(frame("stream-01", T0 + 3 * SECOND).setWidth(0).build()), "width 0 is outside");
        bad(client, "e2e.audio", WireCodec.encode(chunk("stream-01", T0 + 3 * SECOND).setSampleRate(7).build()), "sampleRate 7 is outside");
        bad(client, "e2e.audio", WireCodec.encode(chunk("stream-01", T0 + 3 * SECOND).setChannels(0).build()), "channels 0 is outside");
        // valid records whose media the encoders cannot use: dead letters from the encode stage, keyed by their stream
        bad(client, "e2e.video", WireCodec.encode(frame("stream-01", T0 + 3 * SECOND).setData(ByteBuffer.wrap(UNDECODABLE_JPEG)).build()),
                "frame cannot be decoded", "stream-01");
        // the stream's last chunk again with other samples: the cutter still holds the first, and refuses the second
        String stream = SceneSimulator.streamId(1);
        AudioChunk last = decode(AudioChunk.class, lastAudioChunk.get(stream).value());
        byte[] otherSamples = new byte[last.getData().remaining()];
        Arrays.fill(otherSamples, (byte) 7);
        last.setData(ByteBuffer.wrap(otherSamples));
        bad(client, "e2e.audio", WireCodec.encode(last), "differs from the chunk already received with the same capture time", stream);
        // every record that once made the job restart for ever, on a real stream: its predictions must stay as they were
        for (HostileRecords.Hostile hostile : HostileRecords.all(stream, T0 + 3 * SECOND, MAX_RECORD_BYTES)) {
            String topic = "e2e." + hostile.modality().wireName();
            RecordMetadata written = client.send(topic, topic.equals("e2e.sensor") ? Integer.valueOf(0) : null, hostile.key(), hostile.value());
            String where = topic + "/" + written.partition() + "@" + written.offset();
            expectedDeadLetterErrors.put(where, hostile.expectedError());
            deadLetterValues.put(where, hostile.value());
        }
    }

    private void bad(KafkaTestClient client, String topic, byte[] value, String expectedError) {
        bad(client, topic, value, expectedError, "bad");
    }

    private void bad(KafkaTestClient client, String topic, byte[] value, String expectedError, String expectedKey) {
        Integer partition = topic.equals("e2e.sensor") ? Integer.valueOf(0) : null;
        RecordMetadata written = client.send(topic, partition, expectedKey.getBytes(StandardCharsets.UTF_8), value);
        String where = topic + "/" + written.partition() + "@" + written.offset();
        expectedDeadLetterErrors.put(where, expectedError);
        deadLetterValues.put(where, value);
    }

    private void sendLateEvents(KafkaTestClient client) {
        String stream = SceneSimulator.streamId(0);
        long[] captures = {T0 + 550_000, T0 + 650_000, T0 + 720_000, T0 + 830_000};
        client.send("e2e.video", null, stream.getBytes(StandardCharsets.UTF_8), WireCodec.encode(frame(stream, captures[0]).setSeq(9000).build()));
        client.send("e2e.video", null, stream.getBytes(StandardCharsets.UTF_8), WireCodec.encode(frame(stream, captures[1]).setSeq(9001).build()));
        client.send("e2e.audio", null, stream.getBytes(StandardCharsets.UTF_8), WireCodec.encode(chunk(stream, captures[2]).setSeq(9002).build()));
        client.send("e2e.sensor", 0, stream.getBytes(StandardCharsets.UTF_8), WireCodec.encode(reading(stream, captures[3]).build()));
        expectedLate.addAll(List.of(stream + "/video@" + captures[0], stream + "/video@" + captures[1], stream + "/audio@" + captures[2],
                stream + "/sensor@" + captures[3]));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(Class<T> type, byte[] value) {
        try {
            return WireCodec.decode(type, value);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Prediction> decodePredictions(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Prediction> predictions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                Prediction prediction = WireCodec.decode(Prediction.class, record.value());
                assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(prediction.getStreamId());
                predictions.add(prediction);
            } catch (java.io.IOException e) {
                throw new AssertionError("undecodable prediction at offset " + record.offset(), e);
            }
        }
        return predictions;
    }

    private void assertPredictions(List<Prediction> predictions) {
        Map<String, Map<Long, Map<String, Integer>>> actual = new HashMap<>();
        for (Prediction prediction : predictions) {
            Map<String, Integer> counts = new HashMap<>();
            for (ModalityCoverage coverage : prediction.getCoverage()) {
                if (coverage.getEvents() > 0) {
                    counts.put(coverage.getModality(), coverage.getEvents());
                }
            }
            Map<String, Integer> previous = actual.computeIfAbsent(prediction.getStreamId(), k -> new HashMap<>())
                    .put(Times.micros(prediction.getWindowStart()), counts);
            assertThat(previous).as("a second prediction for %s at %s", prediction.getStreamId(), prediction.getWindowStart()).isNull();
            assertThat(Times.micros(prediction.getWindowEnd()) - Times.micros(prediction.getWindowStart())).isEqualTo(2 * SECOND);
            if (prediction.getStreamId().equals(NO_SENSOR_STREAM)) {
                assertThat(prediction.getModalitiesPresent()).doesNotContain("sensor");
            }
            assertThat(prediction.getResults()).extracting(TaskResult::getTask).containsExactly("action", "fusion", "av_sync", "retrieval",
                    "answer", "answer", "answer", "answer", "caption");
            // the default standing questions, each answered under its own words
            assertThat(prediction.getResults()).extracting(TaskResult::getQuestion).containsExactly(null, null, null, null,
                    "is anyone on the floor?", "how many people are there?", "is the light on?", "are sound and picture in sync?", null);
            for (TaskResult result : prediction.getResults()) {
                // a label, or none with the reason; never a silent gap
                assertThat(result.getLabel() != null || result.getReason() != null).as("%s of %s", result.getTask(), prediction.getStreamId()).isTrue();
                assertThat(result.getModelVersion()).isNotBlank();
            }
        }
        for (String stream : expected.keySet()) {
            assertThat(actual.get(stream).keySet()).as("windows of %s", stream).isEqualTo(expected.get(stream).keySet());
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(predictions).hasSize(expected.values().stream().mapToInt(Map::size).sum());
    }

    private void assertLateEvents(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        Set<String> late = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            LateEvent event = WireCodec.decode(LateEvent.class, record.value());
            late.add(event.getStreamId() + "/" + event.getModality() + "@" + Times.micros(event.getCaptureTime()));
        }
        assertThat(records).hasSize(expectedLate.size());
        assertThat(late).isEqualTo(expectedLate);
    }

    private void assertDeadLetters(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        assertThat(records).hasSize(expectedDeadLetterErrors.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            DeadLetter letter = WireCodec.decode(DeadLetter.class, record.value());
            String where = letter.getSourceTopic() + "/" + letter.getPartition() + "@" + letter.getOffset();
            assertThat(expectedDeadLetterErrors).as("dead letter for %s", where).containsKey(where);
            assertThat(letter.getError()).as(where).contains(expectedDeadLetterErrors.get(where));
            byte[] original = deadLetterValues.get(where);
            byte[] kept = new byte[letter.getValue().remaining()];
            letter.getValue().get(kept);
            assertThat(letter.getValueSize()).isEqualTo(original.length);
            assertThat(kept).isEqualTo(Arrays.copyOf(original, Math.min(original.length, 4096)));
            assertThat(letter.getValueTruncated()).isEqualTo(original.length > 4096);
        }
    }
}
