package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StftTest {

    private final Stft stft = new Stft(512, 128);

    @Test
    void theInverseGivesTheSignalBack() {
        Random random = new Random(5);
        float[] signal = new float[16000 + 200]; // 127 frames: the last one without a partner in the paired FFTs
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) random.nextGaussian();
        }
        Stft.Spectrum spectrum = stft.forward(signal);
        assertThat(spectrum.frames()).isEqualTo(1 + signal.length / 128);
        assertThat(spectrum.bins()).isEqualTo(257);
        float[] back = stft.inverse(spectrum, signal.length);
        for (int i = 0; i < signal.length; i++) {
            assertThat(back[i]).as("sample %d", i).isCloseTo(signal[i], within(1e-4f));
        }
    }

    @Test
    void theTailAloneIsTheTailOfTheWhole() {
        Random random = new Random(6);
        float[] signal = new float[32_000];
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) random.nextGaussian();
        }
        Stft.Spectrum spectrum = stft.forward(signal);
        float[] whole = stft.inverse(spectrum, signal.length);
        float[] tail = stft.inverse(spectrum, null, 0, signal.length, 16_000);
        assertThat(tail).hasSize(16_000);
        for (int i = 0; i < tail.length; i++) {
            assertThat(tail[i]).as("sample %d", 16_000 + i).isCloseTo(whole[16_000 + i], within(1e-5f));
        }
    }

    @Test
    void aSineOnABinPeaksThereWithAQuarterOfTheFrameTimesItsAmplitude() {
        // a Hann window sums to fft / 2, and a real sine puts half its amplitude on its positive frequency
        float[] signal = new float[4096];
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) (0.8 * Math.cos(2 * Math.PI * 20 * i / 512.0));
        }
        Stft.Spectrum spectrum = stft.forward(signal);
        int middle = spectrum.frames() / 2;
        double peak = Math.hypot(spectrum.re()[middle][20], spectrum.im()[middle][20]);
        assertThat(peak).isCloseTo(0.8 * 512 / 4, within(1e-2));
        assertThat(Math.hypot(spectrum.re()[middle][40], spectrum.im()[middle][40])).isLessThan(1e-2);
    }

    @Test
    void aMaskOfZerosSilencesAndOfHalvesHalves() {
        float[] signal = new float[2000];
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) Math.sin(i * 0.3);
        }
        Stft.Spectrum spectrum = stft.forward(signal);
        int values = spectrum.frames() * spectrum.bins();
        float[] zeros = new float[values];
        // a mask read from an offset, as a batch's masks are: what lies before it must not count
        float[] halves = new float[7 + values];
        java.util.Arrays.fill(halves, 0, 7, 100f);
        java.util.Arrays.fill(halves, 7, halves.length, 0.5f);
        assertThat(stft.inverse(spectrum, zeros, 0, signal.length, 0)).containsOnly(0f);
        assertThat(stft.inverse(spectrum, halves, 7, signal.length, 0)[1000]).isCloseTo(signal[1000] / 2, within(1e-4f));
    }
}
