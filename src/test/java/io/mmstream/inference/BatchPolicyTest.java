package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchPolicyTest {

    @Test
    void aBatchIsDueWhenFull() {
        BatchPolicy.Pending<String> pending = new BatchPolicy.Pending<>(new BatchPolicy(3, 50_000_000));
        assertThat(pending.add("a", 0)).isFalse();
        assertThat(pending.add("b", 1)).isFalse();
        assertThat(pending.due(2)).isFalse();
        assertThat(pending.add("c", 2)).isTrue();
        assertThat(pending.due(2)).isTrue();
        assertThat(pending.drain()).containsExactly("a", "b", "c");
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void aBatchIsDueWhenItsOldestItemReachesTheDeadline() {
        BatchPolicy.Pending<String> pending = new BatchPolicy.Pending<>(new BatchPolicy(100, 50));
        pending.add("a", 1_000);
        pending.add("b", 1_030);
        assertThat(pending.deadlineNanos()).isEqualTo(1_050);
        assertThat(pending.due(1_049)).isFalse();
        assertThat(pending.due(1_050)).isTrue();
        pending.drain();
        pending.add("c", 2_000);
        assertThat(pending.deadlineNanos()).as("a new batch starts its own clock").isEqualTo(2_050);
    }
}
