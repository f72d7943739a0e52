package io.mmstream.media;

import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Short-time Fourier transform and its inverse, as {@code torch.stft}/{@code torch.istft} compute them with
 * {@code center=True} (the signal zero-padded by half a frame on each side), a periodic Hann window and
 * {@code onesided=True}: frame f covers samples [f hop - fft/2, f hop + fft/2), and there are 1 + samples / hop
 * frames. The inverse overlap-adds the windowed frames and divides by the summed squared window, so that
 * {@code inverse(forward(x))} gives x back wherever the window sum is not zero (everywhere, for hop <= fft / 2).
 */
public final class Stft {

    /** One spectrogram: real and imaginary parts, [frame][bin], bins 0 .. fft / 2; a frame not computed has null rows. */
    public record Spectrum(float[][] re, float[][] im) {

        public int frames() {
            return re.length;
        }

        public int bins() {
            for (float[] row : re) {
                if (row != null) {
                    return row.length;
                }
            }
            return 0;
        }

    }

    private final int fftSize;
    private final int hop;
    private final double[] window;
    private final Fft fft;

    public Stft(int fftSize, int hop) {
        if (hop <= 0 || hop > fftSize / 2) {
            throw new IllegalArgumentException("hop must be in 1 .. fft / 2 = " + fftSize / 2 + ", was " + hop);
        }
        this.fftSize = fftSize;
        this.hop = hop;
        this.fft = new Fft(fftSize);
        this.window = new double[fftSize];
        for (int i = 0; i < fftSize; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / fftSize);
        }
    }

    public int bins() {
        return fftSize / 2 + 1;
    }

    public int frames(int samples) {
        return 1 + samples / hop;
    }

    public Spectrum forward(float[] samples) {
        return forward(samples, frame -> true);
    }

    /**
     * The spectrum of the frames {@code computed} accepts; the others' rows are null (a caller that has them from an
     * overlapping signal fills them in).
     */
    public Spectrum forward(float[] samples, IntPredicate computed) {
        int frames = frames(samples.length);
        float[][] re = new float[frames][];
        float[][] im = new float[frames][];
        int[] wanted = IntStream.range(0, frames).filter(computed).toArray();
        double[] zRe = new double[fftSize];
        double[] zIm = new double[fftSize];
        // two real frames in one complex FFT: one as the real part, the next wanted as the imaginary part, told apart
        // afterwards by the symmetry of a real signal's spectrum (half the FFTs)
        for (int w = 0; w < wanted.length; w += 2) {
            int f = wanted[w];
            int g = w + 1 < wanted.length ? wanted[w + 1] : -1;
            windowed(samples, f, zRe);
            if (g >= 0) {
                windowed(samples, g, zIm);
            } else {
                java.util.Arrays.fill(zIm, 0);
            }
            fft.transform(zRe, zIm);
            re[f] = new float[bins()];
            im[f] = new float[bins()];
            if (g >= 0) {
                re[g] = new float[bins()];
                im[g] = new float[bins()];
            }
            for (int k = 0; k < bins(); k++) {
                int mirror = (fftSize - k) % fftSize;
                re[f][k] = (float) ((zRe[k] + zRe[mirror]) / 2);
                im[f][k] = (float) ((zIm[k] - zIm[mirror]) / 2);
                if (g >= 0) {
                    re[g][k] = (float) ((zIm[k] + zIm[mirror]) / 2);
                    im[g][k] = (float) (-(zRe[k] - zRe[mirror]) / 2);
                }
            }
        }
        return new Spectrum(re, im);
    }

    /** The first sample frame f covers (negative for the frames in the padding before the signal). */
    public int frameStart(int frame) {
        return frame * hop - fftSize / 2;
    }

    public int fftSize() {
        return fftSize;
    }

    public int hop() {
        return hop;
    }

    /** The first frame that {@link #inverse(Spectrum, float[], int, int, int)} inverts for samples from {@code from} on. */
    public int firstFrameReaching(int from) {
        return Math.max(0, (from - fftSize / 2) / hop);
    }

    /** The frame's samples times the window into {@code out}, zero beyond the signal (a loop the JIT vectorises inside it). */
    private void windowed(float[] samples, int frame, double[] out) {
        int start = frameStart(frame);
        if (start >= 0 && start + fftSize <= samples.length) {
            for (int i = 0; i < fftSize; i++) {
                out[i] = samples[start + i] * window[i];
            }
            return;
        }
        for (int i = 0; i < fftSize; i++) {
            int n = start + i;
            out[i] = n >= 0 && n < samples.length ? samples[n] * window[i] : 0;
        }
    }

    /** The signal of the given length whose spectrum this is (frames beyond the signal are ignored). */
    public float[] inverse(Spectrum spectrum, int samples) {
        return inverse(spectrum, null, 0, samples, 0);
    }

    /**
     * The samples [from, samples) of the signal of the given length whose spectrum, each bin scaled by the mask, this
     * is (the spectrum of a separated source): only the frames that reach them are masked and inverted.
     *
     * @param mask [frame][bin] row-major from {@code maskOffset}, as the spectrum's frames and bins; null for none
     */
    public float[] inverse(Spectrum spectrum, float[] mask, int maskOffset, int samples, int from) {
        int bins = bins();
        double[] sum = new double[samples - from];
        double[] windowSum = new double[samples - from];
        double[] zRe = new double[fftSize];
        double[] zIm = new double[fftSize];
        int first = firstFrameReaching(from);
        int last = Math.min(spectrum.frames() - 1, (samples - 1 + fftSize / 2) / hop);
        // two frames in one inverse FFT: z = x + i y for the full (Hermitian) spectra x and y of two real frames; the
        // inverse as the conjugate of the forward FFT of the conjugate gives frame f in the real part, f + 1 in the other
        for (int f = first; f <= last; f += 2) {
            boolean pair = f + 1 <= last;
            for (int k = 0; k < fftSize; k++) {
                int source = k < bins ? k : fftSize - k;
                double sign = k < bins ? 1 : -1;
                double x = mask == null ? 1 : mask[maskOffset + f * bins + source];
                double y = mask == null || !pair ? 1 : mask[maskOffset + (f + 1) * bins + source];
                double xRe = x * spectrum.re()[f][source];
                double xIm = k == 0 || k == fftSize / 2 ? 0 : x * sign * spectrum.im()[f][source];
                double yRe = pair ? y * spectrum.re()[f + 1][source] : 0;
                double yIm = !pair || k == 0 || k == fftSize / 2 ? 0 : y * sign * spectrum.im()[f + 1][source];
                zRe[k] = xRe - yIm;
                zIm[k] = -(xIm + yRe);
            }
            fft.transform(zRe, zIm);
            overlapAdd(zRe, 1, f, from, sum, windowSum);
            if (pair) {
                overlapAdd(zIm, -1, f + 1, from, sum, windowSum);
            }
        }
        float[] out = new float[samples - from];
        for (int n = 0; n < out.length; n++) {
            out[n] = windowSum[n] > 1e-11 ? (float) (sum[n] / windowSum[n]) : 0;
        }
        return out;
    }

    /** Adds one inverted frame (sign * values / fft), windowed again, into the output from sample {@code from} on. */
    private void overlapAdd(double[] values, double sign, int frame, int from, double[] sum, double[] windowSum) {
        int offset = frameStart(frame) - from; // where the frame's sample 0 falls in the output
        int first = Math.max(0, -offset);
        int end = Math.min(fftSize, sum.length - offset);
        double scale = sign / fftSize;
        for (int i = first; i < end; i++) {
            sum[offset + i] += values[i] * scale * window[i];
            windowSum[offset + i] += window[i] * window[i];
        }
    }
}
