package io.mmstream.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/** BACKWARD_TRANSITIVE: the current schema of every record type reads data written with every released version. */
class SchemaEvolutionTest {

    @Test
    void everyRecordTypeHasReleasedVersions() {
        WireCodec.TYPES.keySet().forEach(name -> assertThat(WireCodec.releasedVersions(name)).as(name).isNotEmpty());
    }

    @Test
    void theCurrentSchemaReadsEveryReleasedVersion() {
        WireCodec.TYPES.forEach((name, type) -> {
            Schema current = SpecificData.get().getSchema(type);
            List<Schema> released = WireCodec.releasedVersions(name);
            for (int v = 0; v < released.size(); v++) {
                var result = SchemaCompatibility.checkReaderWriterCompatibility(current, released.get(v));
                assertThat(result.getType()).as("%s reading %s.v%d: %s", name, name, v + 1, result.getResult().getIncompatibilities())
                        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            }
        });
    }

    @Test
    void theNewestReleasedVersionIsTheCurrentOneOrOnlyAddsDefaultedFields() {
        WireCodec.TYPES.forEach((name, type) -> {
            Schema current = SpecificData.get().getSchema(type);
            List<Schema> released = WireCodec.releasedVersions(name);
            Schema newest = released.get(released.size() - 1);
            for (Schema.Field field : current.getFields()) {
                if (newest.getField(field.name()) == null) {
                    assertThat(field.hasDefaultValue()).as("%s.%s is new since the last release, so it needs a default", name, field.name()).isTrue();
                }
            }
        });
    }

    @Test
    void aRecordWrittenWithAReleasedVersionDecodesWithTheCurrentCodec() throws Exception {
        Schema v1 = WireCodec.releasedVersions("SensorReading").get(0);
        var writer = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1);
        var record = new org.apache.avro.generic.GenericRecordBuilder(v1)
                .set("streamId", "s1").set("sensorId", "imu0").set("captureTime", 5L).set("kind", "imu6").set("values", List.of(1f, 2f))
                .build();
        byte[] bytes = writer.encode(record).array();

        var decoded = WireCodec.decode(io.mmstream.schema.SensorReading.class, bytes);
        assertThat(decoded.getStreamId()).isEqualTo("s1");
        assertThat(decoded.getValues()).containsExactly(1f, 2f);
    }
}
