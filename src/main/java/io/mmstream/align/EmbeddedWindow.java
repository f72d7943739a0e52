package io.mmstream.align;

import java.util.List;

/** A fired window as the heads receive it: the coverage figures of every modality and the tensors they read. */
public record EmbeddedWindow(String streamId, long startMicros, long endMicros, long stepMicros, List<ModalityCoverage> coverage,
                             WindowTensors tensors) {

    public static EmbeddedWindow of(AlignedWindow window, WindowTensors tensors) {
        return new EmbeddedWindow(window.streamId(), window.startMicros(), window.endMicros(), window.stepMicros(),
                window.tracks().values().stream().map(ModalityTrack::coverage).toList(), tensors);
    }

    /** The capture time of the newest event in the window, or -1 when it is empty. */
    public long lastCaptureMicros() {
        return coverage.stream().mapToLong(ModalityCoverage::lastCaptureMicros).max().orElse(-1);
    }
}
