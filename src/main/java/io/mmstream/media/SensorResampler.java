package io.mmstream.media;

import java.util.Arrays;

/**
 * Puts irregular multi-axis sensor readings onto a regular time grid by linear interpolation at each step's
 * centre, and normalises each axis. A step with no reading within maxGapMicros of its centre is marked absent
 * and left at zero, so a dropped-out sensor reads as missing rather than as a held value.
 */
public final class SensorResampler {

    private final float[] mean;
    private final float[] std;
    private final long maxGapMicros;

    public SensorResampler(float[] mean, float[] std, long maxGapMicros) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean and std differ in length");
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.maxGapMicros = maxGapMicros;
    }

    /**
     * @param times capture times in microseconds, ascending
     * @param values values[i] is the reading at times[i], mean.length axes
     * @param present receives per step whether a reading was close enough
     * @return [steps][axes] normalised values
     */
    public float[][] resample(long[] times, float[][] values, long gridStartMicros, long stepMicros, int steps, boolean[] present) {
        int axes = mean.length;
        float[][] out = new float[steps][axes];
        Arrays.fill(present, false);
        int j = 0;
        for (int s = 0; s < steps; s++) {
            long centre = gridStartMicros + s * stepMicros + stepMicros / 2;
            while (j + 1 < times.length && times[j + 1] <= centre) {
                j++;
            }
            if (times.length == 0) {
                continue;
            }
            int before = times[j] <= centre ? j : -1;
            int after = before >= 0 ? (before + 1 < times.length ? before + 1 : -1) : j;
            long nearest = Math.min(before >= 0 ? centre - times[before] : Long.MAX_VALUE, after >= 0 ? times[after] - centre : Long.MAX_VALUE);
            if (nearest > maxGapMicros) {
                continue;
            }
            present[s] = true;
            for (int a = 0; a < axes; a++) {
                double value;
                if (before >= 0 && after >= 0 && times[after] > times[before]) {
                    double w = (double) (centre - times[before]) / (times[after] - times[before]);
                    value = values[before][a] * (1 - w) + values[after][a] * w;
                } else {
                    value = values[before >= 0 ? before : after][a];
                }
                out[s][a] = (float) ((value - mean[a]) / std[a]);
            }
        }
        return out;
    }
}
