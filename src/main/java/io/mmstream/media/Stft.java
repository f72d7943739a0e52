package io.mmstream.media;

/**
 * Short-time Fourier transform and its inverse, as {@code torch.stft}/{@code torch.istft} compute them with
 * {@code center=True} (the signal zero-padded by half a frame on each side), a periodic Hann window and
 * {@code onesided=True}: frame f covers samples [f hop - fft/2, f hop + fft/2), and there are 1 + samples / hop
 * frames. The inverse overlap-adds the windowed frames and divides by the summed squared window, so that
 * {@code inverse(forward(x))} gives x back wherever the window sum is not zero (everywhere, for hop <= fft / 2).
 */
public final class Stft {

    /** One spectrogram: real and imaginary parts, [frame][bin], bins 0 .. fft / 2. */
    public record Spectrum(float[][] re, float[][] im) {

        public int frames() {
            return re.length;
        }

        public int bins() {
            return re.length == 0 ? 0 : re[0].length;
        }

        /** Each bin scaled by the mask's value for it ([frame][bin], as this): the spectrum of a separated source. */
        public Spectrum masked(float[][] mask) {
            float[][] maskedRe = new float[re.length][];
            float[][] maskedIm = new float[im.length][];
            for (int f = 0; f < re.length; f++) {
                maskedRe[f] = new float[re[f].length];
                maskedIm[f] = new float[im[f].length];
                for (int k = 0; k < re[f].length; k++) {
                    maskedRe[f][k] = re[f][k] * mask[f][k];
                    maskedIm[f][k] = im[f][k] * mask[f][k];
                }
            }
            return new Spectrum(maskedRe, maskedIm);
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
        int frames = frames(samples.length);
        float[][] re = new float[frames][bins()];
        float[][] im = new float[frames][bins()];
        double[] frameRe = new double[fftSize];
        double[] frameIm = new double[fftSize];
        for (int f = 0; f < frames; f++) {
            int first = f * hop - fftSize / 2;
            for (int i = 0; i < fftSize; i++) {
                int n = first + i;
                frameRe[i] = n >= 0 && n < samples.length ? samples[n] * window[i] : 0;
                frameIm[i] = 0;
            }
            fft.transform(frameRe, frameIm);
            for (int k = 0; k < bins(); k++) {
                re[f][k] = (float) frameRe[k];
                im[f][k] = (float) frameIm[k];
            }
        }
        return new Spectrum(re, im);
    }

    /** The signal of the given length whose spectrum this is (frames beyond the signal are ignored). */
    public float[] inverse(Spectrum spectrum, int samples) {
        double[] sum = new double[samples];
        double[] windowSum = new double[samples];
        double[] frameRe = new double[fftSize];
        double[] frameIm = new double[fftSize];
        for (int f = 0; f < spectrum.frames(); f++) {
            // the inverse FFT as the conjugate of the forward FFT of the conjugate, with the full spectrum rebuilt
            // from its one-sided half by Hermitian symmetry
            for (int k = 0; k < fftSize; k++) {
                int source = k < bins() ? k : fftSize - k;
                frameRe[k] = spectrum.re()[f][source];
                frameIm[k] = k < bins() ? -spectrum.im()[f][source] : spectrum.im()[f][source];
            }
            frameIm[0] = 0;
            frameIm[fftSize / 2] = 0;
            fft.transform(frameRe, frameIm);
            int first = f * hop - fftSize / 2;
            for (int i = 0; i < fftSize; i++) {
                int n = first + i;
                if (n >= 0 && n < samples) {
                    sum[n] += frameRe[i] / fftSize * window[i];
                    windowSum[n] += window[i] * window[i];
                }
            }
        }
        float[] out = new float[samples];
        for (int n = 0; n < samples; n++) {
            out[n] = windowSum[n] > 1e-11 ? (float) (sum[n] / windowSum[n]) : 0;
        }
        return out;
    }
}
