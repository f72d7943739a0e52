package io.mmstream.cli;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads the job's outputs as a downstream consumer would (read_committed), prints them and keeps the figures. */
final class OutputWatcher implements AutoCloseable {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String predictionsTopic;
    private final String lateTopic;
    private final String deadLetterTopic;
    private final PrintStream out;
    private final Set<String> windows = new HashSet<>();
    private final List<Long> captureToVisibleMillis = new ArrayList<>();
    private long predictions;
    private long late;
    private long deadLetters;

    OutputWatcher(Properties kafka, String predictionsTopic, String lateTopic, String deadLetterTopic, PrintStream out) {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-demo-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.subscribe(List.of(predictionsTopic, lateTopic, deadLetterTopic));
        this.predictionsTopic = predictionsTopic;
        this.lateTopic = lateTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.out = out;
    }

    void poll(Duration timeout) throws IOException {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            long receivedMillis = System.currentTimeMillis();
            if (record.topic().equals(predictionsTopic)) {
                Prediction prediction = WireCodec.decode(Prediction.class, record.value());
                predictions++;
                windows.add(prediction.getStreamId() + "@" + prediction.getWindowStart());
                long lastCapture = prediction.getCoverage().stream().filter(c -> c.getLastCapture() != null)
                        .mapToLong(c -> Times.micros(c.getLastCapture())).max().orElse(receivedMillis * 1000);
                long visibleAfter = receivedMillis - lastCapture / 1000;
                captureToVisibleMillis.add(visibleAfter);
                out.println(line(prediction, visibleAfter));
            } else if (record.topic().equals(lateTopic)) {
                late++;
            } else if (record.topic().equals(deadLetterTopic)) {
                deadLetters++;
                DeadLetter letter = WireCodec.decode(DeadLetter.class, record.value());
                out.println("dead letter  " + letter.getSourceTopic() + "/" + letter.getPartition() + "@" + letter.getOffset() + ": " + letter.getError());
            }
        }
    }

    static String line(Prediction prediction, long visibleAfterMillis) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-10s [%s, %s)", prediction.getStreamId(),
                CLOCK.format(prediction.getWindowStart()), CLOCK.format(prediction.getWindowEnd())));
        for (ModalityCoverage coverage : prediction.getCoverage()) {
            text.append(String.format(Locale.ROOT, "  %s %3d ev %2d/%d steps gap %4d ms", coverage.getModality(), coverage.getEvents(),
                    coverage.getPresentSteps(), coverage.getGridSteps(), coverage.getLongestGapMicros() / 1000));
        }
        text.append(String.format(Locale.ROOT, "  latency %d ms (emit %d ms)", visibleAfterMillis, prediction.getCaptureToEmitMillis()));
        return text.toString();
    }

    /** The one-line JSON summary printed when the demo ends. */
    String summaryJson(int streams, double seconds, long sent, long corrupted) {
        List<Long> sorted = new ArrayList<>(captureToVisibleMillis);
        Collections.sort(sorted);
        return String.format(Locale.ROOT,
                "{\"streams\": %d, \"seconds\": %.1f, \"recordsSent\": %d, \"corruptSent\": %d, \"windows\": %d, \"predictions\": %d, "
                        + "\"deadLetters\": %d, \"lateRecords\": %d, \"latencyP50Ms\": %d, \"latencyP99Ms\": %d}",
                streams, seconds, sent, corrupted, windows.size(), predictions, deadLetters, late, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    static long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }

    long predictions() {
        return predictions;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
