package io.mmstream.codec;

import io.mmstream.align.LateArrival;
import io.mmstream.align.ModalEvent;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.LateEvent;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds the output records of the job from its pure-Java results. */
public final class Records {

    private Records() {}

    public static DeadLetter deadLetter(Rejection rejection, long failedAtMillis) {
        return DeadLetter.newBuilder()
                .setSourceTopic(rejection.sourceTopic())
                .setPartition(rejection.sourcePartition())
                .setOffset(rejection.sourceOffset())
                .setKey(rejection.key() == null ? null : ByteBuffer.wrap(rejection.key()))
                .setValue(rejection.value() == null ? null : ByteBuffer.wrap(rejection.value()))
                .setValueSize(rejection.valueSize())
                .setValueTruncated(rejection.valueTruncated())
                .setError(rejection.error())
                .setStage(rejection.stage())
                .setFailedAt(Instant.ofEpochMilli(failedAtMillis))
                .build();
    }

    public static LateEvent lateEvent(LateArrival late, long detectedAtMillis) {
        ModalEvent event = late.event();
        return LateEvent.newBuilder()
                .setStreamId(event.streamId())
                .setModality(event.modality().wireName())
                .setCaptureTime(Times.ofMicros(event.captureMicros()))
                .setSeq(event.seq())
                .setSourceTopic(event.sourceTopic())
                .setPartition(event.sourcePartition())
                .setOffset(event.sourceOffset())
                .setDetectedAt(Instant.ofEpochMilli(detectedAtMillis))
                .setLateByMicros(late.lateByMicros())
                .build();
    }
}
