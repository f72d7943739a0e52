package io.mmstream.cli;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.eval.LiveAccuracy;
import io.mmstream.inference.WindowHeads;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.Label;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
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
    private final String labelsTopic;
    private final PrintStream out;
    private final LiveAccuracy accuracy;
    /** Window close to emit of the predictions of the first minute after the watcher started, and of those after it. */
    private final List<Long> closeToEmitFirstMinute = new ArrayList<>();
    private final List<Long> closeToEmitAfter = new ArrayList<>();
    private final long startedMillis = System.currentTimeMillis();
    private final Set<String> windows = new HashSet<>();
    private final List<Long> captureToVisibleMillis = new ArrayList<>();
    private long predictions;
    private long late;
    private long deadLetters;

    /** @param labelsTopic ground truth to score the predictions against, or null */
    OutputWatcher(Properties kafka, String predictionsTopic, String lateTopic, String deadLetterTopic, String labelsTopic, long framePeriodMicros,
                  PrintStream out) {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-demo-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.subscribe(labelsTopic == null ? List.of(predictionsTopic, lateTopic, deadLetterTopic)
                : List.of(predictionsTopic, lateTopic, deadLetterTopic, labelsTopic));
        this.labelsTopic = labelsTopic;
        this.accuracy = new LiveAccuracy(framePeriodMicros);
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
                if (prediction.getWindowCloseToEmitMillis() != null) {
                    (receivedMillis - startedMillis < 60_000 ? closeToEmitFirstMinute : closeToEmitAfter).add(prediction.getWindowCloseToEmitMillis());
                }
                accuracy.add(prediction);
                out.println(line(prediction, visibleAfter));
            } else if (record.topic().equals(labelsTopic)) {
                accuracy.add(WireCodec.decode(Label.class, record.value()));
            } else if (record.topic().equals(lateTopic)) {
                late++;
            } else if (record.topic().equals(deadLetterTopic)) {
                deadLetters++;
                DeadLetter letter = WireCodec.decode(DeadLetter.class, record.value());
                out.println("dead letter  " + letter.getSourceTopic() + "/" + letter.getPartition() + "@" + letter.getOffset() + ": " + letter.getError());
            }
        }
    }

    /** One prediction, compactly: stream, window, what each head says, modalities present, latency. */
    static String line(Prediction prediction, long visibleAfterMillis) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-10s %s-%s", io.mmstream.codec.PrintableText.escaped(prediction.getStreamId()),
                CLOCK.format(prediction.getWindowStart()), CLOCK.format(prediction.getWindowEnd())));
        for (TaskResult result : prediction.getResults()) {
            if (io.mmstream.inference.Predictions.isEmbedding(result)) {
                continue; // a vector has no one-word summary: it goes to the embeddings topic
            }
            String label = result.getLabel() == null ? "-" : result.getLabel();
            float confidence = result.getScores().stream().filter(s -> s.getLabel().equals(result.getLabel())).map(LabelScore::getScore)
                    .findFirst().orElse(0f);
            switch (result.getTask()) {
                case WindowHeads.TASK_SYNC -> text.append(prediction.getAvOffsetMicros() == null ? "  sync -"
                        : String.format(Locale.ROOT, "  sync %+4d ms %s", prediction.getAvOffsetMicros() / 1000,
                                label.equals(WindowHeads.IN_SYNC) ? "ok " : "OFF"));
                case WindowHeads.TASK_CAPTION -> text.append("  \"").append(io.mmstream.codec.PrintableText.escaped(label)).append('"');
                default -> text.append(String.format(Locale.ROOT, "  %s %-8s %s", result.getQuestion() != null
                                ? io.mmstream.codec.PrintableText.escaped(result.getQuestion()) : result.getTask(), label,
                        result.getLabel() == null ? "    " : String.format(Locale.ROOT, "%.2f", confidence)));
            }
        }
        List<String> present = prediction.getModalitiesPresent();
        text.append("  [").append(present.contains("video") ? 'V' : '-').append(present.contains("audio") ? 'A' : '-')
                .append(present.contains("sensor") ? 'S' : '-').append(']');
        text.append(String.format(Locale.ROOT, "  latency %d ms", visibleAfterMillis));
        return text.toString();
    }

    /** The one-line JSON summary printed when the demo ends. */
    String summaryJson(int streams, double seconds, long sent, long corrupted) {
        List<Long> sorted = new ArrayList<>(captureToVisibleMillis);
        Collections.sort(sorted);
        List<Long> closeToEmit = new ArrayList<>(closeToEmitFirstMinute);
        closeToEmit.addAll(closeToEmitAfter);
        Collections.sort(closeToEmit);
        List<Long> firstMinute = new ArrayList<>(closeToEmitFirstMinute);
        Collections.sort(firstMinute);
        List<Long> after = new ArrayList<>(closeToEmitAfter);
        Collections.sort(after);
        return String.format(Locale.ROOT,
                "{\"streams\": %d, \"seconds\": %.1f, \"recordsSent\": %d, \"corruptSent\": %d, \"windows\": %d, \"predictions\": %d, "
                        + "\"deadLetters\": %d, \"lateRecords\": %d, \"latencyP50Ms\": %d, \"latencyP99Ms\": %d, "
                        + "\"windowCloseToEmitP50Ms\": %d, \"windowCloseToEmitP99Ms\": %d, \"windowCloseToEmitP99FirstMinuteMs\": %d, "
                        + "\"windowCloseToEmitP99AfterFirstMinuteMs\": %d, %s}",
                streams, seconds, sent, corrupted, windows.size(), predictions, deadLetters, late, percentile(sorted, 0.50), percentile(sorted, 0.99),
                percentile(closeToEmit, 0.50), percentile(closeToEmit, 0.99), percentile(firstMinute, 0.99), percentile(after, 0.99), accuracy.json());
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

    long deadLetters() {
        return deadLetters;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
