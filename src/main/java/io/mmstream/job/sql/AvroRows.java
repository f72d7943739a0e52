package io.mmstream.job.sql;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Between our Avro records and Flink's table rows, column by field name at every level of nesting, so that a table
 * declares the fields it wants in any order and a column a record lacks (another record type on the same topic, an
 * older version) reads as null. Each conversion is built once per table and record schema, and checks there that
 * every column's type can hold its field: a table that does not fit its records fails when it is planned or meets
 * the first such record, naming the column.
 */
final class AvroRows {

    /** One value from Avro to Flink's internal data, or back. */
    interface Conversion {
        Object convert(Object value);
    }

    private AvroRows() {}

    /** Reads records of one schema into rows of the table's type. */
    static Conversion toRow(RowType table, Schema record) {
        return toFlink(table, record, "");
    }

    /** Writes rows of the table's type as records of one schema: every field without a column must have a default. */
    static Conversion fromRow(RowType table, Schema record) {
        return fromFlink(table, record, "");
    }

    private static Conversion toFlink(org.apache.flink.table.types.logical.LogicalType type, Schema avro, String column) {
        Schema schema = nonNull(avro);
        switch (type.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                expect(column, type, schema, Schema.Type.STRING, Schema.Type.ENUM);
                return value -> StringData.fromString(value.toString());
            case BOOLEAN:
                expect(column, type, schema, Schema.Type.BOOLEAN);
                return value -> value;
            case INTEGER:
                expect(column, type, schema, Schema.Type.INT);
                return value -> ((Number) value).intValue();
            case BIGINT:
                expect(column, type, schema, Schema.Type.INT, Schema.Type.LONG);
                if (schema.getLogicalType() instanceof LogicalTypes.TimestampMicros || schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    // the number as written, in the field's own unit: the generated classes hand it over as an Instant
                    long perSecond = timestampUnits(column, type, schema);
                    return value -> ((Instant) value).getEpochSecond() * perSecond + ((Instant) value).getNano() / (1_000_000_000 / perSecond);
                }
                return value -> ((Number) value).longValue();
            case FLOAT:
                expect(column, type, schema, Schema.Type.FLOAT);
                return value -> ((Number) value).floatValue();
            case DOUBLE:
                expect(column, type, schema, Schema.Type.FLOAT, Schema.Type.DOUBLE, Schema.Type.INT, Schema.Type.LONG);
                return value -> ((Number) value).doubleValue();
            case VARBINARY:
            case BINARY:
                expect(column, type, schema, Schema.Type.BYTES, Schema.Type.FIXED);
                return value -> value instanceof ByteBuffer buffer ? bytes(buffer) : ((org.apache.avro.generic.GenericFixed) value).bytes();
            case TIMESTAMP_WITHOUT_TIME_ZONE:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                long unitsPerSecond = timestampUnits(column, type, schema);
                return value -> TimestampData.fromInstant(value instanceof Instant instant ? instant : instant((Long) value, unitsPerSecond));
            case ARRAY:
                expect(column, type, schema, Schema.Type.ARRAY);
                Conversion element = toFlink(((ArrayType) type).getElementType(), schema.getElementType(), column + "[]");
                return value -> {
                    List<?> list = (List<?>) value;
                    Object[] elements = new Object[list.size()];
                    for (int i = 0; i < elements.length; i++) {
                        elements[i] = list.get(i) == null ? null : element.convert(list.get(i));
                    }
                    return new GenericArrayData(elements);
                };
            case MAP:
                expect(column, type, schema, Schema.Type.MAP);
                Conversion entry = toFlink(((MapType) type).getValueType(), schema.getValueType(), column + "{}");
                return value -> {
                    Map<Object, Object> map = new HashMap<>();
                    ((Map<?, ?>) value).forEach((k, v) -> map.put(StringData.fromString(k.toString()), v == null ? null : entry.convert(v)));
                    return new GenericMapData(map);
                };
            case ROW:
                expect(column, type, schema, Schema.Type.RECORD);
                RowType row = (RowType) type;
                int[] positions = new int[row.getFieldCount()];
                Conversion[] fields = new Conversion[row.getFieldCount()];
                for (int i = 0; i < positions.length; i++) {
                    String name = row.getFieldNames().get(i);
                    Schema.Field field = schema.getField(name);
                    positions[i] = field == null ? -1 : field.pos();
                    fields[i] = field == null ? null : toFlink(row.getTypeAt(i), field.schema(), path(column, name));
                }
                return value -> {
                    IndexedRecord record = (IndexedRecord) value;
                    GenericRowData out = new GenericRowData(positions.length);
                    for (int i = 0; i < positions.length; i++) {
                        Object field = positions[i] < 0 ? null : record.get(positions[i]);
                        out.setField(i, field == null ? null : fields[i].convert(field));
                    }
                    return out;
                };
            default:
                throw new ValidationException("column " + column + ": mmstream-avro cannot read " + type.asSummaryString());
        }
    }

    private static Conversion fromFlink(org.apache.flink.table.types.logical.LogicalType type, Schema avro, String column) {
        Schema schema = nonNull(avro);
        switch (type.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                expect(column, type, schema, Schema.Type.STRING, Schema.Type.ENUM);
                return schema.getType() == Schema.Type.ENUM ? value -> SpecificData.get().createEnum(value.toString(), schema) : Object::toString;
            case BOOLEAN:
                expect(column, type, schema, Schema.Type.BOOLEAN);
                return value -> value;
            case INTEGER:
            case BIGINT:
            case FLOAT:
            case DOUBLE:
                expect(column, type, schema, Schema.Type.INT, Schema.Type.LONG, Schema.Type.FLOAT, Schema.Type.DOUBLE);
                return switch (schema.getType()) {
                    case INT -> value -> ((Number) value).intValue();
                    case LONG -> value -> ((Number) value).longValue();
                    case FLOAT -> value -> ((Number) value).floatValue();
                    default -> value -> ((Number) value).doubleValue();
                };
            case VARBINARY:
            case BINARY:
                expect(column, type, schema, Schema.Type.BYTES);
                return value -> ByteBuffer.wrap((byte[]) value);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                timestampUnits(column, type, schema);
                // the generated classes convert their timestamp fields to Instant
                return value -> ((TimestampData) value).toInstant();
            case ARRAY:
                expect(column, type, schema, Schema.Type.ARRAY);
                Conversion element = fromFlink(((ArrayType) type).getElementType(), schema.getElementType(), column + "[]");
                ArrayData.ElementGetter getter = ArrayData.createElementGetter(((ArrayType) type).getElementType());
                return value -> {
                    ArrayData array = (ArrayData) value;
                    List<Object> list = new ArrayList<>(array.size());
                    for (int i = 0; i < array.size(); i++) {
                        Object item = getter.getElementOrNull(array, i);
                        list.add(item == null ? null : element.convert(item));
                    }
                    return list;
                };
            case ROW:
                expect(column, type, schema, Schema.Type.RECORD);
                return record((RowType) type, schema, column);
            default:
                throw new ValidationException("column " + column + ": mmstream-avro cannot write " + type.asSummaryString());
        }
    }

    private static Conversion record(RowType row, Schema schema, String column) {
        List<String> names = row.getFieldNames();
        for (String name : names) {
            if (schema.getField(name) == null) {
                throw new ValidationException("column " + path(column, name) + " is no field of the record "
                        + schema.getName() + ", whose fields are " + schema.getFields().stream().map(Schema.Field::name).toList());
            }
        }
        for (Schema.Field field : schema.getFields()) {
            if (!names.contains(field.name()) && !field.hasDefaultValue()) {
                throw new ValidationException("the table has no column for the field " + field.name() + " of the record " + schema.getName()
                        + ", which has no default");
            }
        }
        RowData.FieldGetter[] getters = new RowData.FieldGetter[names.size()];
        Conversion[] fields = new Conversion[names.size()];
        int[] positions = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            getters[i] = RowData.createFieldGetter(row.getTypeAt(i), i);
            Schema.Field field = schema.getField(names.get(i));
            positions[i] = field.pos();
            fields[i] = fromFlink(row.getTypeAt(i), field.schema(), path(column, names.get(i)));
        }
        return value -> {
            IndexedRecord out = (IndexedRecord) SpecificData.get().newRecord(null, schema);
            for (Schema.Field field : schema.getFields()) {
                if (!names.contains(field.name())) {
                    out.put(field.pos(), SpecificData.get().deepCopy(field.schema(), SpecificData.get().getDefaultValue(field)));
                }
            }
            for (int i = 0; i < getters.length; i++) {
                Object field = getters[i].getFieldOrNull((RowData) value);
                out.put(positions[i], field == null ? null : fields[i].convert(field));
            }
            return out;
        };
    }

    /** A nested column's name, e.g. results[].label. */
    private static String path(String column, String field) {
        return column.isEmpty() ? field : column + "." + field;
    }

    /** Microseconds or milliseconds per second of an Avro timestamp field. */
    private static long timestampUnits(String column, org.apache.flink.table.types.logical.LogicalType type, Schema schema) {
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.TimestampMicros) {
            return 1_000_000;
        }
        if (logical instanceof LogicalTypes.TimestampMillis) {
            return 1_000;
        }
        throw new ValidationException("column " + column + " is " + type.asSummaryString() + ", but its field is "
                + schema + ", not a timestamp (declare BIGINT to read the number)");
    }

    private static Instant instant(long units, long unitsPerSecond) {
        return Instant.ofEpochSecond(Math.floorDiv(units, unitsPerSecond), Math.floorMod(units, unitsPerSecond) * (1_000_000_000 / unitsPerSecond));
    }

    private static void expect(String column, org.apache.flink.table.types.logical.LogicalType type, Schema schema, Schema.Type... allowed) {
        if (!List.of(allowed).contains(schema.getType())) {
            throw new ValidationException("column " + column + " is " + type.asSummaryString() + ", but its field is " + schema);
        }
    }

    /** The branch of a ["null", T] union that is not null. */
    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> branches = schema.getTypes().stream().filter(branch -> branch.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw new ValidationException("mmstream-avro reads only unions of null and one type, not " + schema);
        }
        return branches.get(0);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
