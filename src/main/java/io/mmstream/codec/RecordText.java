package io.mmstream.codec;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** One-line JSON of any of our records for people to read: times in ISO-8601, media bytes as their size. */
public final class RecordText {

    private RecordText() {}

    public static String json(IndexedRecord record) {
        StringBuilder out = new StringBuilder();
        append(out, record);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof IndexedRecord record) {
            out.append('{');
            boolean first = true;
            for (Schema.Field field : record.getSchema().getFields()) {
                out.append(first ? "" : ", ").append('"').append(field.name()).append("\": ");
                append(out, record.get(field.pos()));
                first = false;
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                out.append(first ? "" : ", ");
                append(out, item);
                first = false;
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(first ? "" : ", ");
                append(out, entry.getKey().toString());
                out.append(": ");
                append(out, entry.getValue());
                first = false;
            }
            out.append('}');
        } else if (value instanceof ByteBuffer bytes) {
            out.append("\"<").append(bytes.remaining()).append(" bytes>\"");
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            quote(out, value.toString());
        }
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        // JSON escapes, then every other unprintable character (bidi overrides, zero-width) as \\uXXXX, so a record
        // can never rewrite the terminal it is printed to
        String json = text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        out.append(PrintableText.escaped(json));
        out.append('"');
    }
}
