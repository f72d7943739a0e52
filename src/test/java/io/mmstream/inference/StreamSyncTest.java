package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A stream's offset over its recent decisive windows: flat windows change nothing, one wild window moves nothing. */
class StreamSyncTest {

    private static final long STEP = 66_667;
    private static final float[] DECISIVE = {0.05f, 0.8f, 0.15f};
    private static final float[] FLAT = {0.3f, 0.35f, 0.35f};

    @Test
    void theMedianOfTheDecisiveWindowsHoldsThroughOneWildWindow() {
        long[] recent = new long[0];
        assertThat(StreamSync.estimate(recent, STEP)).isNull();
        for (long offset : new long[] {200_000, 200_000, 266_667, 200_000, 133_333}) {
            recent = StreamSync.next(recent, offset, DECISIVE);
        }
        recent = StreamSync.next(recent, -333_333L, DECISIVE);
        StreamSync.Estimate estimate = StreamSync.estimate(recent, STEP);
        assertThat(estimate.offsetMicros()).isEqualTo(200_000);
        assertThat(estimate.windows()).isEqualTo(6);
        assertThat(estimate.agreement()).isEqualTo(5f / 6);
    }

    @Test
    void aFlatOrMissingEstimateLeavesTheStreamAsItWas() {
        long[] recent = StreamSync.next(new long[0], 0L, DECISIVE);
        assertThat(StreamSync.next(recent, 333_333L, FLAT)).isSameAs(recent);
        assertThat(StreamSync.next(recent, null, new float[0])).isSameAs(recent);
    }

    @Test
    void onlyTheRecentWindowsCount() {
        long[] recent = new long[0];
        for (int i = 0; i < StreamSync.WINDOWS; i++) {
            recent = StreamSync.next(recent, 0L, DECISIVE);
        }
        for (int i = 0; i < StreamSync.WINDOWS / 2 + 1; i++) {
            recent = StreamSync.next(recent, 200_000L, DECISIVE);
        }
        assertThat(recent).hasSize(StreamSync.WINDOWS);
        assertThat(StreamSync.estimate(recent, STEP).offsetMicros()).as("the stream's audio drifted late, and the estimate followed")
                .isEqualTo(200_000);
    }
}
