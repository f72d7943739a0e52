package io.mmstream.inference;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One input tensor of a batch: row-major data and its shape. Exactly one of floats, direct, longs and booleans is
 * set, as the card's dtype (float32, int64, bool) says; direct is a native-order direct buffer (from position to
 * limit) that ONNX Runtime reads in place.
 */
public record Input(float[] floats, FloatBuffer direct, long[] longs, boolean[] booleans, long[] shape) {

    public static Input of(float[] data, long... shape) {
        return new Input(data, null, null, null, shape);
    }

    public static Input of(FloatBuffer direct, long... shape) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("a heap buffer would be copied: pass its array");
        }
        return new Input(null, direct, null, null, shape);
    }

    public static Input of(long[] data, long... shape) {
        return new Input(null, null, data, null, shape);
    }

    public static Input of(boolean[] data, long... shape) {
        return new Input(null, null, null, data, shape);
    }

    public String dtype() {
        return floats != null || direct != null ? "float32" : longs != null ? "int64" : "bool";
    }

    public int length() {
        return floats != null ? floats.length : direct != null ? direct.remaining() : longs != null ? longs.length : booleans.length;
    }

    @Override
    public String toString() {
        return dtype() + Arrays.toString(shape);
    }
}
