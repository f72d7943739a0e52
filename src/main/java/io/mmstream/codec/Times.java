package io.mmstream.codec;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Avro's timestamp-micros fields are Instants in the generated classes; the job computes in epoch microseconds. */
public final class Times {

    private Times() {}

    public static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    public static Instant ofMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
