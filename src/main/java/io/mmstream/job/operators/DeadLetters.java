package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.codec.Records;
import io.mmstream.codec.Rejection;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.sink.KeyedBytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Dead letters for records that passed decoding but failed later, in the encoders or the heads. */
final class DeadLetters {

    static final String STAGE_VALIDATE = "validate";
    static final String STAGE_ENCODE = "encode";
    static final String STAGE_INFERENCE = "inference";

    private DeadLetters() {}

    /** The event's original record (cut to the limit) with where it came from and why it was not used. */
    static KeyedBytes of(ModalEvent event, String error, String stage, int valueLimit) {
        byte[] key = event.streamId().getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(event.payload(), Math.min(event.payload().length, valueLimit));
        Rejection rejection = new Rejection(event.sourceTopic(), event.sourcePartition(), event.sourceOffset(), key, value,
                event.payload().length, error, stage);
        return new KeyedBytes(key, WireCodec.encode(Records.deadLetter(rejection, System.currentTimeMillis())));
    }

    /** A window's failed inference: no input record to carry, so the window itself is named where the topic would be. */
    static KeyedBytes ofWindow(String streamId, long startMicros, long endMicros, String error) {
        byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
        io.mmstream.schema.DeadLetter letter = io.mmstream.schema.DeadLetter.newBuilder()
                .setSourceTopic("window " + streamId + " [" + startMicros + ", " + endMicros + ") us")
                .setPartition(-1).setOffset(-1).setKey(java.nio.ByteBuffer.wrap(key)).setValue(null).setValueSize(0).setValueTruncated(false)
                .setError(error).setStage(STAGE_INFERENCE).setFailedAt(java.time.Instant.now()).build();
        return new KeyedBytes(key, WireCodec.encode(letter));
    }
}
