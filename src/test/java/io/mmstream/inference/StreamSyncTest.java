package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stream's offset over its recent decisive windows: flat windows change nothing, one wild window moves nothing; a
 * window's offset lies between the head's whole steps, and the estimate is what a head reading it is given.
 */
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

    @Test
    void aWindowsOffsetLiesBetweenTheStepsWhereItsNeighboursSayIt() {
        Decoding.Offset offset = new Decoding.Offset("offset_logits", "in_sync", STEP);
        List<String> labels = List.of("-1", "0", "1", "2");
        assertThat(offset.offsetMicros(labels, new float[] {0.1f, 0.2f, 0.6f, 0.1f})).as("the best step's neighbours pull it towards the heavier one")
                .isBetween(STEP - STEP / 2, STEP);
        assertThat(offset.offsetMicros(labels, new float[] {0.1f, 0.1f, 0.6f, 0.2f})).isBetween(STEP, STEP + STEP / 2);
        assertThat(offset.offsetMicros(labels, new float[] {0.1f, 0.2f, 0.5f, 0.2f})).as("even neighbours: the step itself").isEqualTo(STEP);
        // a parabola through the logs of 0.2, 0.6, 0.1 peaks at 0.5 * (ln 0.2 - ln 0.1) / (ln 0.2 - 2 ln 0.6 + ln 0.1) steps
        double peak = 0.5 * (Math.log(0.2) - Math.log(0.1)) / (Math.log(0.2) - 2 * Math.log(0.6) + Math.log(0.1));
        assertThat(offset.offsetMicros(labels, new float[] {0.1f, 0.2f, 0.6f, 0.1f})).isCloseTo(Math.round((1 + peak) * STEP), org.assertj.core.api.Assertions.within(2L));
        assertThat(offset.offsetMicros(labels, new float[] {0.1f, 0.1f, 0.1f, 0.7f})).as("at the last label: no neighbour above").isEqualTo(2 * STEP);
    }

    @Test
    void theEstimateAsAModelInputIsSecondsAgreementAndTheShareOfWindows() {
        assertThat(StreamSync.input(null)).containsExactly(0f, 0f, 0f);
        assertThat(StreamSync.input(new StreamSync.Estimate(-200_000, 0.75f, 3))).containsExactly(-0.2f, 0.75f, 3f / StreamSync.WINDOWS);
    }
}
