package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.sql.SqlScript;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.Alert;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL script of flink-jobs/ over a real broker on a MiniCluster, its counts against the same counts computed
 * here from the predictions published: the 'mmstream-avro' format reads every prediction (a garbage record among them
 * is skipped, the query goes on), writes Alert records our own codec reads, and a stream whose predictions come
 * minutes after the others' is counted in full, not dropped behind a watermark.
 */
class SqlOverTopicsTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-03-02T08:00:00Z");
    private static final int SECONDS = 200;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic("mm.predictions", 2, (short) 1), new NewTopic("mm.alerts", 2, (short) 1))).all().get();
        }
        List<Prediction> keepingUp = new ArrayList<>();
        List<Prediction> lagging = new ArrayList<>();
        Random random = new Random(19);
        for (String stream : List.of("stream-000", "stream-001", "stream-002")) {
            for (int second = 0; second < SECONDS; second++) {
                (stream.equals("stream-002") ? lagging : keepingUp).add(prediction(stream, second, random));
            }
        }
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (Prediction prediction : keepingUp) {
                client.sendAsync("mm.predictions", key(prediction), WireCodec.encode(prediction));
            }
            client.sendAsync("mm.predictions", "stream-009".getBytes(StandardCharsets.UTF_8), "not a record".getBytes(StandardCharsets.UTF_8));
            // a device minutes behind: its windows come after every other stream's
            for (Prediction prediction : lagging) {
                client.sendAsync("mm.predictions", key(prediction), WireCodec.encode(prediction));
            }
            client.flush();
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void theAlertsScriptCountsWhatJavaCountsFromTheSamePredictionsLaggingStreamIncluded() throws Exception {
        List<Prediction> published = published();
        Map<String, Long> expected = new TreeMap<>();
        for (Prediction prediction : published) {
            long start = prediction.getWindowStart().toEpochMilli();
            boolean fell = prediction.getResults().stream().anyMatch(r -> r.getTask().equals("action") && "fall".equals(r.getLabel()));
            if (fell) {
                expected.merge("falls " + prediction.getStreamId() + " " + Instant.ofEpochMilli(start - Math.floorMod(start, 60_000)), 1L, Long::sum);
            }
            if (prediction.getInSyncProbability() != null && prediction.getInSyncProbability() < 0.5f) {
                expected.merge("out-of-sync " + prediction.getStreamId() + " " + Instant.ofEpochMilli(start - Math.floorMod(start, 300_000)), 1L, Long::sum);
            }
        }
        assertThat(expected.keySet()).as("every stream has alerts of both kinds").anyMatch(k -> k.startsWith("falls stream-002"))
                .anyMatch(k -> k.startsWith("out-of-sync stream-002"));

        TableResult result = SqlScript.of("alerts.sql", Files.readString(Path.of("flink-jobs", "alerts.sql")), Map.of("bootstrap", kafka.bootstrapServers()))
                .run(TableEnvironment.create(EnvironmentSettings.inStreamingMode()));
        JobClient job = result.getJobClient().orElseThrow();
        Map<String, Long> counted = Map.of();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!counted.equals(expected) && System.nanoTime() < deadline && !job.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(500);
            counted = newestCounts();
        }
        assertThat(counted).isEqualTo(expected);
        assertThat(job.getJobStatus().get()).as("the query still runs past the garbage record").isEqualTo(JobStatus.RUNNING);
        job.cancel().get(1, TimeUnit.MINUTES);
    }

    @Test
    void oneTableReadsATopicOfTwoRecordTypesEachColumnByItsField() throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic("mm.sensor", 1, (short) 1))).all().get();
        }
        Instant capture = START.plusMillis(250);
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.sendAsync("mm.sensor", null, WireCodec.encode(io.mmstream.schema.SensorReading.newBuilder().setStreamId("old-device").setSensorId("imu")
                    .setCaptureTime(capture).setKind("imu6").setValues(List.of(1f, 2f, 3f, 4f, 5f, 6f)).build()));
            client.sendAsync("mm.sensor", null, WireCodec.encode(io.mmstream.schema.SensorBatch.newBuilder().setStreamId("new-device").setSensorId("imu")
                    .setCaptureTime(capture).setKind("acc3").setOffsetsMicros(List.of(0, 10_000)).setValues(List.of(1f, 2f, 3f, 4f, 5f, 6f)).build()));
            client.flush();
        }
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql("CREATE TABLE sensor (streamId STRING, captureTime TIMESTAMP_LTZ(6), kind STRING, offsetsMicros ARRAY<INT>, `values` ARRAY<FLOAT>) "
                + "WITH ('connector' = 'kafka', 'topic' = 'mm.sensor', 'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "', "
                + "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'mmstream-avro')");
        List<String> rows = new ArrayList<>();
        try (var rowsRead = tables.executeSql("SELECT streamId, captureTime, kind, offsetsMicros, `values` FROM sensor").collect()) {
            rowsRead.forEachRemaining(row -> rows.add(row.getField(0) + " " + row.getField(1) + " " + row.getField(2) + " "
                    + (row.getField(3) == null ? null : List.of((Integer[]) row.getField(3))) + " " + List.of((Float[]) row.getField(4))));
        }
        assertThat(rows).containsExactly("old-device " + capture + " imu6 null [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]",
                "new-device " + capture + " acc3 [0, 10000] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]");
        // a timestamp field declared BIGINT reads as the number written, microseconds here
        tables.executeSql("CREATE TABLE sensor_numbers (captureTime BIGINT) WITH ('connector' = 'kafka', 'topic' = 'mm.sensor', "
                + "'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "', 'scan.startup.mode' = 'earliest-offset', "
                + "'scan.bounded.mode' = 'latest-offset', 'format' = 'mmstream-avro')");
        List<Long> numbers = new ArrayList<>();
        try (var rowsRead = tables.executeSql("SELECT captureTime FROM sensor_numbers").collect()) {
            rowsRead.forEachRemaining(row -> numbers.add((Long) row.getField(0)));
        }
        long micros = capture.getEpochSecond() * 1_000_000 + capture.getNano() / 1000;
        assertThat(numbers).containsExactly(micros, micros);
    }

    @Test
    void aTableThatDoesNotFitItsRecordIsRefusedWhenPlannedNamingTheOptionOrTheColumn() {
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql("CREATE TABLE source_rows (s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1')");
        String sink = "CREATE TABLE %s (%s) WITH ('connector' = 'kafka', 'topic' = 'mm.alerts', 'properties.bootstrap.servers' = '127.0.0.1:1', "
                + "'format' = 'mmstream-avro'%s)";
        tables.executeSql(String.format(sink, "unknown_record", "alert STRING", ", 'mmstream-avro.record' = 'Nope'"));
        assertThatThrownBy(() -> tables.executeSql("INSERT INTO unknown_record SELECT s FROM source_rows"))
                .hasStackTraceContaining("'mmstream-avro.record' = 'Nope': no mmstream record of that name");
        tables.executeSql(String.format(sink, "no_record", "alert STRING", ""));
        assertThatThrownBy(() -> tables.executeSql("INSERT INTO no_record SELECT s FROM source_rows"))
                .hasStackTraceContaining("'mmstream-avro.record' is required to write");
        tables.executeSql(String.format(sink, "stray_column", "alert STRING, colour STRING", ", 'mmstream-avro.record' = 'Alert'"));
        assertThatThrownBy(() -> tables.executeSql("INSERT INTO stray_column SELECT s, s FROM source_rows"))
                .isInstanceOf(ValidationException.class).hasStackTraceContaining("column colour is no field of the record Alert");
        tables.executeSql(String.format(sink, "wrong_type", "alert STRING, streamId STRING, windowStart STRING, windowEnd TIMESTAMP(3), windows BIGINT",
                ", 'mmstream-avro.record' = 'Alert'"));
        assertThatThrownBy(() -> tables.executeSql("INSERT INTO wrong_type SELECT s, s, s, TIMESTAMP '2026-01-01 00:00:00', 1 FROM source_rows"))
                .hasStackTraceContaining("column windowStart is STRING");
    }

    /**
     * The newest record per alert, stream and stretch of mm.alerts, an upsert topic whose key is those three as JSON:
     * a count's update may come after a tombstone of its key (upsert-kafka writes the retraction of the old count as
     * a delete), which the newer record then replaces.
     */
    private static Map<String, Long> newestCounts() throws Exception {
        Map<String, Long> newest = new TreeMap<>();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (ConsumerRecord<byte[], byte[]> record : client.readCommitted("mm.alerts")) {
                JsonNode key = JSON.readTree(record.key());
                String alert = key.path("alert").asText();
                String stretch = alert + " " + key.path("streamId").asText() + " " + Instant.parse(key.path("windowStart").asText().replace(' ', 'T') + "Z");
                if (record.value() == null) {
                    newest.remove(stretch);
                    continue;
                }
                Alert decoded = WireCodec.decode(Alert.class, record.value());
                assertThat(alert + " " + decoded.getStreamId() + " " + decoded.getWindowStart()).as("the value's own key fields").isEqualTo(stretch);
                assertThat(Duration.between(decoded.getWindowStart(), decoded.getWindowEnd())).isEqualTo(Duration.ofMinutes(alert.equals("falls") ? 1 : 5));
                newest.put(stretch, decoded.getWindows());
            }
        }
        return newest;
    }

    private static List<Prediction> published() throws Exception {
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            List<ConsumerRecord<byte[], byte[]>> records = client.readCommitted("mm.predictions");
            records.removeIf(record -> new String(record.key(), StandardCharsets.UTF_8).equals("stream-009"));
            assertThat(records).hasSize(3 * SECONDS);
            return KafkaTestClient.predictions(records);
        }
    }

    /** A window of one second's slide: the action head says fall about a fifth of the time, the fusion head independently. */
    private static Prediction prediction(String stream, int second, Random random) {
        Instant start = START.plusSeconds(second);
        String action = random.nextInt(5) == 0 ? "fall" : random.nextInt(4) == 0 ? null : "walk";
        List<TaskResult> results = List.of(result("action", action), result("fusion_early", random.nextBoolean() ? "fall" : "idle"));
        Float inSync = random.nextInt(5) == 0 ? null : random.nextFloat();
        return Prediction.newBuilder().setStreamId(stream).setWindowStart(start).setWindowEnd(start.plusSeconds(2)).setGridStepMicros(33_333)
                .setResults(results).setCoverage(List.of()).setModalitiesPresent(List.of("video")).setEmitTime(start.plusSeconds(3))
                .setCaptureToEmitMillis(1000).setInSyncProbability(inSync).build();
    }

    private static TaskResult result(String task, String label) {
        return TaskResult.newBuilder().setTask(task).setLabel(label).setReason(label == null ? "too little video" : null)
                .setScores(label == null ? List.of() : List.of(new LabelScore(label, 0.9f))).setModelName("m").setModelVersion("1").build();
    }

    private static byte[] key(Prediction prediction) {
        return prediction.getStreamId().getBytes(StandardCharsets.UTF_8);
    }
}
