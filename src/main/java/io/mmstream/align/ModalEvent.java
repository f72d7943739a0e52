package io.mmstream.align;

import java.util.Objects;

/**
 * One decoded, validated input event on its way through the job.
 *
 * @param captureMicros capture time by the source clock, microseconds since the epoch
 * @param seq frame or chunk sequence number, -1 where the modality has none
 * @param features what the window sees of the event: a frame or audio-patch embedding once encoded, the sensor
 *     axes for a reading, an audio patch's log-mel before its encoder; empty while the media is still raw
 * @param payload the original record value while the media is still to be encoded (video, audio), then empty:
 *     window state never holds raw media
 * @param sourceTopic where the original record lives, with sourcePartition and sourceOffset
 * @param stepResults the values of the models run from their card on this event (models.run), one after another in
 *     the order they run; NaN where a model had no result for it; empty when none runs on its modality
 */
public record ModalEvent(
        String streamId,
        Modality modality,
        long captureMicros,
        long seq,
        float[] features,
        byte[] payload,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        float[] stepResults) {

    private static final byte[] NO_PAYLOAD = new byte[0];
    private static final float[] NO_RESULTS = new float[0];

    public ModalEvent(String streamId, Modality modality, long captureMicros, long seq, float[] features, byte[] payload,
                      String sourceTopic, int sourcePartition, long sourceOffset) {
        this(streamId, modality, captureMicros, seq, features, payload, sourceTopic, sourcePartition, sourceOffset, NO_RESULTS);
    }

    public ModalEvent {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(stepResults, "stepResults");
    }

    /** An event whose features are known and whose payload is no longer needed. */
    public static ModalEvent of(String streamId, Modality modality, long captureMicros, long seq, float[] features,
                                String sourceTopic, int sourcePartition, long sourceOffset) {
        return new ModalEvent(streamId, modality, captureMicros, seq, features, NO_PAYLOAD, sourceTopic, sourcePartition, sourceOffset);
    }

    /** The same event after encoding: its features replaced, its payload dropped. */
    public ModalEvent encoded(float[] newFeatures) {
        return new ModalEvent(streamId, modality, captureMicros, seq, newFeatures, NO_PAYLOAD, sourceTopic, sourcePartition, sourceOffset, stepResults);
    }

    /** The same event with the values of the models run from their card on it. */
    public ModalEvent withStepResults(float[] values) {
        return new ModalEvent(streamId, modality, captureMicros, seq, features, payload, sourceTopic, sourcePartition, sourceOffset, values);
    }

    /** Event time in milliseconds, the unit of Flink timestamps and windows. */
    public long eventTimeMillis() {
        return Math.floorDiv(captureMicros, 1000);
    }
}
