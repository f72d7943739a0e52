package io.mmstream.media;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A stream's samples cut into model steps of {@code length} samples every {@code hop}: each step's last hop samples
 * are new, the rest repeat the end of the previous step (zeros before the stream's first), as streaming models such as
 * Silero VAD expect (576 samples, 512 of them new). What is not yet a whole step waits in {@link #pending()}.
 */
public final class SampleSteps {

    private final int length;
    private final int hop;
    private float[] pending;
    private int filled;

    public SampleSteps(int length, int hop) {
        this(length, hop, new float[length - hop]);
    }

    /** @param pending carried over from {@link #pending()}: the context and the samples not yet stepped */
    public SampleSteps(int length, int hop, float[] pending) {
        if (hop <= 0 || hop > length || pending.length < length - hop) {
            throw new IllegalArgumentException("steps of " + length + " every " + hop + " cannot resume from " + pending.length + " samples");
        }
        this.length = length;
        this.hop = hop;
        this.pending = Arrays.copyOf(pending, Math.max(length, pending.length));
        this.filled = pending.length;
    }

    /** @return the whole steps these samples complete, oldest first */
    public List<float[]> push(float[] samples) {
        if (filled + samples.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(filled + samples.length, 2 * pending.length));
        }
        System.arraycopy(samples, 0, pending, filled, samples.length);
        filled += samples.length;
        List<float[]> steps = new ArrayList<>();
        int start = 0;
        while (filled - start >= length) {
            steps.add(Arrays.copyOfRange(pending, start, start + length));
            start += hop;
        }
        System.arraycopy(pending, start, pending, 0, filled - start);
        filled -= start;
        return steps;
    }

    /** The context and the samples that do not yet make a step: what a checkpoint keeps. */
    public float[] pending() {
        return Arrays.copyOf(pending, filled);
    }
}
