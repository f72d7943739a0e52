package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.StepModels;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.VideoFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: video frames or text events, batched, through the models run from their card per frame or per text
 * ({@link StepModels}); each event leaves unchanged but for its step results, on its way to the frame encoder or
 * to its windows.
 */
public final class RunElementModels extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private final ModelCard.Stage stage;
    private transient ModelSettings.Leased<StepModels> stepModels;

    /** @param stage FRAME or TEXT */
    public RunElementModels(ModelSettings models, ModelCard.Stage stage, BatchPolicy policy) {
        super(policy);
        if (stage != ModelCard.Stage.FRAME && stage != ModelCard.Stage.TEXT) {
            throw new IllegalArgumentException("per-element models of stage " + stage.wire + " run elsewhere");
        }
        this.models = models;
        this.stage = stage;
    }

    @Override
    public void open() throws Exception {
        super.open();
        stepModels = models.stepModels(stage);
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        List<float[]> values = stage == ModelCard.Stage.FRAME ? stepModels.value().frames(frames(batch)) : stepModels.value().texts(texts(batch));
        for (int i = 0; i < batch.size(); i++) {
            emit(batch.get(i).getValue().withStepResults(values.get(i)), batch.get(i));
        }
    }

    private static List<StepModels.Frame> frames(List<StreamRecord<ModalEvent>> batch) {
        List<StepModels.Frame> frames = new ArrayList<>(batch.size());
        for (StreamRecord<ModalEvent> record : batch) {
            try {
                VideoFrame frame = WireCodec.decode(VideoFrame.class, record.getValue().payload());
                ByteBuffer data = frame.getData();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                frames.add(new StepModels.Frame(bytes, frame.getEncoding(), frame.getWidth(), frame.getHeight()));
            } catch (Exception e) {
                // validated upstream; should it still not decode, the frame encoder sends it to the dead letters
                frames.add(new StepModels.Frame(new byte[0], null, 0, 0));
            }
        }
        return frames;
    }

    private static List<String> texts(List<StreamRecord<ModalEvent>> batch) {
        List<String> texts = new ArrayList<>(batch.size());
        for (StreamRecord<ModalEvent> record : batch) {
            try {
                texts.add(WireCodec.decode(TextEvent.class, record.getValue().payload()).getText());
            } catch (IOException e) {
                throw new UncheckedIOException("a text event that passed the input check no longer decodes", e);
            }
        }
        return texts;
    }

    @Override
    public void close() throws Exception {
        if (stepModels != null) {
            stepModels.close();
        }
        super.close();
    }
}
