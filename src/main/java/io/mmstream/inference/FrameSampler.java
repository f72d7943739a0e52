package io.mmstream.inference;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Video sampling under overload ({@link OverloadPolicy#frameStride}): which frames of a batch are encoded, and what
 * the others carry instead. A frame skipped by the stride repeats the embedding of its stream's last encoded frame,
 * so its window still sees video at every step (coverage stays whole, the heads still run) at a lower frame rate,
 * as a camera that drops frames would show. A frame is encoded anyway when its stream has no frame encoded within the
 * stride before it (its first frame, one after a pause). A skipped frame whose stream has no embedding to repeat (the
 * frame before it failed to encode and none came earlier) is dropped: its step shows no video. One per operator
 * instance; not thread-safe.
 */
public final class FrameSampler {

    /** Streams whose last encoded frame is kept, the least recently seen forgotten first. */
    static final int MAX_STREAMS = 65_536;

    private record Encoded(long captureMicros, float[] embedding) {}

    private final OverloadPolicy policy;
    private final long gridStepMicros;
    private final Map<String, Encoded> last = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Encoded> eldest) {
            return size() > MAX_STREAMS;
        }
    };

    public FrameSampler(OverloadPolicy policy, long gridStepMicros) {
        this.policy = policy;
        this.gridStepMicros = gridStepMicros;
    }

    /** One frame of a batch: its stream, capture time and how long ago Kafka logged it. */
    public record Frame(String streamId, long captureMicros, long lagMillis) {}

    /** Per frame, in batch order, whether to encode it; frames that are not will {@link #repeat} an earlier one. */
    public boolean[] toEncode(List<Frame> frames) {
        boolean[] encode = new boolean[frames.size()];
        Map<String, Long> newest = new java.util.HashMap<>();
        for (int i = 0; i < frames.size(); i++) {
            Frame frame = frames.get(i);
            int stride = policy.frameStride(frame.lagMillis());
            Long before = newest.get(frame.streamId());
            if (before == null) {
                Encoded held = last.get(frame.streamId());
                before = held == null ? null : held.captureMicros();
            }
            boolean onStride = Math.floorMod(Math.floorDiv(frame.captureMicros(), gridStepMicros), stride) == 0;
            // a frame to repeat: encoded before this one, within one stride
            boolean repeatable = before != null && before <= frame.captureMicros() && frame.captureMicros() - before < stride * gridStepMicros;
            encode[i] = stride == 1 || onStride || !repeatable;
            if (encode[i]) {
                newest.put(frame.streamId(), frame.captureMicros());
            }
        }
        return encode;
    }

    /** Records an encoded frame, the one the stream's skipped frames after it repeat. */
    public void encoded(String streamId, long captureMicros, float[] embedding) {
        last.put(streamId, new Encoded(captureMicros, embedding));
    }

    /** The embedding a skipped frame carries: its stream's last encoded one before it; null when there is none. */
    public float[] repeat(String streamId, long captureMicros) {
        Encoded held = last.get(streamId);
        return held == null || held.captureMicros() > captureMicros ? null : held.embedding();
    }
}
