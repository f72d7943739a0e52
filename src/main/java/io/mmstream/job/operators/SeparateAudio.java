package io.mmstream.job.operators;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.WindowGeometry;
import io.mmstream.align.WindowTensors;
import io.mmstream.align.ModalEvent;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.AudioSeparation;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.Pcm;
import io.mmstream.media.Resampler;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Adapter, per stream: the stream's audio chunks (first input, as the sources check them) and its fired windows
 * (second input) through {@link AudioSeparation}; each window's last slide of separated audio leaves as one
 * AudioChunk, so that overlapping windows publish every stretch once. The window's own audio is assembled here
 * from the chunks held in keyed state, since the windows hold embeddings, never media. A window's chunks normally
 * come before it (they left the source before its patches were cut); one that comes first waits in state until
 * the chunks reach its last audio step, or until they stop coming ({@link #WAIT_MILLIS}), and is then separated with
 * what was heard.
 * Chunks leave state once no later window can use them, and all of a stream's when its audio has been silent for the
 * stream retention (processing time), as in the cutter. A chunk the cutter rejects is dead-lettered there and only
 * skipped here.
 */
public final class SeparateAudio extends KeyedCoProcessFunction<String, ModalEvent, EmbeddedWindow, KeyedBytes> {

    /**
     * How long (processing time) a window waits for audio that has not come yet once the stream's chunks stop
     * arriving; while they keep arriving (a backlog, a replay: the window overtook chunks still queued) it waits on,
     * up to {@link #MAX_WAIT_MILLIS} in all.
     */
    public static final long WAIT_MILLIS = 2_000;
    public static final long MAX_WAIT_MILLIS = 10 * WAIT_MILLIS;
    /**
     * How many streams' last window overlap ({@link AudioSeparation.Overlap}, about 190 KB each for 2 s windows at
     * 16 kHz) an instance keeps, so that the next window transforms only its new frames. Beyond it a new stream's
     * windows are separated whole: a cache that evicted the least recent stream would miss on every window once
     * the streams outnumber it, since every stream's window fires at each slide.
     */
    static final int OVERLAPS_KEPT = 128;

    private final ModelSettings models;
    private final long slideMicros;
    private final long retentionMillis;
    private final WindowGeometry geometry;
    private final OverloadPolicy overload;
    private transient ModelSettings.Leased<AudioSeparation> separation;
    /** Per stream, its last separated window's overlap: a cache, not state (after a restore the frames are transformed again). */
    private transient Map<String, AudioSeparation.Overlap> overlaps;
    private transient MapState<Long, float[]> chunks;
    /** The end of the newest chunk, by capture time. */
    private transient ValueState<Long> newestEnd;
    private transient ListState<EmbeddedWindow> waiting;
    /** Since when (processing time) the oldest waiting window has waited; null while none waits. */
    private transient ValueState<Long> waitingSince;
    /** When the last chunk arrived, by processing time. */
    private transient ValueState<Long> lastArrival;
    private transient Counter published;
    private transient Counter failures;
    private transient Counter shed;
    private transient Counter framesTransformed;

    /**
     * @param geometry the windows' shapes, for the warm-up window separated at open
     * @param overload which windows are shed instead of separated (their stretch is then not published)
     */
    public SeparateAudio(ModelSettings models, long slideMicros, long retentionMillis, WindowGeometry geometry, OverloadPolicy overload) {
        this.models = models;
        this.slideMicros = slideMicros;
        this.retentionMillis = retentionMillis;
        this.geometry = geometry;
        this.overload = overload;
    }

    @Override
    public void open(OpenContext openContext) throws InferenceException {
        separation = models.separation();
        // one silent window before the first real one, as the heads do at open (ONNX Runtime's first run, the JIT)
        int samples = separation.value().input().samples();
        separation.value().separate(List.of(WindowTensors.present(geometry)), List.of(new float[samples]), samples / 2);
        overlaps = new HashMap<>();
        chunks = getRuntimeContext().getMapState(new MapStateDescriptor<>("separation-chunks", Types.LONG, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        newestEnd = getRuntimeContext().getState(new ValueStateDescriptor<>("separation-newest-end", Types.LONG));
        waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("separation-waiting", TypeInformation.of(EmbeddedWindow.class)));
        lastArrival = getRuntimeContext().getState(new ValueStateDescriptor<>("separation-last-arrival", Types.LONG));
        waitingSince = getRuntimeContext().getState(new ValueStateDescriptor<>("separation-waiting-since", Types.LONG));
        published = getRuntimeContext().getMetricGroup().counter("separatedChunks");
        failures = getRuntimeContext().getMetricGroup().counter("separationFailures");
        shed = getRuntimeContext().getMetricGroup().counter("separationsShed");
        framesTransformed = getRuntimeContext().getMetricGroup().counter("separationFramesTransformed");
    }

    @Override
    public void close() {
        if (separation != null) {
            separation.close();
        }
    }

    @Override
    public void processElement1(ModalEvent event, Context context, Collector<KeyedBytes> out) throws Exception {
        int rate = separation.value().input().rate();
        float[] samples;
        try {
            AudioChunk chunk = WireCodec.decode(AudioChunk.class, event.payload());
            samples = Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
            if (chunk.getSampleRate() != rate) {
                samples = Resampler.resample(samples, chunk.getSampleRate(), rate);
            }
        } catch (Exception e) {
            return; // the cutter sees the same chunk and dead-letters it with its error
        }
        long now = context.timerService().currentProcessingTime();
        if (lastArrival.value() == null) {
            context.timerService().registerProcessingTimeTimer(now + retentionMillis);
        }
        lastArrival.update(now);
        chunks.put(event.captureMicros(), samples);
        long end = event.captureMicros() + samples.length * 1_000_000L / rate;
        if (newestEnd.value() == null || end > newestEnd.value()) {
            newestEnd.update(end);
        }
        Iterable<EmbeddedWindow> waited = waiting.get();
        if (waited == null || !waited.iterator().hasNext()) {
            return; // the usual case: the windows come after their chunks, and nothing is written here
        }
        List<EmbeddedWindow> stillWaiting = new ArrayList<>();
        for (EmbeddedWindow window : waited) {
            if (heardUpTo(window)) {
                separate(window, context, out);
            } else {
                stillWaiting.add(window);
            }
        }
        waiting.update(stillWaiting);
        if (stillWaiting.isEmpty()) {
            waitingSince.clear();
        }
    }

    @Override
    public void processElement2(EmbeddedWindow window, Context context, Collector<KeyedBytes> out) throws Exception {
        if (heardUpTo(window)) {
            separate(window, context, out);
        } else {
            long now = context.timerService().currentProcessingTime();
            waiting.add(window);
            if (waitingSince.value() == null) {
                waitingSince.update(now);
            }
            context.timerService().registerProcessingTimeTimer(now + WAIT_MILLIS);
        }
    }

    /**
     * Waiting windows go with the audio that came once the stream's chunks have stopped arriving for
     * {@link #WAIT_MILLIS}, or after {@link #MAX_WAIT_MILLIS}; a stream whose audio stayed silent for the retention
     * leaves nothing.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<KeyedBytes> out) throws Exception {
        Long arrival = lastArrival.value();
        Long since = waitingSince.value();
        boolean audioFlowing = arrival != null && timestamp - arrival < WAIT_MILLIS;
        if (since != null && audioFlowing && timestamp - since < MAX_WAIT_MILLIS) {
            context.timerService().registerProcessingTimeTimer(Math.min(arrival + WAIT_MILLIS, since + MAX_WAIT_MILLIS));
        } else if (since != null) {
            for (EmbeddedWindow window : waiting.get()) {
                separate(window, context, out);
            }
            waiting.clear();
            waitingSince.clear();
        }
        if (arrival != null && timestamp - arrival >= retentionMillis) {
            overlaps.remove(context.getCurrentKey());
            chunks.clear();
            newestEnd.clear();
            lastArrival.clear();
        } else if (arrival != null) {
            context.timerService().registerProcessingTimeTimer(arrival + retentionMillis);
        }
    }

    /** Whether the chunks held reach the window's last step with audio (the window knows which steps had it). */
    private boolean heardUpTo(EmbeddedWindow window) throws Exception {
        float[] audioMask = window.tensors().audioMask();
        int last = audioMask.length - 1;
        while (last >= 0 && audioMask[last] == 0) {
            last--;
        }
        Long newest = newestEnd.value();
        return last < 0 || newest != null && newest > window.startMicros() + last * window.stepMicros();
    }

    private void separate(EmbeddedWindow window, Context context, Collector<KeyedBytes> out) throws Exception {
        AudioSeparation model = separation.value();
        int rate = model.input().rate();
        List<AudioPatches.Chunk> held = new ArrayList<>();
        long usefulFrom = window.startMicros() + slideMicros; // the next window's start: what no later window needs is dropped
        for (Iterator<Map.Entry<Long, float[]>> it = chunks.iterator(); it.hasNext(); ) {
            Map.Entry<Long, float[]> entry = it.next();
            held.add(new AudioPatches.Chunk(entry.getKey(), entry.getValue()));
            if (entry.getKey() + entry.getValue().length * 1_000_000L / rate <= usefulFrom) {
                it.remove();
            }
        }
        float[] audio = new float[model.input().samples()];
        long first = AudioPatches.samplePosition(window.startMicros(), rate);
        int shareSamples = (int) (slideMicros * rate / 1_000_000);
        int shareOffset = audio.length - shareSamples;
        if (AudioPatches.samples(rate, first, held, audio) == 0 || AudioPatches.samples(rate, first + shareOffset, held, new float[shareSamples]) == 0) {
            return; // nothing heard in the stretch this window publishes
        }
        if (overload.sheds(context.timerService().currentProcessingTime() - Math.floorDiv(window.endMicros(), 1000))) {
            shed.inc();
            return;
        }
        float[] separated; // the share alone
        try {
            AudioSeparation.Separated result = model.separate(window.tensors(), audio, first, shareOffset, shareSamples, overlaps.get(window.streamId()));
            separated = result.samples();
            if (overlaps.size() < OVERLAPS_KEPT || overlaps.containsKey(window.streamId())) {
                overlaps.put(window.streamId(), result.overlap());
            }
            framesTransformed.inc(result.framesTransformed());
        } catch (InferenceException e) {
            overlaps.remove(window.streamId());
            failures.inc();
            context.output(SideOutputs.DEAD_LETTERS, DeadLetters.ofWindow(window.streamId(), window.startMicros(), window.endMicros(),
                    "audio separation failed: " + e.getMessage()));
            return;
        }
        long shareStart = window.startMicros() + shareOffset * 1_000_000L / rate;
        AudioChunk chunk = AudioChunk.newBuilder().setStreamId(window.streamId()).setCaptureTime(Times.ofMicros(shareStart))
                .setSeq(Math.floorDiv(shareStart, slideMicros)).setSampleRate(rate).setChannels(1).setFormat(SampleFormat.PCM_S16LE)
                .setData(ByteBuffer.wrap(Pcm.toS16le(separated))).build();
        out.collect(new KeyedBytes(window.streamId().getBytes(StandardCharsets.UTF_8), WireCodec.encode(chunk)));
        published.inc();
    }
}
