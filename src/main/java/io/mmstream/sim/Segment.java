package io.mmstream.sim;

/**
 * One action of the script, in stream time (microseconds since the stream's start).
 *
 * @param startX where the actor stands when it begins, metres from the room's centre
 * @param direction +1 or -1: which way WALK and RUN head first
 * @param variant a per-segment number in [0, 1) that varies tempo and amplitude
 */
public record Segment(Action action, long startMicros, long endMicros, double startX, int direction, double variant) {

    public boolean contains(long micros) {
        return micros >= startMicros && micros < endMicros;
    }
}
