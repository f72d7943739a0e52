package io.mmstream.eval;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap over streams: windows of one stream are not independent (one room, one person, one
 * microphone), so the interval resamples whole streams with replacement and recomputes the figure from their
 * pooled counts.
 */
public final class Bootstrap {

    /** The central 95% of the resampled figure. */
    public record Interval(double low, double high) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "[%.3f, %.3f]", low, high);
        }
    }

    public static final int RESAMPLES = 2000;

    private Bootstrap() {}

    /**
     * @param streams how many streams the figure pools
     * @param figure the figure computed with each stream counted as many times as the weight array says (NaN where
     *     a resample has nothing to score; such resamples are left out)
     * @param seed fixes the resamples, so the same data gives the same interval
     */
    public static Interval interval(int streams, ToDoubleFunction<int[]> figure, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] figures = new double[RESAMPLES];
        int kept = 0;
        for (int r = 0; r < RESAMPLES; r++) {
            int[] weights = new int[streams];
            for (int i = 0; i < streams; i++) {
                weights[random.nextInt(streams)]++;
            }
            double value = figure.applyAsDouble(weights);
            if (!Double.isNaN(value)) {
                figures[kept++] = value;
            }
        }
        if (kept == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        double[] sorted = Arrays.copyOf(figures, kept);
        Arrays.sort(sorted);
        return new Interval(sorted[(int) Math.floor(0.025 * (kept - 1))], sorted[(int) Math.ceil(0.975 * (kept - 1))]);
    }

    /** The pooled share right / total, each stream counted weight times. */
    public static double share(int[] weights, int[] right, int[] total) {
        long r = 0;
        long t = 0;
        for (int s = 0; s < weights.length; s++) {
            r += (long) weights[s] * right[s];
            t += (long) weights[s] * total[s];
        }
        return t == 0 ? Double.NaN : (double) r / t;
    }
}
