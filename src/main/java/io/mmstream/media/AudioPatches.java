package io.mmstream.media;

import java.util.List;

/**
 * Log-mel patches centred on given instants, cut from a stream's audio chunks by absolute sample position (sample
 * n of the stream's clock lies at n / sampleRate seconds since the epoch). The job (chunk by chunk, as they
 * arrive) and the dataset (a whole recording) call the same code, so both see identical patches.
 */
public final class AudioPatches {

    /** Mono samples in [-1, 1] starting at startMicros, at the patcher's sample rate. */
    public record Chunk(long startMicros, float[] samples) {}

    /** @param logMel patchFrames x melBins values, frame-major; complete: every sample of the span was heard */
    public record Patch(long instantMicros, float[] logMel, boolean complete) {}

    private final LogMel logMel;
    private final int patchFrames;
    private final int patchSamples;

    public AudioPatches(LogMel.Params params, int patchFrames) {
        this.logMel = new LogMel(params);
        this.patchFrames = patchFrames;
        this.patchSamples = (patchFrames - 1) * params.hopLength() + params.windowLength();
    }

    public int sampleRate() {
        return logMel.params().sampleRate();
    }

    public int values() {
        return patchFrames * logMel.params().melBins();
    }

    /** How far a patch reaches on either side of its instant, rounded up. */
    public long halfSpanMicros() {
        return -Math.floorDiv(-(patchSamples / 2) * 1_000_000L, sampleRate()) + 1;
    }

    /** Sample index of a capture time on the stream's sample clock, exact for any epoch time. */
    public long samplePosition(long micros) {
        return samplePosition(micros, sampleRate());
    }

    /** Sample index of a capture time on a sample clock of this rate, exact for any epoch time. */
    public static long samplePosition(long micros, int rate) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        long rest = Math.floorMod(micros, 1_000_000L);
        return seconds * rate + Math.round(rest * rate / 1e6);
    }

    /** @param chunks any chunks of the stream, in any order; those outside the patch's span are skipped */
    public Patch patch(long instantMicros, List<Chunk> chunks) {
        float[] buffer = new float[patchSamples];
        boolean complete = gather(instantMicros, chunks, buffer);
        return new Patch(instantMicros, logMel(buffer), complete);
    }

    /** The patch at the instant when the chunks hold every one of its samples, else null (and no log-mel computed). */
    public Patch completePatch(long instantMicros, List<Chunk> chunks) {
        float[] buffer = new float[patchSamples];
        return gather(instantMicros, chunks, buffer) ? new Patch(instantMicros, logMel(buffer), true) : null;
    }

    private float[] logMel(float[] buffer) {
        float[][] mel = logMel.compute(buffer);
        int bins = logMel.params().melBins();
        float[] flat = new float[patchFrames * bins];
        for (int f = 0; f < patchFrames; f++) {
            System.arraycopy(mel[f], 0, flat, f * bins, bins);
        }
        return flat;
    }

    /** Copies the patch's samples into buffer; true when every one was heard. */
    private boolean gather(long instantMicros, List<Chunk> chunks, float[] buffer) {
        return samples(sampleRate(), samplePosition(instantMicros) - patchSamples / 2, chunks, buffer) == buffer.length;
    }

    /**
     * Copies the chunks' samples (at this rate) from the stream sample index {@code first} on into buffer (zero
     * where none was heard), and counts those heard.
     *
     * @param chunks any chunks of the stream, in any order; those outside the span are skipped
     */
    public static int samples(int rate, long first, List<Chunk> chunks, float[] buffer) {
        boolean[] heard = new boolean[buffer.length];
        for (Chunk chunk : chunks) {
            long chunkStart = samplePosition(chunk.startMicros(), rate);
            int from = (int) Math.max(0, first - chunkStart);
            int to = (int) Math.min(chunk.samples().length, first + buffer.length - chunkStart);
            for (int i = from; i < to; i++) {
                int at = (int) (chunkStart + i - first);
                buffer[at] = chunk.samples()[i];
                heard[at] = true;
            }
        }
        int count = 0;
        for (boolean h : heard) {
            count += h ? 1 : 0;
        }
        return count;
    }
}
