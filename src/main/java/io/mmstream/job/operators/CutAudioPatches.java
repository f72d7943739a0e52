package io.mmstream.job.operators;

import io.mmstream.align.FrameGrid;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.WireCodec;
import io.mmstream.align.LateArrival;
import io.mmstream.align.StreamClock;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.LogMel;
import io.mmstream.media.Pcm;
import io.mmstream.media.Resampler;
import io.mmstream.schema.AudioChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
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
 * Adapter, per stream: keeps the audio chunks of the last moments in keyed state and cuts, with
 * {@link AudioPatches}, the log-mel patch centred on each grid instant as soon as the chunks hold all of its
 * samples, whatever order they came in. Patches leave at once as AUDIO events at their instant carrying the
 * log-mel, for the audio encoder: nothing waits here. Time is the stream's own audio time, the end of its newest
 * chunk less the audio out-of-orderness bound: a chunk leaves state when that passes the last patch it can serve
 * plus the windows' allowed lateness, and a chunk arriving after that is late, by the same rule as the windows'.
 * A stream whose audio stays silent for the stream retention (processing time) leaves no state behind. Silence
 * shorter than that drops nothing: a task held up by backpressure sees no chunk for a while although the next one
 * waits in its input, so the chunks held (at most the out-of-orderness, lateness and a patch's reach of audio) stay
 * until the stream's own audio time passes them.
 */
public final class CutAudioPatches extends KeyedProcessFunction<String, ModalEvent, ModalEvent> {

    private final FrameGrid grid;
    private final LogMel.Params logMel;
    private final int patchFrames;
    private final int deadLetterValueBytes;
    private final long latenessMicros;
    private final long outOfOrdernessMicros;
    private final long retentionMillis;
    private final long maxChunkMicros;
    private transient AudioPatches patches;
    private transient MapState<Long, float[]> chunks;
    /** The end of the newest chunk, by capture time. */
    private transient ValueState<Long> newestEnd;
    /** When the last chunk arrived, by processing time; the retention check's timer is due retentionMillis later. */
    private transient ValueState<Long> lastArrival;
    private transient long startedMillis;
    private transient Counter patchesCut;
    private transient Counter duplicates;
    private transient Counter rejected;

    /**
     * @param logMel the spectrogram and patch length the audio encoder's card binds
     * @param maxChunk the longest chunk the input decoder accepts
     */
    public CutAudioPatches(FrameGrid grid, LogMel.Params logMel, int patchFrames, StreamClock.Rules rules, java.time.Duration maxChunk, int deadLetterValueBytes) {
        this.grid = grid;
        this.maxChunkMicros = maxChunk.toNanos() / 1000;
        this.latenessMicros = rules.latenessMicros();
        this.outOfOrdernessMicros = rules.outOfOrdernessMicros()[Modality.AUDIO.ordinal()];
        this.retentionMillis = rules.retentionMillis();
        this.logMel = logMel;
        this.patchFrames = patchFrames;
        this.deadLetterValueBytes = deadLetterValueBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        patches = new AudioPatches(logMel, patchFrames);
        chunks = getRuntimeContext().getMapState(new MapStateDescriptor<>("chunks", Types.LONG, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        newestEnd = getRuntimeContext().getState(new ValueStateDescriptor<>("newest-end", Types.LONG));
        lastArrival = getRuntimeContext().getState(new ValueStateDescriptor<>("last-arrival", Types.LONG));
        startedMillis = Long.MIN_VALUE;
        patchesCut = getRuntimeContext().getMetricGroup().counter("audioPatchesCut");
        duplicates = getRuntimeContext().getMetricGroup().counter("audioChunksDuplicate");
        rejected = getRuntimeContext().getMetricGroup().counter("audioChunksRejected");
    }

    private long now(Context context) {
        long now = context.timerService().currentProcessingTime();
        if (startedMillis == Long.MIN_VALUE) {
            startedMillis = now;
        }
        return now;
    }

    /** The capture time before which a chunk's end, plus its patches' reach, no longer serves an open window. */
    private long keepsFrom(Long newest) {
        return newest == null ? Long.MIN_VALUE : newest - outOfOrdernessMicros - latenessMicros - patches.halfSpanMicros();
    }

    @Override
    public void processElement(ModalEvent event, Context context, Collector<ModalEvent> out) throws Exception {
        long now = now(context);
        AudioChunk chunk;
        float[] samples;
        try {
            chunk = WireCodec.decode(AudioChunk.class, event.payload());
            samples = Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
        } catch (Exception e) {
            reject(event, "audio chunk cannot be read: " + e.getMessage(), DeadLetters.STAGE_ENCODE, context);
            return;
        }
        if (chunk.getSampleRate() != patches.sampleRate()) {
            samples = Resampler.resample(samples, chunk.getSampleRate(), patches.sampleRate());
        }
        long start = event.captureMicros();
        long end = start + samples.length * 1_000_000L / patches.sampleRate();
        Long previousArrival = lastArrival.value();
        lastArrival.update(now);
        if (previousArrival == null) {
            context.timerService().registerProcessingTimeTimer(now + retentionMillis);
        }
        long keepsFrom = keepsFrom(newestEnd.value());
        if (end <= keepsFrom) {
            context.output(SideOutputs.LATE, new LateArrival(event.encoded(new float[0]), keepsFrom - end));
            return;
        }
        float[] held = chunks.get(start);
        if (held != null) {
            if (Arrays.equals(held, samples)) {
                duplicates.inc(); // a second delivery of the same chunk: its patches were cut when the first copy came
            } else {
                reject(event, "audio chunk at " + start + " us differs from the chunk already received with the same capture time",
                        DeadLetters.STAGE_VALIDATE, context);
            }
            return;
        }
        chunks.put(start, samples);
        if (newestEnd.value() == null || end > newestEnd.value()) {
            newestEnd.update(end);
        }

        // one pass: chunks behind the stream's audio time leave; only those that can share a sample with this chunk's
        // patches are read for cutting (with RocksDB, each read deserialises)
        long reach = patches.halfSpanMicros();
        long expiredBefore = keepsFrom(newestEnd.value());
        List<AudioPatches.Chunk> nearby = new ArrayList<>();
        for (Iterator<Map.Entry<Long, float[]>> it = chunks.iterator(); it.hasNext(); ) {
            Map.Entry<Long, float[]> entry = it.next();
            long heldStart = entry.getKey();
            if (heldStart + entry.getValue().length * 1_000_000L / patches.sampleRate() <= expiredBefore && heldStart != start) {
                it.remove();
            } else if (heldStart >= start - reach - maxChunkMicros && heldStart < end + reach) {
                nearby.add(new AudioPatches.Chunk(heldStart, entry.getValue()));
            }
        }
        // the patches this chunk may have completed
        for (long instant = grid.firstAtOrAfter(start - reach); instant - reach < end; instant = grid.next(instant)) {
            AudioPatches.Patch patch = patches.completePatch(instant, nearby);
            if (patch != null) {
                // the patch keeps the chunk that completed it, for a dead letter should the encoder fail on the patch
                out.collect(new ModalEvent(event.streamId(), Modality.AUDIO, instant, event.seq(), patch.logMel(), event.payload(),
                        event.sourceTopic(), event.sourcePartition(), event.sourceOffset()));
                patchesCut.inc();
            }
        }
    }

    private void reject(ModalEvent event, String error, String stage, Context context) {
        context.output(SideOutputs.DEAD_LETTERS, DeadLetters.of(event, error, stage, deadLetterValueBytes));
        rejected.inc();
    }

    /** The retention check (never counted from before a restart): a stream silent that long leaves nothing behind. */
    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ModalEvent> out) throws Exception {
        long now = now(context);
        Long arrival = lastArrival.value();
        if (arrival == null) {
            return;
        }
        long lastActive = Math.max(arrival, startedMillis);
        if (now - lastActive >= retentionMillis) {
            chunks.clear();
            newestEnd.clear();
            lastArrival.clear();
            return;
        }
        context.timerService().registerProcessingTimeTimer(lastActive + retentionMillis);
    }
}
