package io.mmstream.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Puts a window's events of every modality onto one time grid, with presence masks and coverage figures. Step i
 * is the instant start + i * step; an event belongs to the step whose instant is nearest, and a step shows the
 * event nearest its instant, the way a model sees one frame per step.
 */
public final class WindowAligner {

    private final long stepMicros;

    public WindowAligner(long stepMicros) {
        if (stepMicros <= 0) {
            throw new IllegalArgumentException("grid step must be positive, was " + stepMicros);
        }
        this.stepMicros = stepMicros;
    }

    /**
     * @param startMicros inclusive window start
     * @param endMicros exclusive window end; the window holds round((end - start) / step) steps
     * @param events the window's events in any order; an event outside [start, end) is a caller bug
     */
    public AlignedWindow align(String streamId, long startMicros, long endMicros, Iterable<ModalEvent> events) {
        if (steps(startMicros, endMicros) < 1) {
            throw new IllegalArgumentException("window [" + startMicros + ", " + endMicros + ") is shorter than one " + stepMicros + " us step");
        }
        Map<Modality, List<ModalEvent>> byModality = new EnumMap<>(Modality.class);
        for (Modality modality : Modality.values()) {
            byModality.put(modality, new ArrayList<>());
        }
        for (ModalEvent event : events) {
            if (event.captureMicros() < startMicros || event.captureMicros() >= endMicros) {
                throw new IllegalArgumentException("event at " + event.captureMicros() + " us lies outside window ["
                        + startMicros + ", " + endMicros + ")");
            }
            byModality.get(event.modality()).add(event);
        }
        Map<Modality, ModalityTrack> tracks = new EnumMap<>(Modality.class);
        byModality.forEach((modality, list) -> tracks.put(modality, track(modality, startMicros, endMicros, list)));
        return new AlignedWindow(streamId, startMicros, endMicros, stepMicros, tracks);
    }

    int steps(long startMicros, long endMicros) {
        return steps(startMicros, endMicros, stepMicros);
    }

    static int steps(long startMicros, long endMicros, long stepMicros) {
        return (int) Math.round((double) (endMicros - startMicros) / stepMicros);
    }

    private ModalityTrack track(Modality modality, long startMicros, long endMicros, List<ModalEvent> events) {
        int steps = steps(startMicros, endMicros);
        events.sort(java.util.Comparator.comparingLong(ModalEvent::captureMicros));
        int width = events.stream().mapToInt(event -> event.features().length).max().orElse(0);
        boolean[] present = new boolean[steps];
        int[] counts = new int[steps];
        float[][] values = new float[steps][width];
        long[] distance = new long[steps];
        long[] captures = new long[events.size()];
        float[][] samples = new float[events.size()][];
        for (int i = 0; i < events.size(); i++) {
            ModalEvent event = events.get(i);
            captures[i] = event.captureMicros();
            samples[i] = event.features();
            long offset = event.captureMicros() - startMicros;
            int step = (int) Math.min(steps - 1, Math.round((double) offset / stepMicros));
            long away = Math.abs(offset - step * stepMicros);
            if (!present[step] || away < distance[step]) {
                values[step] = java.util.Arrays.copyOf(event.features(), width);
                distance[step] = away;
            }
            present[step] = true;
            counts[step]++;
        }
        int presentSteps = 0;
        for (boolean p : present) {
            presentSteps += p ? 1 : 0;
        }
        return new ModalityTrack(modality, present, counts, values, captures, samples,
                coverage(modality, startMicros, endMicros, steps, presentSteps, captures.clone()));
    }

    private static ModalityCoverage coverage(Modality modality, long startMicros, long endMicros, int steps, int presentSteps, long[] captures) {
        if (captures.length == 0) {
            return new ModalityCoverage(modality, 0, 0, steps, -1, -1, endMicros - startMicros, 0);
        }
        Arrays.sort(captures);
        long first = captures[0];
        long last = captures[captures.length - 1];
        long longestGap = Math.max(first - startMicros, endMicros - last);
        double sum = 0;
        double sumOfSquares = 0;
        for (int i = 1; i < captures.length; i++) {
            long interval = captures[i] - captures[i - 1];
            longestGap = Math.max(longestGap, interval);
            sum += interval;
            sumOfSquares += (double) interval * interval;
        }
        int intervals = captures.length - 1;
        long jitter = 0;
        if (intervals >= 2) {
            double mean = sum / intervals;
            jitter = Math.round(Math.sqrt(Math.max(0, sumOfSquares / intervals - mean * mean)));
        }
        return new ModalityCoverage(modality, captures.length, presentSteps, steps, first, last, longestGap, jitter);
    }
}
