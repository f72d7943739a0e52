package io.mmstream.bench;

import io.mmstream.align.WindowTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Windows of random embeddings and IMU values with every step present: the heads' cost does not depend on the values. */
public final class SyntheticWindows {

    private SyntheticWindows() {}

    /** {@code count} 2 s windows: 30 frame and 30 audio embeddings of 64 values, 200 IMU steps of 6 axes. */
    public static List<WindowTensors> of(int count, Random random) {
        List<WindowTensors> windows = new ArrayList<>(count);
        for (int w = 0; w < count; w++) {
            windows.add(new WindowTensors(gaussian(random, 30 * 64), ones(30), gaussian(random, 30 * 64), ones(30), gaussian(random, 200 * 6), ones(200)));
        }
        return windows;
    }

    public static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    public static float[] ones(int n) {
        float[] out = new float[n];
        Arrays.fill(out, 1);
        return out;
    }
}
