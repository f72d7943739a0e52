package io.mmstream.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One stream's event time, kept apart from every other stream's: real devices share Kafka partitions but not
 * clocks, network delays or stalls, so a device that lags or runs ahead must move only its own windows.
 *
 * <p>Each modality has its own clock: the latest capture time seen for it, less that modality's out-of-orderness
 * bound. A modality is active until it has been silent for the idle timeout, and silence is measured in <em>log
 * time</em>, the time at which records were written to Kafka: the modality is idle once the job has read every
 * input up to idle past the log time of its last record (or of the stream's first record, or of its waking after a
 * silence, if later). Measured so, a path that is slow to start, a backlog replayed after a restore, or an encoder
 * that falls behind cannot pass for silence: log time only moves when every input has been read that far. An idle
 * modality's clock is how far the inputs have been read, less its delivery delay, the idle timeout and its bound:
 * what it sends next may belong just after that, so a stalled device's windows close as the log moves past them,
 * and what it flushes into them later is late. A modality never seen in the stream is, after the idle timeout,
 * taken to come with the stream's other records (a stream without a microphone pays almost nothing for it, while a
 * camera that comes on later still finds its windows open). The stream's event time is the slowest clock.
 * When the inputs themselves go quiet (no record and no progress for the idle timeout, by processing time), every
 * window closes. A sliding window [start, start + size) closes when the stream's event time reaches its end plus
 * the lateness; windows close in order, each once, and only windows holding at least one event close.
 *
 * <p>The whole state is a few longs ({@link #state()}), so that the Flink adapter checkpoints it as one value.
 */
public final class StreamClock {

    /** The rules every stream follows, from the job's options. Event-time durations in microseconds, idleness and retention in milliseconds. */
    public record Rules(long windowMicros, long slideMicros, long latenessMicros, long[] outOfOrdernessMicros, long idleMillis,
                        long retentionMillis, long startupGraceMillis) implements java.io.Serializable {

        public Rules {
            if (windowMicros <= 0 || slideMicros <= 0 || windowMicros % slideMicros != 0) {
                throw new IllegalArgumentException("window " + windowMicros + " us must be a positive multiple of the slide " + slideMicros + " us");
            }
            if (outOfOrdernessMicros.length != Modality.MEDIA.size()) {
                throw new IllegalArgumentException("one out-of-orderness bound per timed medium");
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

    private static final int MODALITIES = Modality.MEDIA.size();
    private static final long NONE = Long.MIN_VALUE;
    // layout of the state: per modality the latest capture and the log time of its last record, then the stream's own values
    private static final int LATEST = 0;
    private static final int LOGGED = MODALITIES;
    private static final int OFFSET = 2 * MODALITIES;
    private static final int WOKE_LOGGED = 3 * MODALITIES;
    private static final int CLOSED_UP_TO = WOKE_LOGGED + 1;
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
     * A record of this modality arrived; a late one counts as activity, not as time. The first record of a stream, or
     * the first of a modality that had gone idle, wakes the stream: its other modalities hold it back for the idle
     * timeout again, so that a device flushing what it held after a stall does not see its frames made late by its
     * readings, which happened to come first.
     *
     * @param loggedMillis when it was written to Kafka (its record timestamp)
     * @param readUpToMillis per modality, the log time up to which every input has been read (see {@link #eventTime})
     * @param nowMillis processing time, for the retention
     */
    public void observe(Modality modality, long captureMicros, long loggedMillis, long[] readUpToMillis, long nowMillis) {
        int m = modality.ordinal();
        if (state[WOKE_LOGGED] == NONE || !isActive(m, readUpToMillis[m])) {
            state[WOKE_LOGGED] = Math.max(state[WOKE_LOGGED], loggedMillis);
        }
        state[LATEST + m] = Math.max(state[LATEST + m], captureMicros);
        state[LOGGED + m] = Math.max(state[LOGGED + m], loggedMillis);
        state[OFFSET + m] = Math.max(state[OFFSET + m], loggedMillis * 1000 - captureMicros);
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

    /** The log time this modality was last heard of: its last record, or when the stream started or last woke, if later. */
    private long lastHeard(int m) {
        return Math.max(state[LOGGED + m], state[WOKE_LOGGED]);
    }

    private boolean isActive(int m, long readUpToMillis) {
        return readUpToMillis == Long.MIN_VALUE || readUpToMillis - lastHeard(m) < rules.idleMillis();
    }

    /**
     * The stream's event time in microseconds: the slowest modality's clock, an idle one's being how far the inputs
     * have been read less its delivery delay and bound; Long.MIN_VALUE while an active modality has no record yet,
     * Long.MAX_VALUE once the inputs are quiet or at the end of the input.
     *
     * @param readUpToMillis per modality, the log time up to which every input has been read (the operator's watermark);
     *     Long.MIN_VALUE for a modality whose own path has delivered nothing since the (re)start, which cannot be judged idle
     * @param inputsQuiet whether the inputs have been quiet for the idle timeout: every modality is idle then
     */
    public long eventTime(long[] readUpToMillis, boolean inputsQuiet) {
        if (inputsQuiet) {
            return Long.MAX_VALUE;
        }
        long time = Long.MAX_VALUE;
        long streamDelay = Long.MIN_VALUE;
        for (int m = 0; m < MODALITIES; m++) {
            streamDelay = Math.max(streamDelay, state[OFFSET + m]);
        }
        for (int m = 0; m < MODALITIES; m++) {
            long latest = state[LATEST + m];
            if (isActive(m, readUpToMillis[m])) {
                time = Math.min(time, latest == NONE ? Long.MIN_VALUE : latest - rules.outOfOrdernessMicros()[m]);
            } else if (readUpToMillis[m] != Long.MAX_VALUE && streamDelay != NONE) {
                // silent only as far as the inputs have been read: what it sends next may belong just after that. A modality
                // seen before keeps its own delay, which may have grown by up to the idle timeout while it was silent; one
                // never seen is taken to come with the stream's other records
                long delay = latest != NONE ? state[OFFSET + m] + rules.idleMillis() * 1000 : streamDelay;
                time = Math.min(time, readUpToMillis[m] * 1000 - delay - rules.outOfOrdernessMicros()[m]);
            }
        }
        return time;
    }

    /** The log time at which the next active modality goes idle, if nothing of it comes; Long.MAX_VALUE when none is active. */
    public long nextIdleMillis(long[] readUpToMillis) {
        long next = Long.MAX_VALUE;
        for (int m = 0; m < MODALITIES; m++) {
            if (isActive(m, readUpToMillis[m])) {
                next = Math.min(next, lastHeard(m) + rules.idleMillis());
            }
        }
        return next;
    }

    /** Whether an idle modality, seen before, holds the stream where the log has been read: then time moves with the log. */
    public boolean followsTheLog(long[] readUpToMillis) {
        for (int m = 0; m < MODALITIES; m++) {
            if (state[LATEST + m] != NONE && !isActive(m, readUpToMillis[m])) {
                return true;
            }
        }
        return false;
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
