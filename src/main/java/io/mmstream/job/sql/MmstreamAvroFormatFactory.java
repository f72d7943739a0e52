package io.mmstream.job.sql;

import io.mmstream.codec.WireCodec;
import io.mmstream.kafka.RegistryFraming;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code 'format' = 'mmstream-avro'}: Flink SQL over our topics, in the single-object encoding every mmstream
 * record is written in (Flink's own avro format expects a bare body). Reading decodes any mmstream record by its
 * fingerprint, every released version of its schema (so an old writer stays readable), and fills the table's
 * columns by field name: a topic of two record types (mm.sensor: readings and batches) is one table, with null
 * where a record lacks a column. A record that is not one of ours is skipped, logged and counted
 * (recordsUndecodable): it never fails the query. Writing needs {@code 'mmstream-avro.record'}, the record type
 * the rows are written as, and checks the table against it when the query is planned. With
 * {@code 'mmstream-avro.schema-registry-url'} records in the Confluent wire format are read too, and
 * {@code 'mmstream-avro.confluent' = 'true'} writes that format, registering the record type under TOPIC-RECORD.
 */
public final class MmstreamAvroFormatFactory implements DeserializationFormatFactory, SerializationFormatFactory {

    public static final String IDENTIFIER = "mmstream-avro";

    public static final ConfigOption<String> RECORD = ConfigOptions.key("record").stringType().noDefaultValue()
            .withDescription("The mmstream record type (schemas/NAME.avsc) rows are written as; when reading, only records of this type.");
    public static final ConfigOption<String> SCHEMA_REGISTRY_URL = ConfigOptions.key("schema-registry-url").stringType().noDefaultValue()
            .withDescription("A Confluent-compatible schema registry: records in the Confluent wire format are read too.");
    public static final ConfigOption<Boolean> CONFLUENT = ConfigOptions.key("confluent").booleanType().defaultValue(false)
            .withDescription("Write the Confluent wire format, the record type registered under the subject TOPIC-io.mmstream.schema.NAME.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(RECORD, SCHEMA_REGISTRY_URL, CONFLUENT);
    }

    @Override
    public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(DynamicTableFactory.Context context, ReadableConfig options) {
        FactoryUtil.validateFactoryOptions(this, options);
        String record = options.getOptional(RECORD).map(MmstreamAvroFormatFactory::checkedRecord).orElse(null);
        RegistryFraming registry = options.getOptional(SCHEMA_REGISTRY_URL).map(RegistryFraming::new).orElse(null);
        return new DecodingFormat<>() {
            @Override
            public DeserializationSchema<RowData> createRuntimeDecoder(DynamicTableSource.Context source, DataType physical) {
                RowType rowType = (RowType) physical.getLogicalType();
                if (record != null) {
                    AvroRows.toRow(rowType, schemaOf(record)); // the table against its record now, when the query is planned
                }
                return new Decoder(rowType, record, registry, source.createTypeInformation(physical));
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    @Override
    public EncodingFormat<SerializationSchema<RowData>> createEncodingFormat(DynamicTableFactory.Context context, ReadableConfig options) {
        FactoryUtil.validateFactoryOptions(this, options);
        String record = checkedRecord(options.getOptional(RECORD).orElseThrow(() -> new ValidationException(
                "'" + IDENTIFIER + "." + RECORD.key() + "' is required to write: the record type the rows are written as, one of " + recordNames())));
        RegistryFraming confluent = null;
        String topic = context.getCatalogTable().getOptions().get("topic");
        if (options.get(CONFLUENT)) {
            if (options.getOptional(SCHEMA_REGISTRY_URL).isEmpty() || topic == null) {
                throw new ValidationException("'" + IDENTIFIER + "." + CONFLUENT.key() + "' = 'true' needs '" + IDENTIFIER + "."
                        + SCHEMA_REGISTRY_URL.key() + "' and a table with one 'topic' (its subject is TOPIC-RECORD)");
            }
            confluent = new RegistryFraming(options.get(SCHEMA_REGISTRY_URL));
        }
        RegistryFraming framing = confluent;
        return new EncodingFormat<>() {
            @Override
            public SerializationSchema<RowData> createRuntimeEncoder(DynamicTableSink.Context sink, DataType physical) {
                RowType rowType = (RowType) physical.getLogicalType();
                AvroRows.fromRow(rowType, schemaOf(record)); // the table against its record now, when the query is planned
                return new Encoder(rowType, record, framing, topic);
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    private static String checkedRecord(String name) {
        if (!WireCodec.TYPES.containsKey(name)) {
            throw new ValidationException("'" + IDENTIFIER + "." + RECORD.key() + "' = '" + name + "': no mmstream record of that name; one of " + recordNames());
        }
        return name;
    }

    private static Set<String> recordNames() {
        return new TreeSet<>(WireCodec.TYPES.keySet());
    }

    private static Schema schemaOf(String record) {
        return SpecificData.get().getSchema(WireCodec.TYPES.get(record));
    }

    /** Any mmstream record, by its fingerprint, to a row; what is not one is skipped. */
    private static final class Decoder implements DeserializationSchema<RowData> {
        private static final Logger LOG = LoggerFactory.getLogger(Decoder.class);

        private final RowType rowType;
        private final String record;
        private final RegistryFraming registry;
        private final TypeInformation<RowData> producedType;
        private transient java.util.Map<Schema, AvroRows.Conversion> conversions;
        private transient Counter undecodable;

        Decoder(RowType rowType, String record, RegistryFraming registry, TypeInformation<RowData> producedType) {
            this.rowType = rowType;
            this.record = record;
            this.registry = registry;
            this.producedType = producedType;
        }

        @Override
        public void open(InitializationContext context) {
            conversions = new java.util.HashMap<>();
            undecodable = context.getMetricGroup().counter("recordsUndecodable");
        }

        @Override
        public RowData deserialize(byte[] message) {
            throw new UnsupportedOperationException("rows come through deserialize(message, out), which can skip a record");
        }

        @Override
        public void deserialize(byte[] message, Collector<RowData> out) {
            if (message == null) {
                return;
            }
            SpecificRecord decoded;
            try {
                // a registry that cannot be reached is waited for: the query stalls, the record is not skipped
                decoded = WireCodec.decodeAny(registry != null && RegistryFraming.isFramed(message) ? registry.toSingleObject(message) : message);
            } catch (IOException | RuntimeException e) {
                skip(e.getMessage());
                return;
            }
            if (record != null && !decoded.getSchema().getName().equals(record)) {
                skip("a " + decoded.getSchema().getName() + ", not a " + record);
                return;
            }
            AvroRows.Conversion conversion;
            try {
                conversion = conversions.computeIfAbsent(decoded.getSchema(), schema -> AvroRows.toRow(rowType, schema));
            } catch (ValidationException e) {
                skip("the table does not fit a " + decoded.getSchema().getName() + ": " + e.getMessage());
                return;
            }
            out.collect((RowData) conversion.convert(decoded));
        }

        private void skip(String why) {
            undecodable.inc();
            LOG.warn("mmstream-avro skips a record: {}", why);
        }

        @Override
        public boolean isEndOfStream(RowData next) {
            return false;
        }

        @Override
        public TypeInformation<RowData> getProducedType() {
            return producedType;
        }
    }

    /** Rows as records of one type, single-object encoded or, with a registry, in the Confluent wire format. */
    private static final class Encoder implements SerializationSchema<RowData> {
        private final RowType rowType;
        private final String record;
        private final RegistryFraming confluent;
        private final String topic;
        private transient AvroRows.Conversion conversion;

        Encoder(RowType rowType, String record, RegistryFraming confluent, String topic) {
            this.rowType = rowType;
            this.record = record;
            this.confluent = confluent;
            this.topic = topic;
        }

        @Override
        public void open(InitializationContext context) {
            conversion = AvroRows.fromRow(rowType, schemaOf(record));
        }

        @Override
        public byte[] serialize(RowData row) {
            byte[] encoded = WireCodec.encode((SpecificRecord) conversion.convert(row));
            try {
                return confluent == null ? encoded : confluent.toConfluent(topic, encoded);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write " + topic + " in the Confluent wire format: " + e.getMessage(), e);
            }
        }
    }
}
