package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: video frames, batched, through {@link MediaEncoders#frames}; each frame leaves as its embedding. A frame
 * that cannot be decoded, or that the encoder fails on, goes alone to the dead letters with its original record.
 */
public final class EncodeFrames extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private final int deadLetterValueBytes;
    private transient ModelSettings.Leased<MediaEncoders> encoders;
    private transient Counter encoded;
    private transient Counter failed;

    public EncodeFrames(ModelSettings models, BatchPolicy policy, int deadLetterValueBytes) {
        super(policy);
        this.models = models;
        this.deadLetterValueBytes = deadLetterValueBytes;
    }

    @Override
    public void open() throws Exception {
        super.open();
        encoders = models.encoders();
        encoders.value().warmUpFrames();
        encoded = getMetricGroup().counter("framesEncoded");
        failed = getMetricGroup().counter("framesFailed");
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        List<byte[]> records = new ArrayList<>(batch.size());
        batch.forEach(record -> records.add(record.getValue().payload()));
        List<MediaEncoders.Encoded> outcomes = encoders.value().frames(records);
        for (int i = 0; i < batch.size(); i++) {
            StreamRecord<ModalEvent> record = batch.get(i);
            MediaEncoders.Encoded outcome = outcomes.get(i);
            if (outcome.ok()) {
                emit(record.getValue().encoded(outcome.embedding()), record);
                encoded.inc();
            } else {
                output.collect(SideOutputs.DEAD_LETTERS, new StreamRecord<>(
                        DeadLetters.of(record.getValue(), outcome.error(), DeadLetters.STAGE_ENCODE, deadLetterValueBytes)));
                failed.inc();
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (encoders != null) {
            encoders.close();
        }
        super.close();
    }
}
