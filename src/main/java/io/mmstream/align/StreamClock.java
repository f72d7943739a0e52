package io.mmstream.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One stream's event time, kept apart from every other stream's: real devices share Kafka partitions but not
 * clocks, network delays or stalls, so a device that lags or runs ahead must move only its own windows.
 *
 * <p>Each modality has its own clock: the latest capture time seen for it, less that modality's out-of-orderness
 * bound. The stream's event time is the slowest clock among the modalities still active. A modality is active
 * until it has been silent for the idle timeout, and silence is measured in <em>log time</em>, the time at which
 * records were written to Kafka: the modality is idle once the job has read every input up to idle past the log
 * time of its last record (or of the stream's first record, for a modality never seen). Measured so, a path that
 * is slow to start, a backlog replayed after a restore, or an encoder that falls behind cannot pass for silence:
 * log time only moves when every input has been read that far. When the inputs themselves go quiet (no record
 * and no progress for the idle timeout, by processing time), every modality counts as idle. When every modality
 * is idle the stream has stopped and all its windows close. A sliding window [start, start + size) closes when
 * the stream's event time reaches its end plus the lateness; windows close in order, each once, and only windows
 * holding at least one event close.
 *
 * <p>The whole state is a few longs ({@link #state()}), so that the Flink adapter checkpoints it as one value.
 */
public final class StreamClock {

    /** The rules every stream follows, from the job's options. Event-time durations in microseconds, idleness and retention in milliseconds. */
    public record Rules(long windowMicros, long slideMicros, long latenessMicros, long[] outOfOrdernessMicros, long idleMillis,
                        long retentionMillis) implements java.io.Serializable {

        public Rules {
            if (windowMicros <= 0 || slideMicros <= 0 || windowMicros % slideMicros != 0) {
                throw new IllegalArgumentException("window " + windowMicros + " us must be a positive multiple of the slide " + slideMicros + " us");
            }
            if (outOfOrdernessMicros.length != Modality.values().length) {
                throw new IllegalArgumentException("one out-of-orderness bound per modality");
            }
            if (idleMillis <= 0 || retentionMillis < idleMillis) {
                throw new IllegalArgumentException("idle timeout " + idleMillis + " ms must be positive and at most the retention " + retentionMillis + " ms");
            }
        }

        /** Start of the earliest window holding an event at this time. */
        long firstWindowStart(long captureMicros) {
            return Math.floorDiv(captureMicros - windowMicros, slideMicros) * slideMicros + slideMicros;
        }

        /** Start of the latest window holding an event at this time. */
        long lastWindowStart(long captureMicros) {
            return Math.floorDiv(captureMicros, slideMicros) * slideMicros;
        }
    }

    private static final int MODALITIES = Modality.values().length;
    private static final long NONE = Long.MIN_VALUE;
    // layout of the state: per modality the latest capture and the log time of its last record, then the stream's own values
    private static final int LATEST = 0;
    private static final int LOGGED = MODALITIES;
    private static final int FIRST_LOGGED = 2 * MODALITIES;
    private static final int CLOSED_UP_TO = FIRST_LOGGED + 1;
    private static final int EARLIEST_HELD = CLOSED_UP_TO + 1;
    private static final int LAST_ARRIVAL = EARLIEST_HELD + 1;
    private static final int SIZE = LAST_ARRIVAL + 1;

    private final Rules rules;
    private final long[] state;

    private StreamClock(Rules rules, long[] state) {
        this.rules = rules;
        this.state = state;
    }

    /** A stream not seen before. */
    public static StreamClock fresh(Rules rules) {
        long[] state = new long[SIZE];
        Arrays.fill(state, NONE);
        state[EARLIEST_HELD] = Long.MAX_VALUE;
        return new StreamClock(rules, state);
    }

    /** The stream's clock as checkpointed; the array is used, not copied. */
    public static StreamClock of(Rules rules, long[] state) {
        if (state.length != SIZE) {
            throw new IllegalArgumentException("a stream clock has " + SIZE + " values, the state held " + state.length);
        }
        return new StreamClock(rules, state);
    }

    /** What to checkpoint. */
    public long[] state() {
        return state;
    }

    /** Whether a record captured at this time comes after every window that could hold it has closed. */
    public boolean isLate(long captureMicros) {
        return captureMicros < acceptsFrom();
    }

    /** How far before the earliest capture time the stream still accepts this one lies (positive when late). */
    public long lateByMicros(long captureMicros) {
        return acceptsFrom() - captureMicros;
    }

    /** The earliest capture time an open window can still take, which is also the first open window's start. */
    private long acceptsFrom() {
        long closedUpTo = state[CLOSED_UP_TO];
        return closedUpTo == NONE ? Long.MIN_VALUE : closedUpTo - rules.windowMicros() + rules.slideMicros();
    }

    /**
     * A record of this modality arrived; a late one counts as activity, not as time.
     *
     * @param loggedMillis when it was written to Kafka (its record timestamp)
     * @param nowMillis processing time, for the retention
     */
    public void observe(Modality modality, long captureMicros, long loggedMillis, long nowMillis) {
        int m = modality.ordinal();
        state[LATEST + m] = Math.max(state[LATEST + m], captureMicros);
        state[LOGGED + m] = Math.max(state[LOGGED + m], loggedMillis);
        if (state[FIRST_LOGGED] == NONE) {
            state[FIRST_LOGGED] = loggedMillis;
        }
        state[LAST_ARRIVAL] = nowMillis;
    }

    /** An event at this capture time is now held for the open windows. */
    public void hold(long captureMicros) {
        state[EARLIEST_HELD] = Math.min(state[EARLIEST_HELD], captureMicros);
    }

    /** Whether any event is held. */
    public boolean holdsEvents() {
        return state[EARLIEST_HELD] != Long.MAX_VALUE;
    }

    /** The log time this modality was last heard of: its last record, or the stream's first for a modality never seen. */
    private long lastHeard(int m) {
        return Math.max(state[LOGGED + m], state[FIRST_LOGGED]);
    }

    private boolean isActive(int m, long readUpToMillis) {
        return readUpToMillis == Long.MIN_VALUE || readUpToMillis - lastHeard(m) < rules.idleMillis();
    }

    /**
     * The stream's event time in microseconds: the slowest active modality's latest capture less its bound;
     * Long.MIN_VALUE while an active modality has no record yet, Long.MAX_VALUE once every modality is idle.
     *
     * @param readUpToMillis the log time up to which every input has been read (the operator's watermark)
     * @param inputsQuiet whether the inputs have been quiet for the idle timeout: every modality is idle then
     */
    public long eventTime(long readUpToMillis, boolean inputsQuiet) {
        if (inputsQuiet) {
            return Long.MAX_VALUE;
        }
        long time = Long.MAX_VALUE;
        for (int m = 0; m < MODALITIES; m++) {
            if (isActive(m, readUpToMillis)) {
                long latest = state[LATEST + m];
                time = Math.min(time, latest == NONE ? Long.MIN_VALUE : latest - rules.outOfOrdernessMicros()[m]);
            }
        }
        return time;
    }

    /** The log time at which the next active modality goes idle, if nothing of it comes; Long.MAX_VALUE when none is active. */
    public long nextIdleMillis(long readUpToMillis) {
        long next = Long.MAX_VALUE;
        for (int m = 0; m < MODALITIES; m++) {
            if (isActive(m, readUpToMillis)) {
                next = Math.min(next, lastHeard(m) + rules.idleMillis());
            }
        }
        return next;
    }

    /** When the stream last had a record, by processing time, never earlier than startedMillis (the operator's (re)start). */
    public long lastArrivalMillis(long startedMillis) {
        return Math.max(state[LAST_ARRIVAL], startedMillis);
    }

    /** Whether the stream has had no record for the retention, so that even its record of closed windows may go. */
    public boolean isExpired(long nowMillis, long startedMillis) {
        return nowMillis - lastArrivalMillis(startedMillis) >= rules.retentionMillis();
    }

    /** Whether {@link #closeWindows} would close anything now, without reading the held events. */
    public boolean mayClose(long eventTimeMicros) {
        if (!holdsEvents()) {
            return false;
        }
        return ready(Math.max(rules.firstWindowStart(state[EARLIEST_HELD]), acceptsFrom()), eventTimeMicros);
    }

    private boolean ready(long windowStart, long eventTimeMicros) {
        if (eventTimeMicros == Long.MIN_VALUE) {
            return false;
        }
        return eventTimeMicros == Long.MAX_VALUE || windowStart + rules.windowMicros() <= eventTimeMicros - rules.latenessMicros();
    }

    /**
     * Marks every window whose end plus lateness the event time has reached as closed, those without events too,
     * so that a record arriving after its windows' deadline is late whether or not they held anything.
     */
    public void passTime(long eventTimeMicros) {
        if (eventTimeMicros == Long.MIN_VALUE || eventTimeMicros == Long.MAX_VALUE) {
            return; // no time yet; or the stream stopped, whose last windows close without moving the deadline beyond them
        }
        long lastClosedEnd = Math.floorDiv(eventTimeMicros - rules.latenessMicros(), rules.slideMicros()) * rules.slideMicros();
        state[CLOSED_UP_TO] = Math.max(state[CLOSED_UP_TO], lastClosedEnd);
    }

    /**
     * Closes, in order, every open window that holds one of these events and whose end plus lateness the event
     * time has reached, and forgets the events no open window can hold any more.
     *
     * @param heldCaptures capture times of the held events, sorted ascending
     * @return the start of each window to close, ascending
     */
    public List<Long> closeWindows(long eventTimeMicros, long[] heldCaptures) {
        List<Long> starts = new ArrayList<>();
        long next = acceptsFrom();
        scan:
        for (long capture : heldCaptures) {
            for (long start = Math.max(rules.firstWindowStart(capture), next); start <= rules.lastWindowStart(capture); start += rules.slideMicros()) {
                if (!ready(start, eventTimeMicros)) {
                    break scan;
                }
                starts.add(start);
                next = start + rules.slideMicros();
            }
        }
        if (!starts.isEmpty()) {
            state[CLOSED_UP_TO] = Math.max(state[CLOSED_UP_TO], starts.get(starts.size() - 1) + rules.windowMicros());
        }
        passTime(eventTimeMicros);
        long earliest = Long.MAX_VALUE;
        for (long capture : heldCaptures) {
            if (!isLate(capture)) {
                earliest = Math.min(earliest, capture);
            }
        }
        state[EARLIEST_HELD] = earliest;
        return starts;
    }
}
