package io.mmstream.job.source;

import io.mmstream.align.Modality;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.InputDecoder;
import io.mmstream.codec.ValidationLimits;
import io.mmstream.kafka.RegistryFraming;
import io.mmstream.kafka.SchemaRegistry;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes in the source so that timestamps and watermarks come from capture times per Kafka partition.
 * Never throws for bad bytes: a rejection travels on as data, to the dead-letter topic.
 */
public final class InputRecordDeserializer implements KafkaRecordDeserializationSchema<Decoded> {

    private final InputDecoder decoder;
    private final RegistryFraming registry;

    /** @param registry where the schemas of Confluent-framed inputs are found; null: only single-object encoded inputs */
    public InputRecordDeserializer(Modality modality, ValidationLimits limits, RegistryFraming registry) {
        this.decoder = new InputDecoder(modality, limits, InputDecoder.systemClockMicros());
        this.registry = registry;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
        byte[] value = record.value();
        if (registry != null && RegistryFraming.isFramed(value)) {
            try {
                value = registry.toSingleObject(value);
            } catch (SchemaRegistry.RefusedException e) {
                out.collect(decoder.rejected(record.topic(), record.partition(), record.offset(), record.key(), value,
                        "Confluent wire format with a schema id the registry does not know: " + e.getMessage()));
                return;
            }
        }
        decoder.decode(record.topic(), record.partition(), record.offset(), record.key(), value).forEach(out::collect);
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
