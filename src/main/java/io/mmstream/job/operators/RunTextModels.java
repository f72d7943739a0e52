package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.StepModels;
import io.mmstream.schema.TextEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: text events, batched, through the models run from their card per text ({@link StepModels}); each
 * event leaves unchanged but for its step results, on its way to its windows.
 */
public final class RunTextModels extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private transient ModelSettings.Leased<StepModels> stepModels;

    public RunTextModels(ModelSettings models, BatchPolicy policy) {
        super(policy);
        this.models = models;
    }

    @Override
    public void open() throws Exception {
        super.open();
        stepModels = models.stepModels(ModelCard.Stage.TEXT);
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        List<String> texts = new ArrayList<>(batch.size());
        for (StreamRecord<ModalEvent> record : batch) {
            try {
                texts.add(WireCodec.decode(TextEvent.class, record.getValue().payload()).getText());
            } catch (IOException e) {
                throw new UncheckedIOException("a text event that passed the input check no longer decodes", e);
            }
        }
        List<float[]> values = stepModels.value().texts(texts);
        for (int i = 0; i < batch.size(); i++) {
            emit(batch.get(i).getValue().withStepResults(values.get(i)), batch.get(i));
        }
    }

    @Override
    public void close() throws Exception {
        if (stepModels != null) {
            stepModels.close();
        }
        super.close();
    }
}
