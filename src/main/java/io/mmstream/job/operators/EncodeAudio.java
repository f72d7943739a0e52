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
 * Adapter: log-mel patches, batched, through {@link MediaEncoders#audio}; each patch leaves as its embedding, or alone
 * to the dead letters when the encoder fails on it.
 */
public final class EncodeAudio extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private final int deadLetterValueBytes;
    private transient ModelSettings.Leased<MediaEncoders> encoders;
    private transient Counter encoded;
    private transient Counter failed;

    public EncodeAudio(ModelSettings models, BatchPolicy policy, int deadLetterValueBytes) {
        super(policy);
        this.models = models;
        this.deadLetterValueBytes = deadLetterValueBytes;
    }

    @Override
    public void open() throws Exception {
        super.open();
        encoders = models.encoders();
        encoders.value().warmUpAudio();
        encoded = getMetricGroup().counter("patchesEncoded");
        failed = getMetricGroup().counter("patchesFailed");
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        List<float[]> patches = new ArrayList<>(batch.size());
        batch.forEach(record -> patches.add(record.getValue().features()));
        List<MediaEncoders.Encoded> outcomes = encoders.value().audio(patches);
        for (int i = 0; i < batch.size(); i++) {
            ModalEvent patch = batch.get(i).getValue();
            MediaEncoders.Encoded outcome = outcomes.get(i);
            if (outcome.ok()) {
                // the record keeps the log time of the chunk that completed the patch: the windows measure silence by it
                emit(patch.encoded(outcome.embedding()), batch.get(i));
                encoded.inc();
            } else {
                // the windows will show the audio absent at this instant; the dead letter keeps the chunk that completed the patch
                output.collect(SideOutputs.DEAD_LETTERS, new StreamRecord<>(DeadLetters.of(patch,
                        "audio encoder failed on the patch at " + patch.captureMicros() + " us: " + outcome.error(),
                        DeadLetters.STAGE_INFERENCE, deadLetterValueBytes)));
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
