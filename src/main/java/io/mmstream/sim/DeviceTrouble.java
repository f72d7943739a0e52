package io.mmstream.sim;

/**
 * What the network and the device do to one stream beyond the ordinary delivery knobs: the field conditions a job
 * must survive without losing a window of any other stream.
 *
 * @param lagMicros every record reaches Kafka this much later than its partition-mates' would (a slow uplink)
 * @param stallFromMicros stream time at which the device stops sending for stallMicros, then flushes what it held
 * @param clockBehindMicros the device's clock runs this far behind (its capture times are that much in the past)
 * @param rejectedOnly the device sends only records the job must reject (garbage in place of each record)
 */
public record DeviceTrouble(long lagMicros, long stallFromMicros, long stallMicros, long clockBehindMicros, boolean rejectedOnly) {

    public static final DeviceTrouble NONE = new DeviceTrouble(0, 0, 0, 0, false);

    public DeviceTrouble {
        if (lagMicros < 0 || stallMicros < 0 || clockBehindMicros < 0) {
            throw new IllegalArgumentException("lag, stall and clock offset are durations, never negative");
        }
    }

    public static DeviceTrouble lagging(long lagMicros) {
        return new DeviceTrouble(lagMicros, 0, 0, 0, false);
    }

    public static DeviceTrouble stalling(long fromMicros, long stallMicros) {
        return new DeviceTrouble(0, fromMicros, stallMicros, 0, false);
    }

    public static DeviceTrouble clockBehind(long behindMicros) {
        return new DeviceTrouble(0, 0, 0, behindMicros, false);
    }

    public static DeviceTrouble rejecting() {
        return new DeviceTrouble(0, 0, 0, 0, true);
    }

    /** When a record captured (true stream time) at trueMicros, ordinarily delivered at deliveredMicros, reaches Kafka. */
    long delivery(long streamMicros, long deliveredMicros, long epochMicros, long latencyMicros) {
        long at = deliveredMicros + lagMicros;
        if (stallMicros > 0 && streamMicros >= stallFromMicros && streamMicros < stallFromMicros + stallMicros) {
            at = Math.max(at, epochMicros + stallFromMicros + stallMicros + latencyMicros);
        }
        return at;
    }
}
