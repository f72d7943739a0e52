package io.mmstream.align;

/**
 * How well one modality covered a window.
 *
 * @param firstCaptureMicros -1 when there were no events, like lastCaptureMicros
 * @param longestGapMicros longest stretch without an event, window edges included
 * @param jitterMicros standard deviation of inter-arrival times; 0 below three events
 */
public record ModalityCoverage(
        Modality modality,
        int events,
        int presentSteps,
        int gridSteps,
        long firstCaptureMicros,
        long lastCaptureMicros,
        long longestGapMicros,
        long jitterMicros) {

    public boolean present() {
        return events > 0;
    }
}
