package io.mmstream.align;

import java.util.Locale;

/** The kinds of input a stream has. */
public enum Modality {
    VIDEO, AUDIO, SENSOR;

    /** The name used on the wire and in configuration: video, audio, sensor. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
