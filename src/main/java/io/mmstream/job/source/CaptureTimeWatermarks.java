package io.mmstream.job.source;

import io.mmstream.codec.Decoded;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time is the capture time in the payload. Bounded out-of-orderness, but a rejected record neither has a
 * timestamp nor moves the watermark: a corrupt record must not be able to poison event time.
 */
public final class CaptureTimeWatermarks implements WatermarkGenerator<Decoded> {

    private final long outOfOrdernessMillis;
    private long maxTimestamp;

    private CaptureTimeWatermarks(Duration outOfOrderness) {
        this.outOfOrdernessMillis = outOfOrderness.toMillis();
        this.maxTimestamp = Long.MIN_VALUE + outOfOrdernessMillis + 1;
    }

    /**
     * @param idleness 0 disables idleness detection
     * @param alignmentGroup sources of one group are paused when they run ahead of the slowest by maxDrift
     */
    public static WatermarkStrategy<Decoded> strategy(Duration outOfOrderness, Duration idleness, String alignmentGroup,
                                                      Duration maxDrift, Duration alignmentUpdateInterval) {
        WatermarkStrategy<Decoded> strategy = WatermarkStrategy.<Decoded>forGenerator(context -> new CaptureTimeWatermarks(outOfOrderness))
                .withTimestampAssigner((decoded, kafkaTimestamp) -> decoded.isAccepted() ? decoded.event().eventTimeMillis() : Long.MIN_VALUE);
        if (!idleness.isZero()) {
            strategy = strategy.withIdleness(idleness);
        }
        return strategy.withWatermarkAlignment(alignmentGroup, maxDrift, alignmentUpdateInterval);
    }

    @Override
    public void onEvent(Decoded decoded, long eventTimestamp, WatermarkOutput output) {
        if (decoded.isAccepted()) {
            maxTimestamp = Math.max(maxTimestamp, eventTimestamp);
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(maxTimestamp - outOfOrdernessMillis - 1));
    }
}
