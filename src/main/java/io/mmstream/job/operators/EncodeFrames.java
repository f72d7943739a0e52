package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.FrameSampler;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: video frames, batched, through {@link MediaEncoders#frames}; each frame leaves as its embedding. A frame
 * that cannot be decoded, or that the encoder fails on, goes alone to the dead letters with its original record.
 * Under overload ({@link OverloadPolicy#frameStride}, by how long ago Kafka logged the frame: the record's timestamp
 * here, the sources' log time) only some frames are decoded and encoded, the others repeating their stream's last
 * encoded frame ({@link FrameSampler}).
 */
public final class EncodeFrames extends BatchingOperator<ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private final int deadLetterValueBytes;
    private final OverloadPolicy overload;
    private final long gridStepMicros;
    private transient ModelSettings.Leased<MediaEncoders> encoders;
    private transient FrameSampler sampler;
    private transient Counter encoded;
    private transient Counter failed;
    private transient Counter sampledOut;

    public EncodeFrames(ModelSettings models, BatchPolicy policy, int deadLetterValueBytes, OverloadPolicy overload, long gridStepMicros) {
        super(policy);
        this.models = models;
        this.deadLetterValueBytes = deadLetterValueBytes;
        this.overload = overload;
        this.gridStepMicros = gridStepMicros;
    }

    @Override
    public void open() throws Exception {
        super.open();
        encoders = models.encoders();
        encoders.value().warmUpFrames();
        encoded = getMetricGroup().counter("framesEncoded");
        failed = getMetricGroup().counter("framesFailed");
        sampledOut = getMetricGroup().counter("framesSampledOut");
        sampler = overload.samplesFrames() ? new FrameSampler(overload, gridStepMicros) : null;
    }

    @Override
    protected void process(List<StreamRecord<ModalEvent>> batch) {
        boolean[] encode = toEncode(batch);
        List<byte[]> records = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (encode[i]) {
                records.add(batch.get(i).getValue().payload());
            }
        }
        List<MediaEncoders.Encoded> outcomes = records.isEmpty() ? List.of() : encoders.value().frames(records);
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            StreamRecord<ModalEvent> record = batch.get(i);
            ModalEvent frame = record.getValue();
            if (!encode[i]) {
                float[] repeated = sampler.repeat(frame.streamId(), frame.captureMicros());
                if (repeated != null) {
                    emit(frame.encoded(repeated), record);
                }
                sampledOut.inc();
                continue;
            }
            MediaEncoders.Encoded outcome = outcomes.get(next++);
            if (outcome.ok()) {
                emit(frame.encoded(outcome.embedding()), record);
                if (sampler != null) {
                    sampler.encoded(frame.streamId(), frame.captureMicros(), outcome.embedding());
                }
                encoded.inc();
            } else {
                output.collect(SideOutputs.DEAD_LETTERS, new StreamRecord<>(
                        DeadLetters.of(frame, outcome.error(), DeadLetters.STAGE_ENCODE, deadLetterValueBytes)));
                failed.inc();
            }
        }
    }

    /** All of them, unless the overload policy samples frames. */
    private boolean[] toEncode(List<StreamRecord<ModalEvent>> batch) {
        boolean[] all = new boolean[batch.size()];
        java.util.Arrays.fill(all, true);
        if (sampler == null) {
            return all;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        List<FrameSampler.Frame> frames = new ArrayList<>(batch.size());
        for (StreamRecord<ModalEvent> record : batch) {
            long lag = record.hasTimestamp() ? now - record.getTimestamp() : 0;
            frames.add(new FrameSampler.Frame(record.getValue().streamId(), record.getValue().captureMicros(), lag));
        }
        return sampler.toEncode(frames);
    }

    @Override
    public void close() throws Exception {
        if (encoders != null) {
            encoders.close();
        }
        super.close();
    }
}
