package io.mmstream.align;

import java.util.Objects;

/**
 * One decoded, validated input event as window state holds it: small, never the raw media.
 *
 * @param captureMicros capture time by the source clock, microseconds since the epoch
 * @param seq frame or chunk sequence number, -1 where the modality has none
 * @param features per-event values aligned onto the grid (sensor axes); empty where there are none yet
 * @param sourceTopic where the original record lives, with sourcePartition and sourceOffset
 */
public record ModalEvent(
        String streamId,
        Modality modality,
        long captureMicros,
        long seq,
        float[] features,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset) {

    public ModalEvent {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(features, "features");
    }

    /** Event time in milliseconds, the unit of Flink timestamps and windows. */
    public long eventTimeMillis() {
        return Math.floorDiv(captureMicros, 1000);
    }
}
