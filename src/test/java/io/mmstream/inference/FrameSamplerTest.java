package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which frames are encoded under overload, and which repeat their stream's last encoded one. */
class FrameSamplerTest {

    private static final long STEP = 66_667;
    /** On a grid step that every stride keeps (its index a multiple of 8): step k at T0 + k STEP. */
    private static final long T0 = 1_700_000_000_000_000L / (8 * STEP) * 8 * STEP;

    @Test
    void theStrideDoublesWithEachMultipleOfTheLagUpToEveryEighthStep() {
        OverloadPolicy policy = new OverloadPolicy(0, 1000);
        assertThat(List.of(0L, 1000L, 1001L, 1999L, 2000L, 2999L, 3000L, 60_000L)).extracting(policy::frameStride)
                .containsExactly(1, 1, 2, 2, 4, 4, 8, 8);
        assertThat(new OverloadPolicy(2000).frameStride(Long.MAX_VALUE)).as("0: every frame").isEqualTo(1);
    }

    @Test
    void behindByMoreThanTheLagEveryOtherStepIsEncodedAndTheOthersRepeatTheFrameBefore() {
        FrameSampler sampler = new FrameSampler(new OverloadPolicy(0, 1000), STEP);
        // two streams interleaved, 15 frames each on the grid from step 1 (odd: the first frame is off the stride), 1.5 s behind
        List<FrameSampler.Frame> frames = new ArrayList<>();
        for (int k = 1; k <= 15; k++) {
            frames.add(new FrameSampler.Frame("cam-a", T0 + k * STEP, 1500));
            frames.add(new FrameSampler.Frame("cam-b", T0 + k * STEP + 1000, 1500));
        }
        boolean[] encode = sampler.toEncode(frames);
        List<Integer> encodedSteps = new ArrayList<>();
        for (int i = 0; i < frames.size(); i += 2) {
            assertThat(encode[i + 1]).as("both streams alike").isEqualTo(encode[i]);
            if (encode[i]) {
                encodedSteps.add(1 + i / 2);
            }
        }
        // the first frame has none before it to repeat; then the even steps
        assertThat(encodedSteps).containsExactly(1, 2, 4, 6, 8, 10, 12, 14);

        // a skipped frame carries the embedding of its stream's last encoded frame before it
        sampler.encoded("cam-a", T0 + 2 * STEP, new float[] {2});
        assertThat(sampler.repeat("cam-a", T0 + 3 * STEP)).containsExactly(2);
        assertThat(sampler.repeat("cam-a", T0 + STEP)).as("never one captured after it").isNull();
        assertThat(sampler.repeat("cam-b", T0 + 3 * STEP)).isNull();

        // caught up, every frame is encoded again; a stream that paused starts with an encoded frame
        assertThat(sampler.toEncode(List.of(new FrameSampler.Frame("cam-a", T0 + 3 * STEP, 200)))).containsExactly(true);
        assertThat(sampler.toEncode(List.of(new FrameSampler.Frame("cam-a", T0 + 41 * STEP, 1500)))).containsExactly(true);
    }

    @Test
    void atThirtyFramesASecondBothFramesOfAKeptStepAreEncoded() {
        FrameSampler sampler = new FrameSampler(new OverloadPolicy(0, 1000), STEP);
        sampler.encoded("cam", T0 - STEP / 2, new float[] {0});
        List<FrameSampler.Frame> frames = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            frames.add(new FrameSampler.Frame("cam", T0 + i * STEP / 2, 2500)); // 2.5 s behind: every 4th step
        }
        // steps 0, 0, 1, 1, 2, 2, 3, 3: only step 0's two frames
        assertThat(sampler.toEncode(frames)).containsExactly(true, true, false, false, false, false, false, false);
    }
}
