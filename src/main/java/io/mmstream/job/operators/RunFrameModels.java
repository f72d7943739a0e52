package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.StepModels;
import io.mmstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: video frames, batched, through the models run from their card per frame ({@link StepModels}); each
 * frame leaves unchanged but for its step results, on its way to the frame encoder.
 */
public final class RunFrameModels extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private transient ModelSettings.Leased<StepModels> stepModels;

    public RunFrameModels(ModelSettings models, BatchPolicy policy) {
        super(policy);
        this.models = models;
    }

    @Override
    public void open() throws Exception {
        super.open();
        stepModels = models.stepModels(ModelCard.Stage.FRAME);
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
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
        List<float[]> values = stepModels.value().frames(frames);
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
