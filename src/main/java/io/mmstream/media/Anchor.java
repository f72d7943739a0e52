package io.mmstream.media;

import java.util.function.LongSupplier;

/**
 * Turns a track's presentation time into a capture time. A file's tracks share one fixed epoch (the wall clock
 * when publishing started), so capture time = epoch + presentation time from the container's start. A live
 * input (a camera, a stream URL) is anchored once, by whichever track delivers first, to that frame's arrival:
 * its other tracks then keep their presentation-time offsets, so decoder buffering cannot shift audio against video.
 */
public interface Anchor {

    /** @param presentationMicros the frame's presentation time, counted from the container's start */
    long captureMicros(long presentationMicros);

    static Anchor fixed(long epochMicros) {
        return presentation -> epochMicros + presentation;
    }

    static Anchor firstArrival(LongSupplier wallClockMicros) {
        return new Anchor() {
            private long epoch = Long.MIN_VALUE;

            @Override
            public synchronized long captureMicros(long presentationMicros) {
                if (epoch == Long.MIN_VALUE) {
                    epoch = wallClockMicros.getAsLong() - presentationMicros;
                }
                return epoch + presentationMicros;
            }
        };
    }
}
