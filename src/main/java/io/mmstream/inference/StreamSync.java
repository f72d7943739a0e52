package io.mmstream.inference;

import java.util.Arrays;

/**
 * A stream's audio-visual offset, for the stream rather than for one window: the median of the offsets of its recent
 * decisive windows, with the share of them within one grid step of that median as its agreement. A window is decisive
 * where the sync head puts at least {@link #MIN_PEAK} on one offset: over silence or stillness its distribution is
 * flat and its most probable offset is noise. The figures chose the two constants, with the sync head of commit
 * 375743f (held-out seeds 3001 and 3101, 16 streams x 120 s with offsets within 333 ms; the mean error of the
 * stream's estimate at each window where it has one): a peak of 0.3 gave 70 ms with 9 windows, 0.4 gave 53 ms, 0.5
 * gave 38 ms (35-38 ms for 5 to 25 windows), against 144 ms for each window's own estimate over sounding windows
 * alone. Not tuned again for today's head, whose figures `eval` prints (22 ms against 110 ms, each offset placed between the steps). One window's estimate flickers; the
 * stream's holds still, so an alarm on it does not.
 */
public final class StreamSync {

    /** How many recent decisive windows the estimate rests on at most. */
    public static final int WINDOWS = 9;
    public static final float MIN_PEAK = 0.5f;

    /**
     * @param agreement share of the windows whose offset lies within one grid step of the median
     * @param windows how many decisive windows the estimate rests on
     */
    public record Estimate(long offsetMicros, float agreement, int windows) {}

    private StreamSync() {}

    /**
     * The stream's recent decisive offsets after one more window: its offset appended (the oldest dropped beyond
     * {@link #WINDOWS}) when the window is decisive, else unchanged.
     *
     * @param recent the stream's recent decisive offsets, oldest first; empty at its first window
     * @param probabilities the window's offset distribution (the sync head's scores); empty where the head had no say
     */
    public static long[] next(long[] recent, Long offsetMicros, float[] probabilities) {
        float peak = 0;
        for (float p : probabilities) {
            peak = Math.max(peak, p);
        }
        if (offsetMicros == null || peak < MIN_PEAK) {
            return recent;
        }
        long[] next = Arrays.copyOfRange(recent, Math.max(0, recent.length + 1 - WINDOWS), recent.length + 1);
        next[next.length - 1] = offsetMicros;
        return next;
    }

    /** The estimate as a model's input ({@link Binding.StreamOffset}): seconds, agreement, windows / {@link #WINDOWS}; zeros for none. */
    public static float[] input(Estimate estimate) {
        return estimate == null ? new float[3]
                : new float[] {estimate.offsetMicros() / 1e6f, estimate.agreement(), (float) estimate.windows() / WINDOWS};
    }

    /** The estimate over the recent decisive offsets; null while there are none. */
    public static Estimate estimate(long[] recent, long stepMicros) {
        if (recent.length == 0) {
            return null;
        }
        long[] sorted = recent.clone();
        Arrays.sort(sorted);
        // the lower median: an offset one of the windows gave, never the mean of two
        long median = sorted[(sorted.length - 1) / 2];
        int agreeing = 0;
        for (long offset : recent) {
            agreeing += Math.abs(offset - median) <= stepMicros ? 1 : 0;
        }
        return new Estimate(median, (float) agreeing / recent.length, recent.length);
    }
}
