package io.mmstream.inference;

import java.io.Serializable;

/**
 * How the job degrades when inference falls behind its input, instead of building a backlog without bound: a window
 * whose end lies more than {@code maxWindowLagMillis} behind the wall clock when its models would run is shed (its
 * prediction says why in every result, and no model runs on it), so the windows that are predicted stay recent.
 *
 * @param maxWindowLagMillis 0: never shed (a replay that catches up on purpose must not shed)
 */
public record OverloadPolicy(long maxWindowLagMillis) implements Serializable {

    private static final String SHED = "shed under overload";

    public OverloadPolicy {
        if (maxWindowLagMillis < 0) {
            throw new IllegalArgumentException("maxWindowLagMillis must not be negative, was " + maxWindowLagMillis);
        }
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
