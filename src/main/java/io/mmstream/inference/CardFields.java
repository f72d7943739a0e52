package io.mmstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** Reads the fields of one object of a model card; every refusal names the card file, the field's path and its value. */
final class CardFields {

    private final Path file;
    private final String where;
    private final JsonNode node;

    CardFields(Path file, String where, JsonNode node) {
        this.file = file;
        this.where = where;
        this.node = node;
    }

    /** @param where the object's path in the card (inputs[0].binds), empty for the card itself */
    private String path(String field) {
        return where.isEmpty() ? field : where + "." + field;
    }

    ModelCardException refuse(String field, String why) {
        return new ModelCardException(file + ": " + path(field) + " = " + node.get(field) + ": " + why);
    }

    boolean has(String field) {
        return node.has(field);
    }

    /** Refuses a field the vocabulary does not know, so that a misspelt key is not silently ignored. */
    void only(Set<String> known) {
        node.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                throw new ModelCardException(file + ": " + path(field) + " = " + node.get(field) + ": unknown field; known: "
                        + known.stream().sorted().toList());
            }
        });
    }

    String text(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw refuse(field, "must be a non-empty string");
        }
        return value.asText();
    }

    /** A string that must be one of {@code allowed}; the first is the default when the field is absent and more are allowed. */
    String oneOf(String field, String... allowed) {
        if (!node.has(field) && allowed.length > 1) {
            return allowed[0];
        }
        String value = text(field);
        if (!Arrays.asList(allowed).contains(value)) {
            throw refuse(field, "must be one of " + Arrays.toString(allowed));
        }
        return value;
    }

    double number(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            throw refuse(field, "must be a number");
        }
        return value.asDouble();
    }

    int wholeNumber(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
            throw refuse(field, "must be a whole number, 0 or more");
        }
        return value.asInt();
    }

    int positiveInt(String field) {
        int value = wholeNumber(field);
        if (value == 0) {
            throw refuse(field, "must be positive");
        }
        return value;
    }

    float[] floats(String field, int count) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray() || value.size() != count) {
            throw refuse(field, "must be a list of " + count + " numbers");
        }
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            if (!value.get(i).isNumber()) {
                throw refuse(field, "must be a list of " + count + " numbers");
            }
            out[i] = (float) value.get(i).asDouble();
        }
        return out;
    }

    int[] ints(String field, int count) {
        float[] values = floats(field, count);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = (int) values[i];
            if (out[i] != values[i] || out[i] <= 0) {
                throw refuse(field, "must be a list of " + count + " positive whole numbers");
            }
        }
        return out;
    }
}
