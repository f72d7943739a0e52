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

    /**
     * The alignment rule, one for the job's windows and the training data: of the events captured in [start, end),
     * each belongs to the step whose instant is nearest (the last step also takes the window's tail), and a step
     * shows the one of its events nearest its instant (the earlier on a tie).
     *
     * @param captures capture times in ascending order, all in [start, end)
     * @return per step, the index of the event it shows; -1 where it has none
     */
    public static int[] nearestOnGrid(long[] captures, long startMicros, long endMicros, long stepMicros) {
        int[] shown = new int[steps(startMicros, endMicros, stepMicros)];
        Arrays.fill(shown, -1);
        long[] distance = new long[shown.length];
        for (int i = 0; i < captures.length; i++) {
            int step = step(captures[i], startMicros, shown.length, stepMicros);
            long away = Math.abs(captures[i] - startMicros - step * stepMicros);
            if (shown[step] < 0 || away < distance[step]) {
                shown[step] = i;
                distance[step] = away;
            }
        }
        return shown;
    }

    private static int step(long captureMicros, long startMicros, int steps, long stepMicros) {
        return (int) Math.min(steps - 1, Math.round((double) (captureMicros - startMicros) / stepMicros));
    }

    private ModalityTrack track(Modality modality, long startMicros, long endMicros, List<ModalEvent> events) {
        int steps = steps(startMicros, endMicros);
        events.sort(java.util.Comparator.comparingLong(ModalEvent::captureMicros));
        int width = events.stream().mapToInt(event -> event.features().length).max().orElse(0);
        long[] captures = new long[events.size()];
        float[][] samples = new float[events.size()][];
        int[] counts = new int[steps];
        for (int i = 0; i < events.size(); i++) {
            captures[i] = events.get(i).captureMicros();
            samples[i] = events.get(i).features();
            counts[step(captures[i], startMicros, steps, stepMicros)]++;
        }
        int[] shown = nearestOnGrid(captures, startMicros, endMicros, stepMicros);
        boolean[] present = new boolean[steps];
        float[][] values = new float[steps][];
        int presentSteps = 0;
        for (int step = 0; step < steps; step++) {
            present[step] = shown[step] >= 0;
            values[step] = present[step] ? Arrays.copyOf(samples[shown[step]], width) : new float[width];
            presentSteps += present[step] ? 1 : 0;
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
