package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.WindowTruth;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * `simulate` publishes each whole window's truth to mm.truth on a real broker: counted by an independent client
 * (kcat, librdkafka) against what simulate says it sent, and decoded to check its windows and captions.
 */
class SimulateTruthTest {

    private static final Path KCAT = Path.of("/usr/bin/kcat");

    @Test
    void everyWindowsTruthReachesTheTruthTopic() throws Exception {
        boolean available = Files.isExecutable(KCAT);
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("the truth-topic test must run here, but kcat is missing");
        }
        Assumptions.assumeTrue(available, "apt-get install kcat (.ci/run does)");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(JobConfig.defaults(Map.of()), 2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int exit;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                exit = Main.commandLine().execute("simulate", "--bootstrap", kafka.bootstrapServers(), "--streams", "2", "--duration", "12s",
                        "--fast", "--window", "2s", "--slide", "1s");
            } finally {
                System.setOut(stdout);
            }
            assertThat(exit).isZero();
            String printed = out.toString(StandardCharsets.UTF_8);
            JsonNode summary = new ObjectMapper().readTree(printed.substring(printed.lastIndexOf('{')));
            int sent = summary.get("windowTruths").asInt();
            // 12 s hold 10 whole windows of 2 s sliding by 1 s from the first whole second (11 when it starts on one)
            assertThat(sent).isIn(20, 22);

            Process kcat = new ProcessBuilder(KCAT.toString(), "-b", kafka.bootstrapServers(), "-C", "-t", EmbeddedKafka.TRUTH_TOPIC,
                    "-o", "beginning", "-e", "-q", "-f", "%k\\n").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String keys = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kcat.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Map<String, Long> perStream = keys.lines().collect(Collectors.groupingBy(k -> k, Collectors.counting()));
            assertThat(perStream).containsOnlyKeys("stream-000", "stream-001");
            assertThat(perStream.values()).containsOnly((long) sent / 2);

            List<WindowTruth> truths = read(kafka.clientProperties(), sent);
            assertThat(truths).allSatisfy(truth -> {
                assertThat(Times.micros(truth.getStart()) % 1_000_000).isZero();
                assertThat(Times.micros(truth.getEnd()) - Times.micros(truth.getStart())).isEqualTo(2_000_000);
                assertThat(truth.getCaptions()).hasSize(5).allSatisfy(caption -> assertThat(caption).isNotBlank());
                assertThat(truth.getAnswers()).hasSize(6);
            });
            // each window's last second of audio and the actor's over it: one second of 16-bit samples each
            assertThat(truths).filteredOn(truth -> truth.getHeardAudio() != null).isNotEmpty().allSatisfy(truth -> {
                assertThat(truth.getHeardAudio().remaining()).isEqualTo(32_000);
                assertThat(truth.getActorAudio().remaining()).isEqualTo(32_000);
            });
        }
    }

    private static List<WindowTruth> read(Properties kafka, int count) throws Exception {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty("group.id", "truth-test");
        properties.setProperty("auto.offset.reset", "earliest");
        List<WindowTruth> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(EmbeddedKafka.TRUTH_TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(WireCodec.decode(WindowTruth.class, record.value()));
                }
            }
        }
        assertThat(out).hasSize(count);
        return out;
    }
}
