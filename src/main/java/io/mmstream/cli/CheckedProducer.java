package io.mmstream.cli;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A producer for the commands that publish: asynchronous sends, but the first failure (a refused login, a missing
 * ACL, a record too large) stops the command with that error instead of being dropped with every record after it.
 */
final class CheckedProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private boolean reported;

    CheckedProducer(Properties properties) {
        this.producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    void send(String topic, byte[] key, byte[] value) {
        send(topic, key, value, () -> {});
    }

    /** @param acknowledged runs on the producer's thread once the broker has the record */
    void send(String topic, byte[] key, byte[] value, Runnable acknowledged) {
        throwIfFailed();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            } else {
                acknowledged.run();
            }
        });
    }

    void flush() {
        producer.flush();
        throwIfFailed();
    }

    private synchronized void throwIfFailed() {
        Exception error = failure.get();
        if (error == null || reported) {
            return;
        }
        reported = true;
        if (error instanceof RuntimeException runtime) {
            throw runtime;
        }
        throw new IllegalStateException(error.getMessage(), error);
    }

    /** Flushes, and throws the first failure unless a send already did. */
    @Override
    public void close() {
        try {
            flush();
        } finally {
            producer.close();
        }
    }
}
