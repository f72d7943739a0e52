package io.mmstream.codec;

import java.io.IOException;
import org.apache.avro.Schema;

/**
 * Walks an Avro binary body by its writer schema before Avro reads it, and refuses any length, count or index the
 * bytes cannot hold. Avro allocates from the lengths a record claims (a 30-byte record can claim 2 GB), and its
 * own limits are JVM-wide system properties that a job on a shared TaskManager cannot set for itself; after this
 * walk, nothing Avro allocates exceeds the record's real size.
 */
final class BoundedBody {

    private final byte[] bytes;
    private int position;

    private BoundedBody(byte[] bytes, int offset) {
        this.bytes = bytes;
        this.position = offset;
    }

    /** @throws IOException naming the field whose claim the remaining bytes cannot meet, or trailing bytes */
    static void check(Schema writer, byte[] bytes, int offset) throws IOException {
        BoundedBody body = new BoundedBody(bytes, offset);
        body.skip(writer, writer.getName());
        if (body.position != bytes.length) {
            throw new IOException((bytes.length - body.position) + " bytes follow the end of the " + writer.getName() + " record");
        }
    }

    private int remaining() {
        return bytes.length - position;
    }

    private void skip(Schema schema, String path) throws IOException {
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> advance(1, path);
            case INT -> varLong(path, 5);
            case LONG -> varLong(path, 10);
            case FLOAT -> advance(4, path);
            case DOUBLE -> advance(8, path);
            case FIXED -> advance(schema.getFixedSize(), path);
            case STRING, BYTES -> advance(length(path), path);
            case ENUM -> index(path, schema.getEnumSymbols().size());
            case UNION -> skip(schema.getTypes().get(index(path, schema.getTypes().size())), path);
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    skip(field.schema(), path + "." + field.name());
                }
            }
            case ARRAY -> items(path, schema.getElementType(), null);
            case MAP -> items(path, schema.getValueType(), Schema.create(Schema.Type.STRING));
        }
    }

    /** Array or map blocks: each block's count must fit the remaining bytes at the smallest size of an item. */
    private void items(String path, Schema item, Schema key) throws IOException {
        long smallest = Math.max(1, smallestSize(item) + (key == null ? 0 : 1));
        for (long count = varLong(path, 10); count != 0; count = varLong(path, 10)) {
            if (count < 0) {
                // a negative count is followed by the block's size in bytes
                if (count == Long.MIN_VALUE) {
                    throw new IOException(path + " claims a block of " + count + " items");
                }
                count = -count;
                long size = varLong(path, 10);
                if (size < 0 || size > remaining()) {
                    throw new IOException(path + " claims a block of " + size + " bytes, but only " + remaining() + " remain");
                }
            }
            if (count > remaining() / smallest) {
                throw new IOException(path + " claims " + count + " items, but only " + remaining() + " bytes remain");
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    skip(key, path + "{key}");
                }
                skip(item, path + "[" + i + "]");
            }
        }
    }

    /** The fewest bytes an item of the schema takes: a lower bound, so a count above remaining/smallest is a lie. */
    private static long smallestSize(Schema schema) {
        return switch (schema.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> schema.getFixedSize();
            case RECORD -> schema.getFields().stream().mapToLong(field -> smallestSize(field.schema())).sum();
            case UNION -> 1;
            default -> 1;
        };
    }

    private long length(String path) throws IOException {
        long length = varLong(path, 10);
        if (length < 0 || length > remaining()) {
            throw new IOException(path + " claims " + length + " bytes, but only " + remaining() + " remain");
        }
        return length;
    }

    private int index(String path, int choices) throws IOException {
        long index = varLong(path, 5);
        if (index < 0 || index >= choices) {
            throw new IOException(path + " has index " + index + ", outside 0.." + (choices - 1));
        }
        return (int) index;
    }

    private void advance(long count, String path) throws IOException {
        if (count > remaining()) {
            throw new IOException(path + " needs " + count + " bytes, but only " + remaining() + " remain");
        }
        position += (int) count;
    }

    /** A zig-zag variable-length integer of at most maxBytes bytes. */
    private long varLong(String path, int maxBytes) throws IOException {
        long raw = 0;
        for (int shift = 0, read = 0; ; shift += 7) {
            if (position >= bytes.length) {
                throw new IOException(path + " is cut off: the record ends inside a number");
            }
            if (++read > maxBytes) {
                throw new IOException(path + " holds a number longer than " + maxBytes + " bytes");
            }
            int b = bytes[position++] & 0xFF;
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
    }
}
