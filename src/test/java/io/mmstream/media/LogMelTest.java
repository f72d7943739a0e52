package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogMelTest {

    private final LogMel logMel = new LogMel(LogMel.Params.standard());

    private static float[] tone(double hz, int samples) {
        float[] out = new float[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16_000));
        }
        return out;
    }

    @Test
    void framesFollowTheHop() {
        assertThat(logMel.frames(399)).isZero();
        assertThat(logMel.frames(400)).isEqualTo(1);
        assertThat(logMel.frames(1600)).isEqualTo(8);
        assertThat(logMel.compute(new float[1600])).hasDimensions(8, 64);
    }

    @Test
    void aPureToneLandsInTheMelBandAroundItsFrequency() {
        for (double hz : new double[] {300, 1000, 3000, 6000}) {
            float[][] mel = logMel.compute(tone(hz, 16_000));
            float[] frame = mel[mel.length / 2];
            int loudest = 0;
            for (int b = 1; b < frame.length; b++) {
                if (frame[b] > frame[loudest]) {
                    loudest = b;
                }
            }
            // the band whose centre is nearest to the tone, computed here from the mel formula itself
            double toneMel = 2595 * Math.log10(1 + hz / 700);
            double bandWidthMel = 2595 * Math.log10(1 + 8000 / 700.0) / 65;
            int expected = (int) Math.round(toneMel / bandWidthMel) - 1;
            assertThat(loudest).as("%s Hz", hz).isBetween(expected - 1, expected + 1);
            assertThat(frame[loudest] - frame[(loudest + 20) % 64]).as("the tone stands out").isGreaterThan(5);
        }
    }

    @Test
    void theFftPathMatchesADirectDft() {
        SplittableRandom random = new SplittableRandom(3);
        float[] signal = new float[400];
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) random.nextDouble(-1, 1);
        }
        double[] re = new double[512];
        double[] im = new double[512];
        double[] power = new double[257];
        logMel.powerSpectrum(signal, 0, re, im, power);

        double[] window = logMel.window();
        for (int k = 0; k <= 256; k++) {
            double sumRe = 0;
            double sumIm = 0;
            for (int n = 0; n < 400; n++) {
                double x = signal[n] * window[n];
                sumRe += x * Math.cos(2 * Math.PI * k * n / 512);
                sumIm -= x * Math.sin(2 * Math.PI * k * n / 512);
            }
            assertThat(power[k]).as("bin %d", k).isCloseTo(sumRe * sumRe + sumIm * sumIm, within(1e-9 * (1 + power[k])));
        }
    }

    @Test
    void silenceIsTheLogFloor() {
        float[][] mel = logMel.compute(new float[800]);
        assertThat(mel[0][10]).isCloseTo((float) Math.log(LogMel.LOG_FLOOR), within(1e-4f));
    }
}
