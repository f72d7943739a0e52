package io.mmstream.align;

import java.util.Map;

/**
 * Every modality of one stream's window on one common time grid: step i is the instant startMicros + i * stepMicros.
 */
public record AlignedWindow(String streamId, long startMicros, long endMicros, long stepMicros, Map<Modality, ModalityTrack> tracks) {

    public int steps() {
        return WindowAligner.steps(startMicros, endMicros, stepMicros);
    }

    public ModalityTrack track(Modality modality) {
        return tracks.get(modality);
    }

    /** The capture time of the newest event in the window, or -1 when it is empty. */
    public long lastCaptureMicros() {
        return tracks.values().stream().mapToLong(track -> track.coverage().lastCaptureMicros()).max().orElse(-1);
    }
}
