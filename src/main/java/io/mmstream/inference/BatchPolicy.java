package io.mmstream.inference;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches form by size or by deadline, whichever comes first, so throughput grows with load while latency stays
 * bounded by maxDelayNanos when load is light.
 */
public record BatchPolicy(int maxSize, long maxDelayNanos) implements Serializable {

    public BatchPolicy {
        if (maxSize < 1 || maxDelayNanos < 0) {
            throw new IllegalArgumentException("batch size must be at least 1 and the delay not negative");
        }
    }

    /** Items waiting for one batch, with the arrival time of the oldest. */
    public static final class Pending<T> {
        private final BatchPolicy policy;
        private final List<T> items = new ArrayList<>();
        private long oldestNanos;

        public Pending(BatchPolicy policy) {
            this.policy = policy;
        }

        /** @return true when the batch is full and should run now */
        public boolean add(T item, long nowNanos) {
            if (items.isEmpty()) {
                oldestNanos = nowNanos;
            }
            items.add(item);
            return items.size() >= policy.maxSize();
        }

        /** When the oldest item's deadline falls; meaningless when empty. */
        public long deadlineNanos() {
            return oldestNanos + policy.maxDelayNanos();
        }

        public boolean due(long nowNanos) {
            return !items.isEmpty() && (items.size() >= policy.maxSize() || nowNanos >= deadlineNanos());
        }

        public boolean isEmpty() {
            return items.isEmpty();
        }

        /** Takes the waiting items out as one batch. */
        public List<T> drain() {
            List<T> batch = new ArrayList<>(items);
            items.clear();
            return batch;
        }
    }
}
