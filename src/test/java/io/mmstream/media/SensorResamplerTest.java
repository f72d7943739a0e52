package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SensorResamplerTest {

    @Test
    void valuesAreInterpolatedAtStepCentresAndNormalised() {
        SensorResampler resampler = new SensorResampler(new float[] {1}, new float[] {2}, 30_000);
        long[] times = {0, 20_000, 40_000};
        float[][] values = {{1}, {3}, {5}};
        boolean[] present = new boolean[4];

        float[][] grid = resampler.resample(times, values, 0, 10_000, 4, present);

        // centres at 5, 15, 25, 35 ms: linear values 1.5, 2.5, 3.5, 4.5, then (v - 1) / 2
        assertThat(grid[0][0]).isCloseTo(0.25f, within(1e-6f));
        assertThat(grid[1][0]).isCloseTo(0.75f, within(1e-6f));
        assertThat(grid[3][0]).isCloseTo(1.75f, within(1e-6f));
        assertThat(present).containsOnly(true);
    }

    @Test
    void stepsFarFromAnyReadingAreAbsent() {
        SensorResampler resampler = new SensorResampler(new float[] {0}, new float[] {1}, 14_000);
        boolean[] present = new boolean[10];

        float[][] grid = resampler.resample(new long[] {0, 10_000}, new float[][] {{1}, {2}}, 0, 10_000, 10, present);

        assertThat(present).containsExactly(true, true, false, false, false, false, false, false, false, false);
        assertThat(grid[5][0]).isZero();
    }
}
