package io.mmstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.MediaTools;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import io.mmstream.schema.VideoFrame;
import io.mmstream.schema.SensorBatch;
import io.mmstream.align.Modality;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clients of examples/ against a real broker, on Kafka clients and Avro libraries none of us wrote: Debian's
 * python3-confluent-kafka (librdkafka), python3-avro and python3-opencv; npm's @platformatic/kafka and avsc. What
 * the consumers print is what Java published (a garbage record named and skipped), and what the Python producer
 * publishes from an ffmpeg clip is every frame, in order, each a JPEG of the clip's size. CI installs the tools and
 * sets MMSTREAM_REQUIRE_MEDIA_TOOLS, so there the test cannot skip.
 */
class ExampleClientsTest {

    /** Debian's, where apt puts the packages (a python3 earlier on the PATH may be another). */
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path EXAMPLES = Path.of("examples", "python");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;
    private static final List<Prediction> sent = new ArrayList<>();
    /** What the simulator published on sim.sensor: one stream's IMU batches, decoded here to compare with. */
    private static final List<SensorBatch> simulated = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic("mm.predictions", 2, (short) 1), new NewTopic("mm.video", 2, (short) 1), new NewTopic("sim.sensor", 1, (short) 1)))
                    .all().get();
        }
        Instant start = Instant.parse("2026-03-02T08:00:00Z");
        long epoch = start.getEpochSecond() * 1_000_000;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (SimRecord record : new SceneSimulator(SimulationSettings.defaults(1).withSeed(42), epoch, Map.of()).records(epoch, epoch + 2_000_000)) {
                if (record.modality() == Modality.SENSOR) {
                    simulated.add(WireCodec.decode(SensorBatch.class, record.value()));
                    producer.send(new ProducerRecord<>("sim.sensor", 0, record.streamId().getBytes(StandardCharsets.UTF_8), record.value())).get();
                }
            }
            for (int i = 0; i < 12; i++) {
                Prediction prediction = Prediction.newBuilder().setStreamId("stream-00" + (i % 3)).setWindowStart(start.plusSeconds(i))
                        .setWindowEnd(start.plusSeconds(i + 2)).setGridStepMicros(33_333).setCoverage(List.of()).setModalitiesPresent(List.of("video"))
                        .setResults(List.of(TaskResult.newBuilder().setTask("action").setLabel(i % 4 == 0 ? "fall" : "walk")
                                .setScores(List.of(new LabelScore("fall", 0.25f))).setModelName("m").setModelVersion("1").build()))
                        .setEmitTime(start.plusSeconds(i + 3)).setCaptureToEmitMillis(1000).setInSyncProbability(i % 2 == 0 ? null : 0.75f).build();
                sent.add(prediction);
                producer.send(new ProducerRecord<>("mm.predictions", 0, prediction.getStreamId().getBytes(StandardCharsets.UTF_8),
                        WireCodec.encode(prediction))).get();
                if (i == 5) {
                    producer.send(new ProducerRecord<>("mm.predictions", 0, null, "garbage".getBytes(StandardCharsets.UTF_8))).get();
                }
            }
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void thePythonConsumerPrintsEveryPredictionJavaPublished(@TempDir Path dir) throws Exception {
        requirePython();
        Path out = dir.resolve("consumer.out");
        Path errFile = dir.resolve("consumer.err");
        Process consumer = python(out, errFile, "consume_predictions.py", "--bootstrap", kafka.bootstrapServers(), "--from-beginning", "--max", "12");
        assertPrintsWhatWasSent(consumer, out, errFile);
    }

    @Test
    void thePythonConsumerReadsTheConfluentWireFormatWithARegistry(@TempDir Path dir) throws Exception {
        requirePython();
        try (ApicurioRegistry registry = ApicurioRegistry.start(); KafkaProducer<byte[], byte[]> producer = producer()) {
            RegistryFraming framing = new RegistryFraming(registry.ccompatUrl());
            for (int i = 0; i < sent.size(); i++) {
                byte[] value = WireCodec.encode(sent.get(i));
                producer.send(new ProducerRecord<>("confluent.predictions", 0, null, i % 3 == 0 ? value : framing.toConfluent("confluent.predictions", value))).get();
            }
            Path out = dir.resolve("consumer.out");
            Path errFile = dir.resolve("consumer.err");
            Process consumer = python(out, errFile, "consume_predictions.py", "--bootstrap", kafka.bootstrapServers(), "--topic", "confluent.predictions",
                    "--registry", registry.ccompatUrl(), "--from-beginning", "--max", "12");
            boolean ended = consumer.waitFor(2, TimeUnit.MINUTES);
            consumer.destroyForcibly();
            String err = Files.readString(errFile);
            assertThat(ended).as(err).isTrue();
            List<String> streams = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                streams.add(JSON.readTree(line).path("streamId").asText());
            }
            assertThat(streams).isEqualTo(sent.stream().map(Prediction::getStreamId).toList());
        }
    }

    @Test
    void theNodeConsumerPrintsEveryPredictionJavaPublished(@TempDir Path dir) throws Exception {
        require(Files.isExecutable(Path.of("/usr/bin/node")) && Files.isExecutable(Path.of("/usr/bin/npm")), "Node.js and npm");
        installNodeModules();
        Path node = Path.of("examples", "node");
        Path out = dir.resolve("consumer.out");
        Path errFile = dir.resolve("consumer.err");
        Process consumer = new ProcessBuilder("node", node.resolve("consume-predictions.js").toString(), "--bootstrap", kafka.bootstrapServers(),
                "--from-beginning", "--max", "12").redirectOutput(out.toFile()).redirectError(errFile.toFile()).start();
        assertPrintsWhatWasSent(consumer, out, errFile);
    }

    @Test
    void bothConsumersDecodeWhatTheSimulatorPublished(@TempDir Path dir) throws Exception {
        requirePython();
        require(Files.isExecutable(Path.of("/usr/bin/node")), "Node.js");
        installNodeModules();
        String max = Integer.toString(simulated.size());
        List<Process> consumers = List.of(
                python(dir.resolve("python.out"), dir.resolve("python.err"), "consume_predictions.py", "--bootstrap", kafka.bootstrapServers(),
                        "--topic", "sim.sensor", "--from-beginning", "--max", max),
                new ProcessBuilder("node", Path.of("examples", "node", "consume-predictions.js").toString(), "--bootstrap", kafka.bootstrapServers(),
                        "--topic", "sim.sensor", "--from-beginning", "--max", max)
                        .redirectOutput(dir.resolve("node.out").toFile()).redirectError(dir.resolve("node.err").toFile()).start());
        for (int c = 0; c < consumers.size(); c++) {
            String name = c == 0 ? "python" : "node";
            boolean ended = consumers.get(c).waitFor(2, TimeUnit.MINUTES);
            consumers.get(c).destroyForcibly();
            List<String> lines = Files.readAllLines(dir.resolve(name + ".out"));
            assertThat(ended).as("%s: %s", name, Files.readString(dir.resolve(name + ".err"))).isTrue();
            assertThat(lines).as(name).hasSize(simulated.size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode printed = JSON.readTree(lines.get(i));
                SensorBatch batch = simulated.get(i);
                long micros = batch.getCaptureTime().getEpochSecond() * 1_000_000 + batch.getCaptureTime().getNano() / 1000;
                assertThat(printed.path("captureTime").isNumber() ? printed.path("captureTime").asLong() : micros(printed.path("captureTime").asText()))
                        .as("%s batch %d", name, i).isEqualTo(micros);
                assertThat(printed.path("streamId").asText()).isEqualTo(batch.getStreamId());
                assertThat(printed.path("offsetsMicros").size()).isEqualTo(batch.getOffsetsMicros().size());
                assertThat(printed.path("values").size()).isEqualTo(batch.getValues().size());
                assertThat(printed.path("values").get(0).floatValue()).isEqualTo(batch.getValues().get(0));
            }
        }
    }

    /** Every prediction sent, in order (one partition), its fields as JSON; the garbage record skipped with a message. */
    private static void assertPrintsWhatWasSent(Process consumer, Path out, Path errFile) throws Exception {
        boolean ended = consumer.waitFor(2, TimeUnit.MINUTES);
        consumer.destroyForcibly();
        List<String> lines = Files.readAllLines(out);
        String err = Files.readString(errFile);
        assertThat(ended).as("the consumer ended after 12 records; it printed %s%n%s", lines, err).isTrue();
        assertThat(consumer.exitValue()).as(err).isZero();
        assertThat(err).as("the garbage record is named and skipped").contains("skipped mm.predictions/0@6: not Avro single-object encoded");
        assertThat(lines).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            JsonNode printed = JSON.readTree(lines.get(i));
            Prediction expected = sent.get(i);
            assertThat(printed.path("streamId").asText()).isEqualTo(expected.getStreamId());
            long micros = expected.getWindowStart().toEpochMilli() * 1000;
            assertThat(printed.path("windowStart").isNumber() ? printed.path("windowStart").asLong() : micros(printed.path("windowStart").asText()))
                    .as("windowStart, microseconds or ISO 8601").isEqualTo(micros);
            assertThat(printed.path("results").get(0).path("label").asText()).isEqualTo(expected.getResults().get(0).getLabel());
            assertThat(printed.path("results").get(0).path("scores").get(0).path("score").floatValue()).isEqualTo(0.25f);
            assertThat(printed.path("inSyncProbability").isNull()).isEqualTo(expected.getInSyncProbability() == null);
            assertThat(printed.path("streamSyncWindows").asInt()).as("a field of the current version").isZero();
        }
    }

    @Test
    void thePythonProducerPublishesEveryFrameOfAClip(@TempDir Path dir) throws Exception {
        requirePython();
        Path clip = dir.resolve("clip.mp4");
        MediaTools.run("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", clip.toString());
        Path errFile = dir.resolve("producer.err");
        Process producer = python(dir.resolve("producer.out"), errFile, "produce_video.py", "--bootstrap", kafka.bootstrapServers(), "--stream-id", "clip-1",
                "--video", clip.toString(), "--fast");
        boolean ended = producer.waitFor(2, TimeUnit.MINUTES);
        producer.destroyForcibly();
        String err = Files.readString(errFile);
        assertThat(ended).as(err).isTrue();
        assertThat(producer.exitValue()).as(err).isZero();
        assertThat(err).contains("published 30 frames of clip-1 to mm.video");

        List<VideoFrame> frames = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readAll("mm.video")) {
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("clip-1");
            frames.add(WireCodec.decode(VideoFrame.class, record.value()));
        }
        assertThat(frames).hasSize(30);
        for (int i = 0; i < frames.size(); i++) {
            VideoFrame frame = frames.get(i);
            assertThat(frame.getSeq()).isEqualTo(i);
            assertThat(frame.getWidth()).isEqualTo(160);
            assertThat(frame.getHeight()).isEqualTo(120);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(frame.getData().array()));
            assertThat(image.getWidth()).isEqualTo(160);
            assertThat(image.getHeight()).isEqualTo(120);
            if (i > 0) {
                assertThat(Duration.between(frames.get(i - 1).getCaptureTime(), frame.getCaptureTime())).as("the clip's own spacing, at 10 fps")
                        .isEqualTo(Duration.ofMillis(100));
            }
        }
    }

    private static void installNodeModules() throws Exception {
        Path node = Path.of("examples", "node");
        if (!Files.isDirectory(node.resolve("node_modules"))) {
            MediaTools.run(List.of("npm", "ci", "--prefix", node.toString(), "--no-audit", "--no-fund"));
        }
    }

    private static void requirePython() {
        require(pythonHas("confluent_kafka", "avro", "cv2") && Files.isExecutable(Path.of("/usr/bin/ffmpeg")),
                "apt-get install python3-confluent-kafka python3-avro python3-opencv ffmpeg");
    }

    private static void require(boolean available, String what) {
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("MMSTREAM_REQUIRE_MEDIA_TOOLS is set but this is missing: " + what);
        }
        Assumptions.assumeTrue(available, what);
    }

    private static long micros(String iso) {
        Instant instant = java.time.OffsetDateTime.parse(iso).toInstant();
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }

    /** A script of examples/python, its output to files: a pipe nobody reads while waiting could stall it. */
    private static Process python(Path out, Path err, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, EXAMPLES.resolve(script).toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    private static boolean pythonHas(String... modules) {
        try {
            Process check = new ProcessBuilder(PYTHON, "-c", "import " + String.join(", ", modules)).start();
            return check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** One partition's records, all of it: the producer keys every frame by its stream, so they share one. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties properties = kafka.clientProperties();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
