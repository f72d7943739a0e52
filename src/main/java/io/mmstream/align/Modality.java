package io.mmstream.align;

import java.util.List;
import java.util.Locale;

/**
 * The kinds of input a stream has. Video, audio and sensor are timed media: they move their stream's clock and
 * decide which windows close. Text is sparse and comes when a recogniser or a person has it: it rides in the
 * windows of its stream's media without holding them, and is late like any event once they have closed.
 */
public enum Modality {
    VIDEO, AUDIO, SENSOR, TEXT;

    /** The timed media, the modalities of a stream's clock. */
    public static final List<Modality> MEDIA = List.of(VIDEO, AUDIO, SENSOR);

    /** The name used on the wire and in configuration: video, audio, sensor, text. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isMedia() {
        return this != TEXT;
    }
}
