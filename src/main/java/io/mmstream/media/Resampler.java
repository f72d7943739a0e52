package io.mmstream.media;

/**
 * Band-limited sample-rate conversion of one chunk: each output sample is the input convolved with a
 * Hann-windowed sinc whose cutoff is the lower of the two Nyquist frequencies, so downsampling 44.1 or 48 kHz to
 * the models' 16 kHz does not fold the upper band back into speech. Chunks are converted one at a time (the job
 * cuts patches across chunks that may arrive in any order); beyond a chunk's edges the input counts as silence,
 * which touches only the few samples within the filter's half-width of an edge.
 */
public final class Resampler {

    /** Zero crossings of the sinc on each side of the centre: the filter's half-width, in cutoff periods. */
    private static final int ZERO_CROSSINGS = 8;

    private Resampler() {}

    /** The samples at toRate; the duration is kept, to the nearest output sample. */
    public static float[] resample(float[] input, int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, were " + fromRate + " and " + toRate);
        }
        if (fromRate == toRate) {
            return input;
        }
        int length = (int) Math.round((double) input.length * toRate / fromRate);
        float[] output = new float[length];
        double step = (double) fromRate / toRate;
        double cutoff = Math.min(1.0, (double) toRate / fromRate); // of the input's Nyquist frequency
        double halfWidth = ZERO_CROSSINGS / cutoff;
        for (int j = 0; j < length; j++) {
            double centre = j * step;
            int first = Math.max(0, (int) Math.ceil(centre - halfWidth));
            int last = Math.min(input.length - 1, (int) Math.floor(centre + halfWidth));
            double sum = 0;
            for (int k = first; k <= last; k++) {
                double x = k - centre;
                double window = 0.5 + 0.5 * Math.cos(Math.PI * x / halfWidth);
                sum += input[k] * cutoff * sinc(cutoff * x) * window;
            }
            output[j] = (float) sum;
        }
        return output;
    }

    private static double sinc(double x) {
        if (Math.abs(x) < 1e-9) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }
}
