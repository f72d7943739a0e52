package io.mmstream.inference;

import java.io.Serializable;

/**
 * How the job degrades when inference falls behind its input, instead of building a backlog without bound. First
 * video is sampled: a frame that reaches the frame encoder more than {@code frameSamplingLagMillis} after Kafka logged
 * it is encoded only at every 2nd grid step (4th past twice that lag, 8th past three times), the steps between
 * repeating their stream's last encoded frame (see {@link FrameSampler}); audio and sensors lose nothing. Then whole
 * windows: one whose end lies more than {@code maxWindowLagMillis} behind the wall clock when its models would run is
 * shed (its prediction says why in every result, and no model runs on it), so the windows that are predicted stay recent.
 *
 * @param maxWindowLagMillis 0: never shed (a replay that catches up on purpose must not shed)
 * @param frameSamplingLagMillis 0: every frame is encoded
 */
public record OverloadPolicy(long maxWindowLagMillis, long frameSamplingLagMillis) implements Serializable {

    private static final String SHED = "shed under overload";
    /** Every 8th step at most: below that a 15 fps grid shows less than two frames a second. */
    private static final int MAX_STRIDE_LOG2 = 3;

    public OverloadPolicy {
        if (maxWindowLagMillis < 0 || frameSamplingLagMillis < 0) {
            throw new IllegalArgumentException("lags must not be negative, were " + maxWindowLagMillis + " and " + frameSamplingLagMillis);
        }
    }

    /** Windows shed past the lag; every frame encoded. */
    public OverloadPolicy(long maxWindowLagMillis) {
        this(maxWindowLagMillis, 0);
    }

    public boolean samplesFrames() {
        return frameSamplingLagMillis > 0;
    }

    /**
     * Every how many grid steps a frame is encoded.
     *
     * @param lagMillis how long ago Kafka logged the frame
     * @return 1 (every step), 2, 4 or 8
     */
    public int frameStride(long lagMillis) {
        if (!samplesFrames() || lagMillis <= frameSamplingLagMillis) {
            return 1;
        }
        return 1 << Math.min(MAX_STRIDE_LOG2, lagMillis / frameSamplingLagMillis);
    }

    /** @param lagMillis how far the window's end lies behind the wall clock now */
    public boolean sheds(long lagMillis) {
        return maxWindowLagMillis > 0 && lagMillis > maxWindowLagMillis;
    }

    public String reason(long lagMillis) {
        return SHED + ": the window ended " + lagMillis + " ms ago, more than overload.max-window-lag (" + maxWindowLagMillis + " ms)";
    }

    /** Whether a result's reason says its window was shed: for readers of the predictions. */
    public static boolean shed(String reason) {
        return reason != null && reason.startsWith(SHED);
    }
}
