package io.mmstream.media;

/**
 * Log-mel spectrogram. Defaults (see {@link Params#standard()}): 16 kHz audio, 25 ms periodic Hann window
 * (400 samples) zero-padded to a 512-point FFT, 10 ms hop (160 samples), power spectrum, 64 triangular mel
 * filters (HTK mel scale, 2595 log10(1 + f / 700)) from 0 Hz to 8 kHz with unit peaks, natural log of
 * (mel energy + 1e-6). Frames start at 0, hop, 2 hop, ... and must fit entirely in the signal (no padding).
 * Instances are immutable after construction and safe to share between threads.
 */
public final class LogMel {

    public record Params(int sampleRate, int fftSize, int windowLength, int hopLength, int melBins, double minHz, double maxHz)
            implements java.io.Serializable {
        public static Params standard() {
            return new Params(16_000, 512, 400, 160, 64, 0, 8000);
        }
    }

    public static final double LOG_FLOOR = 1e-6;

    private final Params params;
    /** Half the FFT size: a real frame of N samples is transformed as N/2 complex values, half the work. */
    private final Fft halfFft;
    private final double[] twiddleCos;
    private final double[] twiddleSin;
    private final double[] window;
    private final double[][] filters;
    /** Per filter, the first and one past the last FFT bin where it is not zero: the triangles are narrow. */
    private final int[] filterFrom;
    private final int[] filterTo;

    public LogMel(Params params) {
        if (params.windowLength() > params.fftSize()) {
            throw new IllegalArgumentException("window length " + params.windowLength() + " exceeds FFT size " + params.fftSize());
        }
        this.params = params;
        this.halfFft = new Fft(params.fftSize() / 2);
        this.twiddleCos = new double[params.fftSize() / 2 + 1];
        this.twiddleSin = new double[params.fftSize() / 2 + 1];
        for (int k = 0; k < twiddleCos.length; k++) {
            twiddleCos[k] = Math.cos(-2 * Math.PI * k / params.fftSize());
            twiddleSin[k] = Math.sin(-2 * Math.PI * k / params.fftSize());
        }
        this.window = new double[params.windowLength()];
        for (int i = 0; i < window.length; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / window.length);
        }
        this.filters = melFilters(params);
        this.filterFrom = new int[filters.length];
        this.filterTo = new int[filters.length];
        for (int b = 0; b < filters.length; b++) {
            int from = 0;
            while (from < filters[b].length && filters[b][from] == 0) {
                from++;
            }
            int to = filters[b].length;
            while (to > from && filters[b][to - 1] == 0) {
                to--;
            }
            filterFrom[b] = from;
            filterTo[b] = to;
        }
    }

    public Params params() {
        return params;
    }

    public static double hzToMel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }

    public static double melToHz(double mel) {
        return 700 * (Math.pow(10, mel / 2595) - 1);
    }

    public int frames(int samples) {
        return samples < params.windowLength() ? 0 : (samples - params.windowLength()) / params.hopLength() + 1;
    }

    /** @return [frame][melBin] log-mel energies of the signal (samples in [-1, 1]) */
    public float[][] compute(float[] samples) {
        int frames = frames(samples.length);
        float[][] out = new float[frames][];
        double[] re = new double[params.fftSize()];
        double[] im = new double[params.fftSize()];
        double[] power = new double[params.fftSize() / 2 + 1];
        for (int f = 0; f < frames; f++) {
            powerSpectrum(samples, f * params.hopLength(), re, im, power);
            out[f] = melLog(power);
        }
        return out;
    }

    /**
     * The windowed power spectrum |X[k]|^2, k = 0..fftSize/2, of the frame starting at offset. The real frame is
     * packed as fftSize/2 complex values (even samples real, odd imaginary), transformed by one FFT of half the size
     * and split into the spectrum of the real frame (the FFT was the log-mel's top cost in the job's profile).
     */
    void powerSpectrum(float[] samples, int offset, double[] re, double[] im, double[] power) {
        int half = params.fftSize() / 2;
        for (int m = 0; m < half; m++) {
            int even = 2 * m;
            int odd = even + 1;
            re[m] = even < window.length ? samples[offset + even] * window[even] : 0;
            im[m] = odd < window.length ? samples[offset + odd] * window[odd] : 0;
        }
        halfFft.transform(re, im);
        for (int k = 0; k <= half; k++) {
            int at = k % half;
            int mirror = (half - k) % half;
            // Z[k] and conj(Z[half - k]) give the spectra of the even (E) and odd (O) samples: X[k] = E[k] + W^k O[k]
            double zr = re[at];
            double zi = im[at];
            double cr = re[mirror];
            double ci = -im[mirror];
            double er = (zr + cr) / 2;
            double ei = (zi + ci) / 2;
            double or = (zi - ci) / 2;
            double oi = (cr - zr) / 2;
            double xr = er + twiddleCos[k] * or - twiddleSin[k] * oi;
            double xi = ei + twiddleCos[k] * oi + twiddleSin[k] * or;
            power[k] = xr * xr + xi * xi;
        }
    }

    double[] window() {
        return window;
    }

    private float[] melLog(double[] power) {
        float[] mel = new float[filters.length];
        for (int b = 0; b < filters.length; b++) {
            double energy = 0;
            double[] filter = filters[b];
            // only the filter's non-zero bins: the same sum, a tenth of the work (bench pipeline showed it hot)
            for (int k = filterFrom[b]; k < filterTo[b]; k++) {
                energy += filter[k] * power[k];
            }
            mel[b] = (float) Math.log(energy + LOG_FLOOR);
        }
        return mel;
    }

    private static double[][] melFilters(Params p) {
        int bins = p.fftSize() / 2 + 1;
        double minMel = hzToMel(p.minHz());
        double maxMel = hzToMel(p.maxHz());
        double[] edgesHz = new double[p.melBins() + 2];
        for (int i = 0; i < edgesHz.length; i++) {
            edgesHz[i] = melToHz(minMel + i * (maxMel - minMel) / (p.melBins() + 1));
        }
        double[][] filters = new double[p.melBins()][bins];
        for (int b = 0; b < p.melBins(); b++) {
            double left = edgesHz[b];
            double centre = edgesHz[b + 1];
            double right = edgesHz[b + 2];
            for (int k = 0; k < bins; k++) {
                double hz = (double) k * p.sampleRate() / p.fftSize();
                if (hz > left && hz < right) {
                    filters[b][k] = hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre);
                }
            }
        }
        return filters;
    }
}
