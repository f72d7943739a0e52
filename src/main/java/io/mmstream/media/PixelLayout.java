package io.mmstream.media;

import java.nio.FloatBuffer;

/**
 * RGB bytes (row-major, 3 a pixel) to the float layout a model declares: channels first or last, RGB or BGR, each
 * byte scaled from [0, 255] to [low, high], then (value - mean) / std per channel (in the model's channel order).
 */
public record PixelLayout(boolean channelsLast, boolean bgr, float low, float high, float[] mean, float[] std) {

    /** Writes width x height x 3 floats at offset of out. */
    public void write(byte[] rgb, int width, int height, float[] out, int offset) {
        write(rgb, width, height, FloatBuffer.wrap(out), offset);
    }

    /** Writes width x height x 3 floats at offset of out (absolute puts: the buffer's position is left alone). */
    public void write(byte[] rgb, int width, int height, FloatBuffer out, int offset) {
        int plane = width * height;
        float[][] tables = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                tables[c][v] = (low + (high - low) * v / 255f - mean[c]) / std[c];
            }
        }
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                int source = bgr ? 2 - c : c;
                float value = tables[c][rgb[3 * p + source] & 0xFF];
                out.put(offset + (channelsLast ? 3 * p + c : c * plane + p), value);
            }
        }
    }
}
