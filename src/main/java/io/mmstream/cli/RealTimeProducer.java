package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.sim.SyntheticStreams;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes synthetic streams as they are captured: every tick, the records whose capture time has come. Every
 * corruptEvery-th record is damaged on purpose so the dead-letter path shows in the demo.
 */
final class RealTimeProducer implements Runnable {

    private static final long TICK_MICROS = 50_000;

    private final SyntheticStreams streams;
    private final Properties kafka;
    private final Map<Modality, String> topics;
    private final int corruptEvery;
    private final AtomicBoolean stop;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();

    RealTimeProducer(SyntheticStreams streams, Properties kafka, Map<Modality, String> topics, int corruptEvery, AtomicBoolean stop) {
        this.streams = streams;
        this.kafka = kafka;
        this.topics = topics;
        this.corruptEvery = corruptEvery;
        this.stop = stop;
    }

    @Override
    public void run() {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            long from = nowMicros();
            while (!stop.get()) {
                long until = from + TICK_MICROS;
                long wait = (until - nowMicros()) / 1000;
                if (wait > 0) {
                    try {
                        Thread.sleep(wait); // pacing to the wall clock is the point here, not a wait for a condition
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                for (SyntheticStreams.Emitted record : streams.between(from, until)) {
                    byte[] value = record.value();
                    if (corruptEvery > 0 && sent.incrementAndGet() % corruptEvery == 0) {
                        value = corrupt(value, corrupted.incrementAndGet());
                    }
                    producer.send(new ProducerRecord<>(topics.get(record.modality()), record.streamId().getBytes(StandardCharsets.UTF_8), value));
                }
                from = until;
            }
        }
    }

    /** Alternates between an unknown schema fingerprint and a truncated body. */
    static byte[] corrupt(byte[] value, long n) {
        if (n % 2 == 0) {
            byte[] copy = value.clone();
            copy[2] ^= 0x5A;
            return copy;
        }
        return Arrays.copyOf(value, Math.min(value.length, 14));
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }
}
