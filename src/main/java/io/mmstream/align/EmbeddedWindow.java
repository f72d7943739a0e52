package io.mmstream.align;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A fired window as the heads receive it: the coverage figures of every modality, the tensors they read, per
 * modality the step results of its events (the values of the models run from their card), and its text events
 * (their records), oldest first.
 */
public record EmbeddedWindow(String streamId, long startMicros, long endMicros, long stepMicros, List<ModalityCoverage> coverage,
                             WindowTensors tensors, Map<Modality, List<float[]>> stepResults, List<byte[]> texts) {

    public static EmbeddedWindow of(AlignedWindow window, WindowTensors tensors) {
        return of(window, tensors, List.of());
    }

    /** @param events the window's events, oldest first */
    public static EmbeddedWindow of(AlignedWindow window, WindowTensors tensors, List<ModalEvent> events) {
        Map<Modality, List<float[]>> stepResults = new EnumMap<>(Modality.class);
        List<byte[]> texts = new ArrayList<>();
        for (ModalEvent event : events) {
            if (event.stepResults().length > 0) {
                stepResults.computeIfAbsent(event.modality(), m -> new ArrayList<>()).add(event.stepResults());
            }
            if (event.modality() == Modality.TEXT) {
                texts.add(event.payload());
            }
        }
        return new EmbeddedWindow(window.streamId(), window.startMicros(), window.endMicros(), window.stepMicros(),
                window.tracks().values().stream().map(ModalityTrack::coverage).toList(), tensors, stepResults, texts);
    }

    /** The capture time of the newest event in the window, or -1 when it is empty. */
    public long lastCaptureMicros() {
        return coverage.stream().mapToLong(ModalityCoverage::lastCaptureMicros).max().orElse(-1);
    }
}
