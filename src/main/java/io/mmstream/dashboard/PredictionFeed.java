package io.mmstream.dashboard;

import io.mmstream.codec.WireCodec;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Label;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.WindowEmbedding;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the job's outputs as any downstream consumer does (read_committed) into a {@link DashboardState}, on its own thread. */
public final class PredictionFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PredictionFeed.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /**
     * @param labels ground truth, scored when present; late and deadLetter are only counted
     * @param embeddings window embeddings for the search box, or null
     * @param separated the separated audio, shown and played per stream, or null
     */
    public record Topics(String predictions, String labels, String late, String deadLetter, String embeddings, String separated) {

        public Topics(String predictions, String labels, String late, String deadLetter) {
            this(predictions, labels, late, deadLetter, null, null);
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final DashboardState state;
    private final Thread thread;
    private volatile boolean closed;

    public PredictionFeed(Properties kafka, Topics topics, boolean fromBeginning, DashboardState state) {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-dashboard-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topics = topics;
        this.state = state;
        List<String> subscribed = new java.util.ArrayList<>(List.of(topics.predictions(), topics.labels(), topics.late(), topics.deadLetter()));
        if (topics.embeddings() != null) {
            subscribed.add(topics.embeddings());
        }
        if (topics.separated() != null) {
            subscribed.add(topics.separated());
        }
        consumer.subscribe(subscribed);
        this.thread = new Thread(this::run, "mmstream-dashboard-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Never ends but on close: whatever fails (the broker gone, an authorisation revoked, a bug), the failure is shown
     * on the page and logged, and the feed tries again a second later; a record it cannot decode is skipped alone.
     */
    private void run() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        apply(record);
                    }
                    state.feedOk();
                } catch (WakeupException e) {
                    // closing: the loop ends
                } catch (Exception | Error e) {
                    if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                        throw e;
                    }
                    LOG.error("dashboard feed failed, retrying in {} ms: {}", RETRY.toMillis(), e.toString());
                    state.feedFailed(e.getClass().getSimpleName() + ": " + e.getMessage());
                    sleepQuietly();
                }
            }
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.topic().equals(topics.predictions())) {
                state.add(WireCodec.decode(Prediction.class, record.value()), System.currentTimeMillis());
            } else if (record.topic().equals(topics.labels())) {
                state.add(WireCodec.decode(Label.class, record.value()));
            } else if (record.topic().equals(topics.embeddings())) {
                WindowSearch search = state.search();
                if (search != null) {
                    search.add(WireCodec.decode(WindowEmbedding.class, record.value()));
                }
            } else if (record.topic().equals(topics.separated())) {
                state.add(WireCodec.decode(AudioChunk.class, record.value()), System.currentTimeMillis());
            } else if (record.topic().equals(topics.late())) {
                state.countLate();
            } else {
                state.countDeadLetter();
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("skipping undecodable record {}/{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join(10_000);
    }
}
