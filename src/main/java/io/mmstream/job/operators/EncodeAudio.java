package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Adapter: log-mel patches, batched, through {@link MediaEncoders#audio}; each patch leaves as its embedding. */
public final class EncodeAudio extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private transient ModelSettings.Leased<MediaEncoders> encoders;
    private transient Counter encoded;
    private transient Counter failed;

    public EncodeAudio(ModelSettings models, BatchPolicy policy) {
        super(policy);
        this.models = models;
    }

    @Override
    public void open() throws Exception {
        super.open();
        encoders = models.encoders();
        encoded = getMetricGroup().counter("patchesEncoded");
        failed = getMetricGroup().counter("patchesFailed");
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        List<float[]> patches = new ArrayList<>(batch.size());
        batch.forEach(record -> patches.add(record.getValue().features()));
        List<float[]> embeddings;
        try {
            embeddings = encoders.value().audio(patches);
        } catch (InferenceException e) {
            // the chunks behind these patches were read; the windows will show the audio absent at these steps
            for (StreamRecord<ModalEvent> record : batch) {
                output.collect(RouteRejections.DEAD_LETTERS, new StreamRecord<>(DeadLetters.of(record.getValue(),
                        "audio encoder failed on the patch at " + record.getValue().captureMicros() + " us: " + e.getMessage(),
                        DeadLetters.STAGE_INFERENCE, 0)));
            }
            failed.inc(batch.size());
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            // a patch's event time is its instant, not the later moment its patch was cut
            ModalEvent patch = batch.get(i).getValue();
            emit(patch.encoded(embeddings.get(i)), patch.eventTimeMillis());
        }
        encoded.inc(batch.size());
    }

    @Override
    public void close() throws Exception {
        if (encoders != null) {
            encoders.close();
        }
        super.close();
    }
}
