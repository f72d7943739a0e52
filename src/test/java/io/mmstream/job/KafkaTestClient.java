package io.mmstream.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces and reads test records on the real broker, as downstream consumers do (read_committed). */
final class KafkaTestClient implements AutoCloseable {

    private final Properties base;
    private final KafkaProducer<byte[], byte[]> producer;

    KafkaTestClient(String bootstrapServers) {
        base = new Properties();
        base.setProperty("bootstrap.servers", bootstrapServers);
        producer = new KafkaProducer<>(base, new ByteArraySerializer(), new ByteArraySerializer());
    }

    RecordMetadata send(String topic, Integer partition, byte[] key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not produce to " + topic, e);
        }
    }

    /** Sends without waiting; the idempotent producer keeps each partition in send order. Call {@link #flush()} after. */
    void sendAsync(String topic, byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, null, key, value));
    }

    /** @param timestampMillis the record's Kafka timestamp: when a device delivered it, in a replay of a simulated delivery */
    void sendAsync(String topic, byte[] key, byte[] value, long timestampMillis) {
        producer.send(new ProducerRecord<>(topic, null, timestampMillis, key, value));
    }

    void flush() {
        producer.flush();
    }

    /** Every committed record of the topic, up to its last stable offset now. */
    /** The records' values as predictions; an undecodable one fails the test. */
    static List<io.mmstream.schema.Prediction> predictions(List<ConsumerRecord<byte[], byte[]>> records) {
        List<io.mmstream.schema.Prediction> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                out.add(io.mmstream.codec.WireCodec.decode(io.mmstream.schema.Prediction.class, record.value()));
            } catch (java.io.IOException e) {
                throw new AssertionError("undecodable prediction at offset " + record.offset(), e);
            }
        }
        return out;
    }

    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        Properties properties = new Properties();
        properties.putAll(base);
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " up to " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Waits, with a deadline, until the committed records of the topic satisfy the condition. */
    List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String topic, Duration timeout, String what,
                                                        Predicate<List<ConsumerRecord<byte[], byte[]>>> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ConsumerRecord<byte[], byte[]>> records = readCommitted(topic);
            if (condition.test(records)) {
                return records;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + " on " + topic + "; have " + records.size() + " records");
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
