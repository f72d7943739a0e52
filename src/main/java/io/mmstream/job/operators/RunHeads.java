package io.mmstream.job.operators;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.WindowHeads;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: fired windows, batched across windows and streams, through {@link WindowHeads}; one encoded Prediction
 * per window. A head that fails still leaves its window's prediction (that head's label null, with the reason),
 * plus a dead letter saying what failed, and a count.
 */
public final class RunHeads extends BatchingOperator<EmbeddedWindow, KeyedBytes> {

    private final ModelSettings models;
    private transient ModelSettings.Leased<WindowHeads> heads;
    private transient Counter predictions;
    private transient Counter failures;
    private transient Histogram captureToEmit;

    public RunHeads(ModelSettings models, BatchPolicy policy) {
        super(policy);
        this.models = models;
    }

    @Override
    public void open() throws Exception {
        super.open();
        heads = models.heads();
        predictions = getMetricGroup().counter("predictions");
        failures = getMetricGroup().counter("inferenceFailures");
        captureToEmit = getMetricGroup().histogram("captureToEmitMillis", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    protected void process(List<StreamRecord<EmbeddedWindow>> batch) {
        List<WindowHeads.WindowResults> results = heads.value().run(batch.stream().map(record -> record.getValue().tensors()).toList());
        long now = System.currentTimeMillis();
        for (int i = 0; i < batch.size(); i++) {
            EmbeddedWindow window = batch.get(i).getValue();
            WindowHeads.WindowResults result = results.get(i);
            byte[] key = window.streamId().getBytes(StandardCharsets.UTF_8);
            var prediction = Records.prediction(window, result, now);
            emit(new KeyedBytes(key, WireCodec.encode(prediction)), batch.get(i));
            predictions.inc();
            captureToEmit.update(prediction.getCaptureToEmitMillis());
            for (String failure : result.failures()) {
                failures.inc();
                DeadLetter letter = DeadLetter.newBuilder()
                        .setSourceTopic("window " + window.streamId() + " [" + window.startMicros() + ", " + window.endMicros() + ") us")
                        .setPartition(-1).setOffset(-1).setKey(ByteBuffer.wrap(key)).setValue(null).setValueSize(0).setValueTruncated(false)
                        .setError(failure).setStage(DeadLetters.STAGE_INFERENCE).setFailedAt(Instant.ofEpochMilli(now)).build();
                output.collect(SideOutputs.DEAD_LETTERS, new StreamRecord<>(new KeyedBytes(key, WireCodec.encode(letter))));
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (heads != null) {
            heads.close();
        }
        super.close();
    }
}
