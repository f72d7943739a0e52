package io.mmstream.job.operators;

import io.mmstream.align.FrameGrid;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.Pipeline;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.LogMel;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Adapter, per stream: keeps the audio chunks of the last moments in keyed state and cuts, with
 * {@link AudioPatches}, the log-mel patch centred on each grid instant as soon as the chunks hold all of its
 * samples, whatever order they came in. Patches leave at once as AUDIO events at their instant carrying the
 * log-mel, for the audio encoder: nothing waits here for a watermark, so nothing falls behind one. A chunk
 * leaves state when the watermark passes the last patch it can serve plus the windows' allowed lateness; a chunk
 * arriving after that is late, as it would be for the windows.
 */
public final class CutAudioPatches extends KeyedProcessFunction<String, ModalEvent, ModalEvent> {

    private final FrameGrid grid;
    private final int patchFrames;
    private final int deadLetterValueBytes;
    private final long latenessMillis;
    private final long maxChunkMicros;
    private transient AudioPatches patches;
    private transient MapState<Long, float[]> chunks;
    private transient Counter patchesCut;
    private transient Counter duplicates;
    private transient Counter rejected;

    /** @param maxChunk the longest chunk the input decoder accepts */
    public CutAudioPatches(FrameGrid grid, int patchFrames, java.time.Duration lateness, java.time.Duration maxChunk, int deadLetterValueBytes) {
        this.grid = grid;
        this.maxChunkMicros = maxChunk.toNanos() / 1000;
        this.latenessMillis = lateness.toMillis();
        this.patchFrames = patchFrames;
        this.deadLetterValueBytes = deadLetterValueBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        patches = new AudioPatches(LogMel.Params.standard(), patchFrames);
        chunks = getRuntimeContext().getMapState(new MapStateDescriptor<>("chunks", Types.LONG, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        patchesCut = getRuntimeContext().getMetricGroup().counter("audioPatchesCut");
        duplicates = getRuntimeContext().getMetricGroup().counter("audioChunksDuplicate");
        rejected = getRuntimeContext().getMetricGroup().counter("audioChunksRejected");
    }

    @Override
    public void processElement(ModalEvent event, Context context, Collector<ModalEvent> out) throws Exception {
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
            reject(event, "sampleRate " + chunk.getSampleRate() + " Hz: the audio encoder's log-mel needs " + patches.sampleRate() + " Hz",
                    DeadLetters.STAGE_ENCODE, context);
            return;
        }
        long start = event.captureMicros();
        long end = start + samples.length * 1_000_000L / patches.sampleRate();
        long reach = patches.halfSpanMicros();
        long expiry = -Math.floorDiv(-(end + reach), 1000) + latenessMillis;
        if (expiry <= context.timerService().currentWatermark()) {
            context.output(Pipeline.LATE_EVENTS, event.encoded(new float[0]));
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
        context.timerService().registerEventTimeTimer(expiry);

        // only the chunks that can share a sample with this chunk's patches are read (with RocksDB, each read deserialises)
        List<AudioPatches.Chunk> nearby = new ArrayList<>();
        for (Map.Entry<Long, float[]> entry : chunks.entries()) {
            if (entry.getKey() >= start - reach - maxChunkMicros && entry.getKey() < end + reach) {
                nearby.add(new AudioPatches.Chunk(entry.getKey(), entry.getValue()));
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
        context.output(RouteRejections.DEAD_LETTERS, DeadLetters.of(event, error, stage, deadLetterValueBytes));
        rejected.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ModalEvent> out) throws Exception {
        long reach = patches.halfSpanMicros();
        for (Iterator<Map.Entry<Long, float[]>> it = chunks.iterator(); it.hasNext(); ) {
            Map.Entry<Long, float[]> entry = it.next();
            long end = entry.getKey() + entry.getValue().length * 1_000_000L / patches.sampleRate();
            if (end + reach + latenessMillis * 1000 <= timestamp * 1000) {
                it.remove();
            }
        }
        if (chunks.isEmpty()) {
            chunks.clear(); // a stream gone quiet leaves no state behind, not even an empty map
        }
    }
}
