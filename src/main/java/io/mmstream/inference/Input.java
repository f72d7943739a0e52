package io.mmstream.inference;

import java.util.Arrays;

/**
 * One input tensor of a batch: row-major data and its shape. Exactly one of floats, longs and booleans is set,
 * as the card's dtype (float32, int64, bool) says.
 */
public record Input(float[] floats, long[] longs, boolean[] booleans, long[] shape) {

    public static Input of(float[] data, long... shape) {
        return new Input(data, null, null, shape);
    }

    public static Input of(long[] data, long... shape) {
        return new Input(null, data, null, shape);
    }

    public static Input of(boolean[] data, long... shape) {
        return new Input(null, null, data, shape);
    }

    public String dtype() {
        return floats != null ? "float32" : longs != null ? "int64" : "bool";
    }

    public int length() {
        return floats != null ? floats.length : longs != null ? longs.length : booleans.length;
    }

    @Override
    public String toString() {
        return dtype() + Arrays.toString(shape);
    }
}
