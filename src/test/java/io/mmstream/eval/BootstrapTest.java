package io.mmstream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The interval resamples streams, not windows: it is as wide as the streams disagree, and repeatable. */
class BootstrapTest {

    @Test
    void streamsThatAgreeGiveAPointAndStreamsThatDisagreeAnIntervalAroundThePooledShare() {
        int[] total = {100, 100, 100, 100};
        int[] same = {80, 80, 80, 80};
        Bootstrap.Interval point = Bootstrap.interval(4, w -> Bootstrap.share(w, same, total), 7);
        assertThat(point.low()).isEqualTo(0.8);
        assertThat(point.high()).isEqualTo(0.8);

        int[] spread = {50, 70, 90, 110 - 10};
        double pooled = Bootstrap.share(new int[] {1, 1, 1, 1}, spread, total);
        Bootstrap.Interval interval = Bootstrap.interval(4, w -> Bootstrap.share(w, spread, total), 7);
        assertThat(pooled).isEqualTo(0.775);
        assertThat(interval.low()).isLessThan(pooled).isGreaterThanOrEqualTo(0.5);
        assertThat(interval.high()).isGreaterThan(pooled).isLessThanOrEqualTo(1.0);
        assertThat(Bootstrap.interval(4, w -> Bootstrap.share(w, spread, total), 7)).isEqualTo(interval);
    }

    @Test
    void resamplesWithNothingToScoreAreLeftOut() {
        int[] right = {1, 0};
        int[] total = {1, 0};
        Bootstrap.Interval interval = Bootstrap.interval(2, w -> Bootstrap.share(w, right, total), 3);
        assertThat(interval.low()).isEqualTo(1.0);
        assertThat(interval.high()).isEqualTo(1.0);
    }
}
