package io.mmstream.align;

/**
 * The instants the models look at: sliding windows start on multiples of the slide, and a window's steps lie
 * every stepMicros from its start. Within each slide interval the instants are the same for every window that
 * covers it, so per-instant work (an audio patch) is done once and shared by the overlapping windows.
 */
public record FrameGrid(long slideMicros, long stepMicros) implements java.io.Serializable {

    public FrameGrid {
        if (slideMicros <= 0 || stepMicros <= 0 || stepMicros > slideMicros) {
            throw new IllegalArgumentException("grid needs 0 < step <= slide, was step " + stepMicros + " us, slide " + slideMicros + " us");
        }
    }

    /** The first grid instant at or after micros. */
    public long firstAtOrAfter(long micros) {
        long segment = Math.floorDiv(micros, slideMicros) * slideMicros;
        long steps = -Math.floorDiv(segment - micros, stepMicros);
        long instant = segment + steps * stepMicros;
        return instant >= segment + slideMicros ? segment + slideMicros : instant;
    }

    /** The grid instant after the given one. */
    public long next(long instant) {
        long segment = Math.floorDiv(instant, slideMicros) * slideMicros;
        long next = instant + stepMicros;
        return next >= segment + slideMicros ? segment + slideMicros : next;
    }
}
