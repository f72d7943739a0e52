package io.mmstream.bench;

import io.mmstream.align.Modality;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.sim.SimRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Inputs of the benchmarks' hot paths, shared by the limit of {@code bench pipeline} and the JMH benchmarks. */
public final class BenchInputs {

    private BenchInputs() {}

    /** A stream's audio chunks among simulated records, decoded to mono samples, in capture order, at most {@code max}. */
    public static List<AudioPatches.Chunk> audioChunks(List<SimRecord> records, String streamId, int max) {
        List<AudioPatches.Chunk> chunks = new ArrayList<>();
        for (SimRecord record : records) {
            if (record.modality() == Modality.AUDIO && record.streamId().equals(streamId) && chunks.size() < max) {
                try {
                    AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
                    chunks.add(new AudioPatches.Chunk(record.captureMicros(), Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        chunks.sort(Comparator.comparingLong(AudioPatches.Chunk::startMicros));
        return chunks;
    }

    /**
     * {@code count} 2 s windows of random embeddings and IMU values with every step present (the heads' cost does not
     * depend on the values): 30 frame and 30 audio steps of the graph's widths (its encoders' embeddings side by
     * side), 200 IMU steps of 6 axes.
     */
    public static List<WindowTensors> of(int count, Random random, io.mmstream.inference.ModelSettings graph) {
        int video = graph.stepWidth(io.mmstream.inference.ModelCard.Stage.FRAME);
        int audio = graph.stepWidth(io.mmstream.inference.ModelCard.Stage.AUDIO_STEP);
        List<WindowTensors> windows = new ArrayList<>(count);
        for (int w = 0; w < count; w++) {
            windows.add(new WindowTensors(gaussian(random, 30 * video), ones(30), gaussian(random, 30 * audio), ones(30), gaussian(random, 200 * 6), ones(200)));
        }
        return windows;
    }

    public static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    public static float[] ones(int n) {
        float[] out = new float[n];
        Arrays.fill(out, 1);
        return out;
    }
}
