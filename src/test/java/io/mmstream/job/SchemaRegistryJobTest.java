package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.mmstream.align.Modality;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.kafka.ApicurioRegistry;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.kafka.RegistryFraming;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.Prediction;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.generic.GenericRecord;
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
 * The Confluent wire format against a real registry (Apicurio Registry's server in its own JVM): the job reads
 * inputs framed with registry ids, beside single-object ones, dead-letters one whose id the registry does not know,
 * and writes predictions that Apicurio's own deserializer reads; the registry holds every released version of
 * Prediction under the predictions topic's subject, accepted by its BACKWARD_TRANSITIVE rule. A registry outage is
 * waited out: the record is written when the registry is back, not dead-lettered.
 */
class SchemaRegistryJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final long SECOND = 1_000_000;
    private static EmbeddedKafka kafka;
    private static ApicurioRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        registry = ApicurioRegistry.start();
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
        kafka.close();
    }

    @Test
    void theJobReadsRegistryFramedInputsAndWritesPredictionsTheRegistrysOwnDeserializerReads() throws Exception {
        JobConfig config = JobConfig.defaults(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "registry"),
                Map.entry("kafka.schema-registry-url", registry.ccompatUrl()), Map.entry("kafka.wire-format", "confluent"),
                Map.entry("topics.video", "registry.video"), Map.entry("topics.audio", "registry.audio"), Map.entry("topics.sensor", "registry.sensor"),
                Map.entry("topics.text", "registry.text"), Map.entry("topics.predictions", "registry.predictions"), Map.entry("topics.late", "registry.late"),
                Map.entry("topics.deadletter", "registry.deadletter"), Map.entry("topics.embeddings", "registry.embeddings"),
                Map.entry("topics.separated", "registry.separated"), Map.entry("source.starting-offsets", "earliest"),
                Map.entry("delivery.transactional-id-prefix", "registry"), Map.entry("checkpoint.interval", "500ms"), Map.entry("parallelism", "2")));
        kafka.createTopics(config, 2);
        long epoch = (System.currentTimeMillis() / 1000 - 60) * SECOND;
        List<SimRecord> records = new SceneSimulator(SimulationSettings.defaults(2).withSeed(7100).withVideo(15, 32, 32), epoch, Map.of())
                .records(epoch, epoch + 5 * SECOND);
        RegistryFraming framing = new RegistryFraming(registry.ccompatUrl());
        byte[] unknownId = {0, 0x7f, 0, 0, 1, 2, 3};
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (int i = 0; i < records.size(); i++) {
                SimRecord record = records.get(i);
                String topic = "registry." + record.modality().wireName();
                // every third record as an older producer writes it, the rest as a registry's serializer does
                byte[] value = i % 3 == 0 ? record.value() : framing.toConfluent(topic, record.value());
                client.sendAsync(topic, record.streamId().getBytes(StandardCharsets.UTF_8), value, record.deliveryMicros() / 1000);
            }
            client.sendAsync("registry.video", "stream-000".getBytes(StandardCharsets.UTF_8), unknownId);
            client.flush();

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(MiniClusters.NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            JobClient job = env.executeAsync("mmstream-registry");
            Map<String, Set<Long>> expected = expectedWindows(records);
            List<ConsumerRecord<byte[], byte[]>> committed = client.awaitCommitted("registry.predictions", Duration.ofMinutes(3),
                    "every window of every stream", r -> windows(r).entrySet().containsAll(expected.entrySet()));
            List<ConsumerRecord<byte[], byte[]>> deadLetters = client.awaitCommitted("registry.deadletter", Duration.ofMinutes(1),
                    "the unknown schema id's dead letter", r -> !r.isEmpty());
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            job.cancel().get(60, TimeUnit.SECONDS);

            assertThat(windows(committed)).isEqualTo(expected);
            assertThat(deadLetters).hasSize(1);
            DeadLetter letter = WireCodec.decode(DeadLetter.class, framing.toSingleObject(deadLetters.get(0).value()));
            assertThat(letter.getError()).contains("a schema id the registry does not know");
        }
        String subject = "registry.predictions-" + Prediction.getClassSchema().getFullName();
        String versions = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/subjects/" + subject + "/versions"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(versions).as("every released Prediction, accepted under BACKWARD_TRANSITIVE").isEqualTo("[1,2,3,4,5]");
    }

    @Test
    void theSqlFormatReadsBothWireFormatsAndWritesTheConfluentOne() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("sql.labels", 1, (short) 1),
                    new org.apache.kafka.clients.admin.NewTopic("sql.alerts", 1, (short) 1))).all().get();
        }
        RegistryFraming framing = new RegistryFraming(registry.ccompatUrl());
        java.time.Instant start = java.time.Instant.parse("2026-03-02T08:00:00Z");
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (int i = 0; i < 4; i++) {
                byte[] label = WireCodec.encode(io.mmstream.schema.Label.newBuilder().setStreamId("stream-00" + i).setStart(start.plusSeconds(i))
                        .setEnd(start.plusSeconds(i + 1)).setAction("fall").build());
                client.sendAsync("sql.labels", null, i % 2 == 0 ? label : framing.toConfluent("sql.labels", label));
            }
            client.flush();
        }
        org.apache.flink.table.api.TableEnvironment tables = org.apache.flink.table.api.TableEnvironment.create(
                org.apache.flink.table.api.EnvironmentSettings.inStreamingMode());
        String kafkaTable = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "', 'format' = 'mmstream-avro', "
                + "'mmstream-avro.schema-registry-url' = '" + registry.ccompatUrl() + "'";
        tables.executeSql("CREATE TABLE labels (streamId STRING, `start` TIMESTAMP(3), `end` TIMESTAMP(3)) WITH ('topic' = 'sql.labels', "
                + "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', " + kafkaTable + ")");
        tables.executeSql("CREATE TABLE alerts (alert STRING, streamId STRING, windowStart TIMESTAMP(3), windowEnd TIMESTAMP(3), windows BIGINT) "
                + "WITH ('topic' = 'sql.alerts', 'mmstream-avro.record' = 'Alert', 'mmstream-avro.confluent' = 'true', " + kafkaTable + ")");
        tables.executeSql("INSERT INTO alerts SELECT 'labelled', streamId, `start`, `end`, 1 FROM labels").await(2, TimeUnit.MINUTES);

        List<String> alerts = new java.util.ArrayList<>();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers());
             AvroKafkaDeserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>()) {
            deserializer.configure(Map.of(SerdeConfig.REGISTRY_URL, registry.registryUrl(), SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true), false);
            for (ConsumerRecord<byte[], byte[]> record : client.readCommitted("sql.alerts")) {
                GenericRecord alert = deserializer.deserialize(record.topic(), record.value());
                alerts.add(alert.get("alert") + " " + alert.get("streamId") + " " + alert.get("windows"));
            }
        }
        assertThat(alerts).containsExactly("labelled stream-000 1", "labelled stream-001 1", "labelled stream-002 1", "labelled stream-003 1");
    }

    @Test
    void anOutageOfTheRegistryIsWaitedOutNotTurnedIntoAnError() throws Exception {
        RegistryFraming framing = new RegistryFraming(registry.ccompatUrl());
        byte[] letter = WireCodec.encode(DeadLetter.newBuilder().setSourceTopic("t").setPartition(0).setOffset(1).setValueSize(0)
                .setValueTruncated(false).setError("e").setStage("decode").setFailedAt(java.time.Instant.EPOCH).build());
        registry.stopProcess();
        CompletableFuture<byte[]> framed = CompletableFuture.supplyAsync(() -> {
            try {
                return framing.toConfluent("outage.deadletter", letter);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            framed.get(3, TimeUnit.SECONDS);
            throw new AssertionError("framed while the registry was down");
        } catch (TimeoutException stillWaiting) {
            // the registry is down: the record waits, as the task writing it would
        } finally {
            registry.startProcess();
        }
        byte[] value = framed.get(2, TimeUnit.MINUTES);
        assertThat(WireCodec.decode(DeadLetter.class, framing.toSingleObject(value)).getError()).isEqualTo("e");
    }

    /** Read with Apicurio's own deserializer: the registry's idea of our records, not ours. */
    private static Map<String, Set<Long>> windows(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Set<Long>> windows = new HashMap<>();
        try (AvroKafkaDeserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>()) {
            deserializer.configure(Map.of(SerdeConfig.REGISTRY_URL, registry.registryUrl(), SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true), false);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                GenericRecord prediction = deserializer.deserialize(record.topic(), record.value());
                Object start = prediction.get("windowStart");
                long micros = start instanceof java.time.Instant instant ? instant.getEpochSecond() * SECOND + instant.getNano() / 1000 : (Long) start;
                windows.computeIfAbsent(prediction.get("streamId").toString(), k -> new TreeSet<>()).add(micros);
            }
        }
        return windows;
    }

    /** For every stream, each window that holds one of its video frames or sensor readings. */
    private static Map<String, Set<Long>> expectedWindows(List<SimRecord> records) {
        Map<String, Set<Long>> expected = new HashMap<>();
        for (SimRecord record : records) {
            if (record.modality() != Modality.AUDIO) {
                long last = Math.floorDiv(record.captureMicros(), SECOND) * SECOND;
                expected.computeIfAbsent(record.streamId(), k -> new TreeSet<>()).addAll(List.of(last - SECOND, last));
            }
        }
        return expected;
    }
}
