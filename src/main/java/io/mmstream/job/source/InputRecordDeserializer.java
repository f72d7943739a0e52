package io.mmstream.job.source;

import io.mmstream.align.Modality;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.InputDecoder;
import io.mmstream.codec.ValidationLimits;
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

    public InputRecordDeserializer(Modality modality, ValidationLimits limits) {
        this.decoder = new InputDecoder(modality, limits, InputDecoder.systemClockMicros());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
        decoder.decode(record.topic(), record.partition(), record.offset(), record.key(), record.value()).forEach(out::collect);
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
