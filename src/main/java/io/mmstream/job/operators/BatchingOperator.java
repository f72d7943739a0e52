package io.mmstream.job.operators;

import io.mmstream.inference.BatchPolicy;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Collects elements into batches by size or deadline, whichever comes first, and hands each batch to
 * {@link #process}. It also flushes before forwarding a watermark that reaches a waiting element's timestamp (so
 * no element falls behind the event time; a watermark ahead of every waiting element passes and the batch keeps
 * filling: flushing on every watermark cut batches to a few elements), before every checkpoint barrier (so a
 * batch never needs to live in state: exactly-once holds without snapshotting the buffer), before passing on
 * that its inputs went idle, and at the end of a bounded input.
 */
public abstract class BatchingOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, ProcessingTimeCallback {

    private final BatchPolicy policy;
    private transient BatchPolicy.Pending<StreamRecord<IN>> pending;
    private transient boolean timerSet;
    private transient long earliestPendingTimestamp;
    private transient Histogram batchSizes;
    private transient Histogram batchMillis;

    protected BatchingOperator(BatchPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new BatchPolicy.Pending<>(policy);
        earliestPendingTimestamp = Long.MAX_VALUE;
        batchSizes = getMetricGroup().histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        batchMillis = getMetricGroup().histogram("batchMillis", new DescriptiveStatisticsHistogram(1000));
    }

    /** Runs one batch; emit results with {@link #emit}, side outputs through {@link #output}. */
    protected abstract void process(List<StreamRecord<IN>> batch) throws Exception;

    protected final void emit(OUT value, StreamRecord<IN> from) {
        output.collect(from.hasTimestamp() ? new StreamRecord<>(value, from.getTimestamp()) : new StreamRecord<>(value));
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        // the record object may be reused by the runtime once this call returns
        StreamRecord<IN> kept = element.hasTimestamp() ? new StreamRecord<>(element.getValue(), element.getTimestamp())
                : new StreamRecord<>(element.getValue());
        if (element.hasTimestamp()) {
            earliestPendingTimestamp = Math.min(earliestPendingTimestamp, element.getTimestamp());
        }
        if (pending.add(kept, System.nanoTime())) {
            flush();
        } else if (!timerSet) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + Math.max(1, policy.maxDelayNanos() / 1_000_000), this);
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        timerSet = false;
        if (pending.due(System.nanoTime())) {
            flush();
        } else if (!pending.isEmpty()) {
            timerSet = true;
            long waitMillis = Math.max(1, (pending.deadlineNanos() - System.nanoTime()) / 1_000_000);
            getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + waitMillis, this);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (earliestPendingTimestamp <= mark.getTimestamp()) {
            flush();
        }
        super.processWatermark(mark);
    }

    /** Flushes before passing on that the inputs went idle: downstream, idle means nothing more is on the way. */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            flush();
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    private void flush() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        List<StreamRecord<IN>> batch = pending.drain();
        earliestPendingTimestamp = Long.MAX_VALUE;
        long started = System.nanoTime();
        process(batch);
        batchSizes.update(batch.size());
        batchMillis.update((System.nanoTime() - started) / 1_000_000);
    }
}
