package io.mmstream.job.operators;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.LateArrival;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.align.StreamClock;
import io.mmstream.align.WindowGeometry;
import io.mmstream.align.WindowAligner;
import io.mmstream.align.WindowTensors;
import io.mmstream.media.SensorResampler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.Collector;

/**
 * Adapter, per stream: sliding windows on the stream's own event time ({@link StreamClock}), each event held once
 * whatever the number of windows it falls in; a closing window's events go through {@link WindowAligner} and
 * {@link WindowTensors} to the heads. The watermark here is log time (how far every input has been read), never
 * event time: a device that lags, stalls or runs ahead of its partition-mates moves only its own windows. Per
 * stream, an event-time timer fires when log time reaches the moment its next modality would go idle, and a
 * processing-time timer notices the inputs going quiet altogether and forgets a stream gone for the retention.
 */
public final class AssembleWindow extends KeyedProcessFunction<String, ModalEvent, EmbeddedWindow> {

    private final WindowGeometry geometry;
    private final StreamClock.Rules rules;
    private transient WindowAligner aligner;
    private transient SensorResampler imu;
    private transient ValueState<long[]> clockState;
    private transient ListState<ModalEvent> events;
    /** The pending timers of the stream: [event-time idle check, processing-time quiet or expiry check], Long.MIN_VALUE for none. */
    private transient ValueState<long[]> timers;
    /** When this instance first ran, by processing time: the retention is never counted from before a (re)start. */
    private transient long startedMillis;
    /** When this subtask last had an element, and when its log time last moved: together, whether the inputs are quiet. */
    private transient long lastElementMillis;
    /** Whether an element of each modality has come since the (re)start: until then its path may be loading models. */
    private transient boolean[] pathRunning;
    private transient boolean anyElement;
    /** Whether every input reports itself idle (Flink's watermark status): nothing is then in flight towards this task. */
    private transient boolean inputsIdle;
    private transient long readUpToMillis;
    private transient long readUpToMovedMillis;
    private transient Counter windowsFired;
    private transient Counter streamsIdle;
    private transient Counter stepResultsDropped;

    public AssembleWindow(WindowGeometry geometry, StreamClock.Rules rules) {
        this.geometry = geometry;
        this.rules = rules;
    }

    @Override
    public void open(OpenContext openContext) {
        aligner = new WindowAligner(geometry.gridStepMicros());
        imu = new SensorResampler(geometry.imuMean(), geometry.imuStd(), geometry.imuMaxGapMicros());
        clockState = getRuntimeContext().getState(new ValueStateDescriptor<>("clock", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        events = getRuntimeContext().getListState(new ListStateDescriptor<>("events", TypeInformation.of(ModalEvent.class)));
        timers = getRuntimeContext().getState(new ValueStateDescriptor<>("timers", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        startedMillis = Long.MIN_VALUE;
        readUpToMillis = Long.MIN_VALUE;
        pathRunning = new boolean[Modality.values().length];
        windowsFired = getRuntimeContext().getMetricGroup().counter("windowsFired");
        stepResultsDropped = getRuntimeContext().getMetricGroup().counter("stepResultsDropped");
        streamsIdle = getRuntimeContext().getMetricGroup().counter("streamsIdle");
    }

    /** Processing time now; also notes how far the inputs have been read, and since when. */
    private long now(TimerService timerService) {
        long now = timerService.currentProcessingTime();
        if (startedMillis == Long.MIN_VALUE) {
            startedMillis = now;
            lastElementMillis = now;
            readUpToMovedMillis = now;
        }
        long readUpTo = timerService.currentWatermark();
        if (readUpTo != readUpToMillis) {
            readUpToMillis = readUpTo;
            readUpToMovedMillis = now;
        }
        return now;
    }

    /** Past the startup grace: a path that has delivered nothing by then has nothing to deliver. */
    private boolean graceOver(long now) {
        return now - startedMillis >= rules.startupGraceMillis();
    }

    /**
     * Every input idle, and no element and no progress in log time for the idle timeout: the devices have stopped.
     * Silence alone is not enough: a path held up (loading its models after a restore, starved of CPU, behind a
     * checkpoint) delivers nothing for a while with its records still on the way, and only the sources know there are
     * none; their idle status travels behind their last records through every task, so it comes here after them.
     */
    private boolean inputsQuiet(long now) {
        return inputsIdle && (anyElement || graceOver(now)) && now - Math.max(lastElementMillis, readUpToMovedMillis) >= rules.idleMillis();
    }

    /** How far every input has been read, per modality: nothing for a modality whose path has not delivered yet (within the grace). */
    private long[] readUpTo(long now) {
        long[] readUpTo = new long[pathRunning.length];
        for (int m = 0; m < readUpTo.length; m++) {
            readUpTo[m] = pathRunning[m] || graceOver(now) ? readUpToMillis : Long.MIN_VALUE;
        }
        return readUpTo;
    }

    @Override
    public void processElement(ModalEvent event, Context context, Collector<EmbeddedWindow> out) throws Exception {
        if (event.modality() == Modality.TEXT) {
            holdText(event, context);
            return;
        }
        if (event.features().length == 0) {
            holdStepResults(event);
            return;
        }
        long now = now(context.timerService());
        lastElementMillis = now;
        anyElement = true;
        pathRunning[event.modality().ordinal()] = true;
        long[] state = clockState.value();
        StreamClock clock = state == null ? StreamClock.fresh(rules) : StreamClock.of(rules, state);
        Long logged = context.timestamp();
        long[] readUpTo = readUpTo(now);
        clock.observe(event.modality(), event.captureMicros(), logged == null ? now : logged, readUpTo, now);
        if (clock.isLate(event.captureMicros())) {
            context.output(SideOutputs.LATE, new LateArrival(event, clock.lateByMicros(event.captureMicros())));
        } else {
            events.add(event);
            clock.hold(event.captureMicros());
        }
        closeWindows(clock, clock.eventTime(readUpTo, false), context.getCurrentKey(), out);
        clockState.update(clock.state());
        schedule(clock, now, readUpTo, context.timerService());
    }

    /** The events captured in [start, end), of a list sorted by capture time. */
    private static List<ModalEvent> within(List<ModalEvent> sorted, long start, long end) {
        int first = 0;
        while (first < sorted.size() && sorted.get(first).captureMicros() < start) {
            first++;
        }
        int last = first;
        while (last < sorted.size() && sorted.get(last).captureMicros() < end) {
            last++;
        }
        return sorted.subList(first, last);
    }

    /**
     * A step result of a model run per audio step comes by its own path, ahead of the stream's audio patches: it
     * neither moves the stream's clock nor counts as its modality's arrival, and waits for its window; one behind
     * the windows already closed is dropped and counted (the media it was computed from is not late).
     */
    private void holdStepResults(ModalEvent event) throws Exception {
        long[] state = clockState.value();
        if (state != null && StreamClock.of(rules, state).isLate(event.captureMicros())) {
            stepResultsDropped.inc();
        } else {
            events.add(event);
        }
    }

    /** Hands the function its inputs' watermark status, which a process function does not see. */
    public static final class Operator extends KeyedProcessOperator<String, ModalEvent, EmbeddedWindow> {

        public Operator(AssembleWindow function) {
            super(function);
        }

        @Override
        public void processWatermarkStatus(WatermarkStatus status) throws Exception {
            ((AssembleWindow) userFunction).inputsIdle = status.isIdle();
            super.processWatermarkStatus(status);
        }
    }

    /**
     * A text event rides in the windows of its stream's media without moving or holding the stream's clock (text is
     * sparse, and comes when a recogniser or a person has it); one behind the windows already closed is late. Texts
     * of a stream whose media never come leave after the stream retention.
     */
    private void holdText(ModalEvent event, Context context) throws Exception {
        long[] state = clockState.value();
        StreamClock clock = state == null ? null : StreamClock.of(rules, state);
        if (clock != null && clock.isLate(event.captureMicros())) {
            context.output(SideOutputs.LATE, new LateArrival(event, clock.lateByMicros(event.captureMicros())));
            return;
        }
        events.add(event);
        if (state == null && timers.value() == null) {
            long expiry = now(context.timerService()) + rules.retentionMillis();
            context.timerService().registerProcessingTimeTimer(expiry);
            timers.update(new long[] {Long.MIN_VALUE, expiry});
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<EmbeddedWindow> out) throws Exception {
        long now = now(context.timerService());
        long[] state = clockState.value();
        if (state == null) {
            // texts of a stream whose media never came
            forget(context.timerService());
            return;
        }
        long[] pending = timers.value();
        pending[context.timeDomain() == TimeDomain.EVENT_TIME ? 0 : 1] = Long.MIN_VALUE;
        timers.update(pending);
        StreamClock clock = StreamClock.of(rules, state);
        boolean quiet = context.timeDomain() == TimeDomain.PROCESSING_TIME && inputsQuiet(now);
        long[] readUpTo = readUpTo(now);
        // the end of a bounded input (or a stop with drain) closes everything
        long eventTime = readUpToMillis == Long.MAX_VALUE ? Long.MAX_VALUE : clock.eventTime(readUpTo, quiet);
        if (eventTime == Long.MAX_VALUE && clock.holdsEvents()) {
            streamsIdle.inc();
        }
        closeWindows(clock, eventTime, context.getCurrentKey(), out);
        if (readUpToMillis == Long.MAX_VALUE || clock.isExpired(now, startedMillis)) {
            // the end of a bounded input; or a stream gone for the retention: even the record of its closed windows goes
            forget(context.timerService());
            return;
        }
        clockState.update(clock.state());
        schedule(clock, now, readUpTo, context.timerService());
    }

    /**
     * At most one timer of each kind per stream: in log time, when its next active modality would go idle (or a slide
     * on, while an idle modality holds the stream where the log has been read); in
     * processing time, while it holds events, when the inputs could next count as quiet, else when its retention ends.
     */
    private void schedule(StreamClock clock, long now, long[] readUpTo, TimerService timerService) throws Exception {
        long[] pending = timers.value();
        if (pending == null) {
            pending = new long[] {Long.MIN_VALUE, Long.MIN_VALUE};
        }
        long idleAt = clock.nextIdleMillis(readUpTo);
        if (clock.holdsEvents() && readUpToMillis != Long.MIN_VALUE && clock.followsTheLog(readUpTo)) {
            idleAt = Math.min(idleAt, readUpToMillis + rules.slideMicros() / 1000); // look again once the log has moved a slide
        }
        if (idleAt != Long.MAX_VALUE && (pending[0] == Long.MIN_VALUE || pending[0] > idleAt)) {
            if (pending[0] != Long.MIN_VALUE) {
                timerService.deleteEventTimeTimer(pending[0]);
            }
            timerService.registerEventTimeTimer(idleAt);
            pending[0] = idleAt;
        }
        long checkAt = clock.holdsEvents()
                ? Math.max(now, Math.max(clock.lastArrivalMillis(startedMillis), Math.max(lastElementMillis, readUpToMovedMillis))) + rules.idleMillis()
                : clock.lastArrivalMillis(startedMillis) + rules.retentionMillis();
        if (pending[1] == Long.MIN_VALUE || pending[1] > checkAt) {
            if (pending[1] != Long.MIN_VALUE) {
                timerService.deleteProcessingTimeTimer(pending[1]);
            }
            timerService.registerProcessingTimeTimer(checkAt);
            pending[1] = checkAt;
        }
        timers.update(pending);
    }

    private void forget(TimerService timerService) throws Exception {
        long[] pending = timers.value();
        if (pending != null) {
            if (pending[0] != Long.MIN_VALUE) {
                timerService.deleteEventTimeTimer(pending[0]);
            }
            if (pending[1] != Long.MIN_VALUE) {
                timerService.deleteProcessingTimeTimer(pending[1]);
            }
        }
        clockState.clear();
        timers.clear();
        events.clear();
    }

    private void closeWindows(StreamClock clock, long eventTime, String streamId, Collector<EmbeddedWindow> out) throws Exception {
        if (!clock.mayClose(eventTime)) {
            clock.passTime(eventTime);
            return;
        }
        List<ModalEvent> held = new ArrayList<>();
        events.get().forEach(held::add);
        held.sort(Comparator.comparingLong(ModalEvent::captureMicros));
        // the media decide which windows close; texts are aligned with them (for their coverage), step results ride along
        List<ModalEvent> media = held.stream().filter(event -> event.features().length > 0).toList();
        List<ModalEvent> texts = held.stream().filter(event -> event.modality() == Modality.TEXT).toList();
        List<ModalEvent> stepResults = held.stream().filter(event -> event.features().length == 0 && event.modality() != Modality.TEXT).toList();
        long[] captures = media.stream().mapToLong(ModalEvent::captureMicros).toArray();
        for (long start : clock.closeWindows(eventTime, captures)) {
            long end = start + rules.windowMicros();
            List<ModalEvent> carried = new ArrayList<>(within(media, start, end));
            carried.addAll(within(texts, start, end));
            AlignedWindow aligned = aligner.align(streamId, start, end, carried);
            carried.addAll(within(stepResults, start, end));
            out.collect(EmbeddedWindow.of(aligned, WindowTensors.of(aligned, geometry.videoWidth(), geometry.audioWidth(), imu, geometry.imuStepMicros(), geometry.imuSteps()),
                    carried));
            windowsFired.inc();
        }
        List<ModalEvent> kept = held.stream().filter(event -> !clock.isLate(event.captureMicros())).toList();
        if (kept.isEmpty()) {
            events.clear();
        } else if (kept.size() < held.size()) {
            events.update(kept);
        }
    }
}
