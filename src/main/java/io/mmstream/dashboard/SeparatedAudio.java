package io.mmstream.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmstream.codec.Times;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The separated audio the job publishes ({@code mm.audio.separated}), per stream: how many seconds have come, how
 * loud the newest second is, and the last {@link #CLIP} laid out on its capture times (silence where nothing came),
 * to be played back as WAV. Bounded: the {@link #MAX_STREAMS} most recently heard streams, each forgotten after the
 * dashboard's time to live, oldest first. Not thread-safe: {@link DashboardState} guards it.
 */
final class SeparatedAudio {

    static final Duration CLIP = Duration.ofSeconds(5);
    /** 5 s of 16 kHz 16-bit audio is 160 KB: 128 streams hold at most 20 MB. */
    static final int MAX_STREAMS = 128;
    private static final int MAX_RATE = 192_000;
    private static final double SILENCE_DB = -90;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Piece(long startMicros, short[] samples) {}

    private static final class Stream {
        final int rate;
        final Deque<Piece> pieces = new ArrayDeque<>();
        double seconds;
        double levelDb;
        long endMicros = Long.MIN_VALUE;
        long heardMillis;

        Stream(int rate) {
            this.rate = rate;
        }
    }

    /** In order of their last chunk, oldest first, so that both bounds evict from the head. */
    private final LinkedHashMap<String, Stream> streams = new LinkedHashMap<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private final long ttlMillis;

    SeparatedAudio(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    /** @throws IllegalArgumentException for a chunk whose rate or channel count no audio has */
    void add(AudioChunk chunk, long receivedMillis) {
        int rate = chunk.getSampleRate();
        if (rate <= 0 || rate > MAX_RATE || chunk.getChannels() <= 0) {
            throw new IllegalArgumentException("sampleRate=" + rate + ", channels=" + chunk.getChannels() + ": no audio has these");
        }
        float[] mono = Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
        String id = chunk.getStreamId();
        Stream stream = streams.remove(id);
        if (stream == null || stream.rate != rate) {
            stream = new Stream(rate); // a new rate starts a new clip: one WAV has one rate
        }
        long start = Times.micros(chunk.getCaptureTime());
        short[] samples = new short[mono.length];
        double energy = 0;
        for (int i = 0; i < mono.length; i++) {
            // the inverse of Pcm.toMono's scale: 16-bit mono comes back byte for byte
            samples[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(mono[i] * 32768.0)));
            energy += (double) mono[i] * mono[i];
        }
        stream.pieces.addLast(new Piece(start, samples));
        stream.seconds += mono.length / (double) rate;
        stream.levelDb = mono.length == 0 ? SILENCE_DB : Math.max(SILENCE_DB, 10 * Math.log10(energy / mono.length + 1e-12));
        stream.endMicros = Math.max(stream.endMicros, start + mono.length * 1_000_000L / rate);
        stream.heardMillis = receivedMillis;
        long keepFrom = stream.endMicros - CLIP.toNanos() / 1000;
        stream.pieces.removeIf(piece -> piece.startMicros() + piece.samples().length * 1_000_000L / rate <= keepFrom);
        streams.put(id, stream);
        changed.add(id);
        forget(receivedMillis);
    }

    private void forget(long nowMillis) {
        for (var it = streams.entrySet().iterator(); it.hasNext(); ) {
            var eldest = it.next();
            if (streams.size() <= MAX_STREAMS && eldest.getValue().heardMillis >= nowMillis - ttlMillis) {
                return;
            }
            it.remove();
            changed.remove(eldest.getKey());
        }
    }

    boolean hasChanges() {
        return !changed.isEmpty();
    }

    /** Every stream's figures into {@code into}, keyed by stream id. */
    void putAll(ObjectNode into, long nowMillis) {
        forget(nowMillis);
        streams.forEach((id, stream) -> into.set(id, figures(stream)));
    }

    /** The figures of the streams heard since the last call. */
    void putChanges(ObjectNode into) {
        changed.forEach(id -> into.set(id, figures(streams.get(id))));
        changed.clear();
    }

    private static ObjectNode figures(Stream stream) {
        ObjectNode figures = JSON.createObjectNode();
        figures.put("seconds", Math.round(stream.seconds * 10) / 10.0);
        figures.put("levelDb", Math.round(stream.levelDb * 10) / 10.0);
        figures.put("end", Math.floorDiv(stream.endMicros, 1000));
        return figures;
    }

    /** The stream's last {@link #CLIP} as a mono 16-bit WAV file, or null when nothing of it is held. */
    byte[] wav(String id) {
        Stream stream = streams.get(id);
        if (stream == null || stream.pieces.isEmpty()) {
            return null;
        }
        long from = Math.max(stream.pieces.peekFirst().startMicros(), stream.endMicros - CLIP.toNanos() / 1000);
        int length = (int) ((stream.endMicros - from) * stream.rate / 1_000_000);
        short[] clip = new short[length];
        for (Piece piece : stream.pieces) {
            int at = (int) Math.floorDiv((piece.startMicros() - from) * stream.rate, 1_000_000L);
            for (int i = Math.max(0, -at); i < piece.samples().length && at + i < length; i++) {
                clip[at + i] = piece.samples()[i];
            }
        }
        ByteBuffer out = ByteBuffer.allocate(44 + 2 * length).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + 2 * length)
                .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(stream.rate).putInt(stream.rate * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(2 * length);
        for (short sample : clip) {
            out.putShort(sample);
        }
        return out.array();
    }
}
