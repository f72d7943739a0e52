package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {

    private static float[] tone(double hz, int rate, int samples) {
        float[] out = new float[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return out;
    }

    /** Amplitude of the given frequency in the middle of the signal (away from the chunk's edges). */
    private static double amplitude(float[] signal, double hz, int rate) {
        double re = 0;
        double im = 0;
        int from = signal.length / 4;
        int to = 3 * signal.length / 4;
        for (int i = from; i < to; i++) {
            re += signal[i] * Math.cos(2 * Math.PI * hz * i / rate);
            im += signal[i] * Math.sin(2 * Math.PI * hz * i / rate);
        }
        return 2 * Math.hypot(re, im) / (to - from);
    }

    @ParameterizedTest
    @ValueSource(ints = {8_000, 11_025, 22_050, 32_000, 44_100, 48_000})
    void aToneKeepsItsPitchAndLevelAndTheDurationIsKept(int rate) {
        float[] resampled = Resampler.resample(tone(1000, rate, rate / 10), rate, 16_000);
        assertThat(resampled).hasSize((int) Math.round(rate / 10 * 16_000.0 / rate));
        assertThat(amplitude(resampled, 1000, 16_000)).isCloseTo(0.5, within(0.02));
    }

    @ParameterizedTest
    @ValueSource(ints = {44_100, 48_000})
    void whatLiesAboveTheNewNyquistFrequencyIsFilteredNotFoldedBack(int rate) {
        // 11 kHz would fold to 5 kHz at 16 kHz without the low-pass
        float[] resampled = Resampler.resample(tone(11_000, rate, rate / 10), rate, 16_000);
        assertThat(amplitude(resampled, 5_000, 16_000)).isLessThan(0.01);
    }
}
