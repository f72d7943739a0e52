package io.mmstream.codec;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.align.ModalityTrack;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.Prediction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds the output records of the job from its pure-Java results. */
public final class Records {

    private Records() {}

    /** A window's prediction; until model heads are configured it carries the coverage figures only. */
    public static Prediction prediction(AlignedWindow window, long emitMillis) {
        List<io.mmstream.schema.ModalityCoverage> coverage = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (ModalityTrack track : window.tracks().values()) {
            ModalityCoverage c = track.coverage();
            coverage.add(io.mmstream.schema.ModalityCoverage.newBuilder()
                    .setModality(c.modality().wireName())
                    .setEvents(c.events())
                    .setPresentSteps(c.presentSteps())
                    .setGridSteps(c.gridSteps())
                    .setFirstCapture(c.present() ? Times.ofMicros(c.firstCaptureMicros()) : null)
                    .setLastCapture(c.present() ? Times.ofMicros(c.lastCaptureMicros()) : null)
                    .setLongestGapMicros(c.longestGapMicros())
                    .setJitterMicros(c.jitterMicros())
                    .build());
            if (c.present()) {
                present.add(c.modality().wireName());
            }
        }
        return Prediction.newBuilder()
                .setStreamId(window.streamId())
                .setWindowStart(Times.ofMicros(window.startMicros()))
                .setWindowEnd(Times.ofMicros(window.endMicros()))
                .setGridStepMicros(window.stepMicros())
                .setResults(new ArrayList<>())
                .setCoverage(coverage)
                .setModalitiesPresent(present)
                .setEmitTime(Instant.ofEpochMilli(emitMillis))
                .setCaptureToEmitMillis(emitMillis - Math.floorDiv(window.lastCaptureMicros(), 1000))
                .build();
    }

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

    public static LateEvent lateEvent(ModalEvent event, long detectedAtMillis) {
        return LateEvent.newBuilder()
                .setStreamId(event.streamId())
                .setModality(event.modality().wireName())
                .setCaptureTime(Times.ofMicros(event.captureMicros()))
                .setSeq(event.seq())
                .setSourceTopic(event.sourceTopic())
                .setPartition(event.sourcePartition())
                .setOffset(event.sourceOffset())
                .setDetectedAt(Instant.ofEpochMilli(detectedAtMillis))
                .build();
    }
}
