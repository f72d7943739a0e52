package io.mmstream.media;

import io.mmstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Raw PCM to mono float samples in [-1, 1]. */
public final class Pcm {

    private Pcm() {}

    /** Averages the channels of interleaved little-endian samples. */
    public static float[] toMono(ByteBuffer data, SampleFormat format, int channels) {
        ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int bytesPerSample = format == SampleFormat.PCM_S16LE ? 2 : 4;
        int frames = in.remaining() / (bytesPerSample * channels);
        float[] out = new float[frames];
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += format == SampleFormat.PCM_S16LE ? in.getShort() / 32768.0 : in.getFloat();
            }
            out[i] = (float) (sum / channels);
        }
        return out;
    }

    /** Clips to [-1, 1] and writes 16-bit little-endian PCM. */
    public static byte[] toS16le(float[] samples) {
        ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float sample : samples) {
            out.putShort((short) Math.round(Math.max(-1f, Math.min(1f, sample)) * 32767));
        }
        return out.array();
    }
}
