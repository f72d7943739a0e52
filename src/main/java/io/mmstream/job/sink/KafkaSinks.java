package io.mmstream.job.sink;

import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import io.mmstream.kafka.RegistryFraming;
import java.io.IOException;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Kafka sinks of already-encoded records, with the delivery guarantee from the configuration. */
public final class KafkaSinks {

    /**
     * The producers' largest request, Kafka's default and the outputs' topic limit (max.message.bytes) everywhere we
     * create them. Every output fits far below it: stream ids are bounded on the way in and dead letters are cut.
     */
    public static final int MAX_REQUEST_BYTES = 1 << 20;

    private KafkaSinks() {}

    /** @param role distinguishes the transactional ids of the job's sinks (predictions, late, deadletter) */
    public static KafkaSink<KeyedBytes> to(String topic, String role, JobConfig config) {
        boolean exactlyOnce = config.get(JobOptions.DELIVERY_GUARANTEE) == JobOptions.DeliveryGuarantee.EXACTLY_ONCE;
        Properties producer = config.kafkaProperties();
        producer.putIfAbsent("max.request.size", Integer.toString(MAX_REQUEST_BYTES));
        RegistryFraming confluent = config.get(JobOptions.WIRE_FORMAT) == JobOptions.WireFormat.CONFLUENT
                ? new RegistryFraming(config.get(JobOptions.SCHEMA_REGISTRY_URL)) : null;
        var builder = KafkaSink.<KeyedBytes>builder()
                .setKafkaProducerConfig(producer)
                .setBootstrapServers(config.get(JobOptions.BOOTSTRAP_SERVERS))
                // no record timestamp: the producer stamps the wall clock. The window's event time (inside the record) can be days
                // old on a replay, and Kafka's time-based retention would then delete the results as soon as they are written.
                .setRecordSerializer((record, context, timestamp) -> new ProducerRecord<>(topic, null, null, record.key(),
                        confluent == null ? record.value() : reframed(confluent, topic, record.value())))
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE);
        if (exactlyOnce) {
            builder.setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + role)
                    .setProperty("transaction.timeout.ms", Long.toString(config.get(JobOptions.TRANSACTION_TIMEOUT).toMillis()));
        }
        return builder.build();
    }

    private static byte[] reframed(RegistryFraming confluent, String topic, byte[] value) {
        try {
            return confluent.toConfluent(topic, value);
        } catch (IOException e) {
            // the registry refused one of our own schemas: a deployment whose registry holds other rules for the subject
            throw new IllegalStateException("cannot write " + topic + " in the Confluent wire format: " + e.getMessage(), e);
        }
    }
}
