package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.AudioSteps;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.StepModels;
import io.mmstream.media.Pcm;
import io.mmstream.media.Resampler;
import io.mmstream.schema.AudioChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Adapter, per stream: its audio chunks through the models run from their card per audio step ({@link AudioSteps});
 * each step leaves as an AUDIO event at its instant that carries only its step results (no features: the windows
 * hold it for the prediction, the aligner never sees it). Each model's samples and recurrent state live in keyed
 * state; a stream silent for the stream retention leaves none behind.
 */
public final class RunAudioStepModels extends KeyedProcessFunction<String, ModalEvent, ModalEvent> {

    private final ModelSettings models;
    private final long retentionMillis;
    private transient ModelSettings.Leased<StepModels> leased;
    private transient List<AudioSteps> steps;
    private transient int[] offsets;
    private transient int width;
    private transient List<ValueState<float[]>> pending;
    private transient List<ValueState<long[]>> segments;
    private transient List<MapState<String, float[]>> modelStates;
    private transient ValueState<Long> lastArrival;
    private transient Counter skipped;

    public RunAudioStepModels(ModelSettings models, long retentionMillis) {
        this.models = models;
        this.retentionMillis = retentionMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        leased = models.stepModels(ModelCard.Stage.AUDIO_STEP);
        steps = new ArrayList<>();
        pending = new ArrayList<>();
        segments = new ArrayList<>();
        modelStates = new ArrayList<>();
        List<ElementModel> elementModels = leased.value().models();
        offsets = new int[elementModels.size()];
        for (int m = 0; m < elementModels.size(); m++) {
            ElementModel model = elementModels.get(m);
            String name = model.card().name();
            offsets[m] = width;
            width += model.card().result().width(model.card());
            steps.add(new AudioSteps(model));
            pending.add(getRuntimeContext().getState(new ValueStateDescriptor<>(name + "-samples", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO)));
            segments.add(getRuntimeContext().getState(new ValueStateDescriptor<>(name + "-segment", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO)));
            modelStates.add(getRuntimeContext().getMapState(new MapStateDescriptor<>(name + "-state", Types.STRING,
                    PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO)));
        }
        lastArrival = getRuntimeContext().getState(new ValueStateDescriptor<>("last-arrival", Types.LONG));
        skipped = getRuntimeContext().getMetricGroup().counter("audioStepChunksSkipped");
    }

    @Override
    public void processElement(ModalEvent event, Context context, Collector<ModalEvent> out) throws Exception {
        long now = context.timerService().currentProcessingTime();
        if (lastArrival.value() == null) {
            context.timerService().registerProcessingTimeTimer(now + retentionMillis);
        }
        lastArrival.update(now);
        AudioChunk chunk;
        float[] mono;
        try {
            chunk = WireCodec.decode(AudioChunk.class, event.payload());
            mono = Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
        } catch (Exception e) {
            return; // the audio cutter sends the chunk to the dead letters
        }
        for (int m = 0; m < steps.size(); m++) {
            AudioSteps model = steps.get(m);
            float[] samples = chunk.getSampleRate() == model.sampleRate() ? mono : Resampler.resample(mono, chunk.getSampleRate(), model.sampleRate());
            AudioSteps.Pushed pushed = model.push(state(m), event.captureMicros(), samples);
            if (pushed.skipped()) {
                skipped.inc();
                continue;
            }
            store(m, pushed.state());
            for (AudioSteps.Step step : pushed.steps()) {
                float[] values = new float[width];
                Arrays.fill(values, Float.NaN);
                System.arraycopy(step.values(), 0, values, offsets[m], step.values().length);
                out.collect(new ModalEvent(event.streamId(), Modality.AUDIO, step.centreMicros(), -1, new float[0], new byte[0],
                        event.sourceTopic(), event.sourcePartition(), event.sourceOffset(), values));
            }
        }
    }

    private AudioSteps.State state(int model) throws Exception {
        long[] segment = segments.get(model).value();
        if (segment == null) {
            return steps.get(model).fresh();
        }
        Map<String, float[]> modelState = new HashMap<>();
        for (Map.Entry<String, float[]> entry : modelStates.get(model).entries()) {
            modelState.put(entry.getKey(), entry.getValue());
        }
        return new AudioSteps.State(pending.get(model).value(), segment[0], segment[1], modelState);
    }

    private void store(int model, AudioSteps.State state) throws Exception {
        pending.get(model).update(state.pending());
        segments.get(model).update(new long[] {state.segmentStartMicros(), state.steps()});
        MapState<String, float[]> modelState = modelStates.get(model);
        modelState.clear();
        modelState.putAll(state.modelState());
    }

    /** The retention check: a stream silent that long leaves nothing behind. */
    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ModalEvent> out) throws Exception {
        Long arrival = lastArrival.value();
        if (arrival == null) {
            return;
        }
        if (timestamp - arrival >= retentionMillis) {
            for (int m = 0; m < steps.size(); m++) {
                pending.get(m).clear();
                segments.get(m).clear();
                modelStates.get(m).clear();
            }
            lastArrival.clear();
            return;
        }
        context.timerService().registerProcessingTimeTimer(arrival + retentionMillis);
    }

    @Override
    public void close() throws Exception {
        if (leased != null) {
            leased.close();
        }
        super.close();
    }
}
