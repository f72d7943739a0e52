package io.mmstream.job.operators;

import java.time.Duration;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Fires a window once, when the watermark passes its end plus the allowed lateness, and purges it. Flink's
 * default trigger fires at the end and again for every late element, which would emit several predictions
 * for one window; downstream consumers need exactly one.
 */
public final class LatenessDeadlineTrigger extends Trigger<Object, TimeWindow> {

    private final long latenessMillis;

    public LatenessDeadlineTrigger(Duration lateness) {
        this.latenessMillis = lateness.toMillis();
    }

    private long deadline(TimeWindow window) {
        return window.maxTimestamp() + latenessMillis;
    }

    @Override
    public TriggerResult onElement(Object element, long timestamp, TimeWindow window, TriggerContext context) {
        context.registerEventTimeTimer(deadline(window));
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onEventTime(long time, TimeWindow window, TriggerContext context) {
        return time == deadline(window) ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, TimeWindow window, TriggerContext context) {
        return TriggerResult.CONTINUE;
    }

    @Override
    public void clear(TimeWindow window, TriggerContext context) {
        context.deleteEventTimeTimer(deadline(window));
    }
}
