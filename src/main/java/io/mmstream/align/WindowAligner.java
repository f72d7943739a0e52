package io.mmstream.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Puts a window's events of every modality onto one time grid, with presence masks and coverage figures. */
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
     * @param endMicros exclusive window end; (end - start) must be a multiple of the grid step
     * @param events the window's events in any order; an event outside [start, end) is a caller bug
     */
    public AlignedWindow align(String streamId, long startMicros, long endMicros, Iterable<ModalEvent> events) {
        if ((endMicros - startMicros) <= 0 || (endMicros - startMicros) % stepMicros != 0) {
            throw new IllegalArgumentException("window [" + startMicros + ", " + endMicros + ") is not a whole number of "
                    + stepMicros + " us steps");
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

    private ModalityTrack track(Modality modality, long startMicros, long endMicros, List<ModalEvent> events) {
        int steps = (int) ((endMicros - startMicros) / stepMicros);
        int width = events.stream().mapToInt(event -> event.features().length).max().orElse(0);
        boolean[] present = new boolean[steps];
        int[] counts = new int[steps];
        float[][] sums = new float[steps][width];
        int[][] valueCounts = new int[steps][width];
        long[] captures = new long[events.size()];
        for (int i = 0; i < events.size(); i++) {
            ModalEvent event = events.get(i);
            captures[i] = event.captureMicros();
            int step = (int) ((event.captureMicros() - startMicros) / stepMicros);
            present[step] = true;
            counts[step]++;
            float[] features = event.features();
            for (int f = 0; f < features.length; f++) {
                sums[step][f] += features[f];
                valueCounts[step][f]++;
            }
        }
        for (int step = 0; step < steps; step++) {
            for (int f = 0; f < width; f++) {
                if (valueCounts[step][f] > 0) {
                    sums[step][f] /= valueCounts[step][f];
                }
            }
        }
        int presentSteps = 0;
        for (boolean p : present) {
            presentSteps += p ? 1 : 0;
        }
        return new ModalityTrack(modality, present, counts, sums, coverage(modality, startMicros, endMicros, steps, presentSteps, captures));
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
