package io.mmstream.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A stream's sequence of actions, generated as far as asked for, always the same for the same seed. */
final class Script {

    private static final double[][] DURATION_SECONDS = {
        {2, 4}, {3, 6}, {2.5, 4}, {2, 3.5}, {2, 4}, {2, 4}, {2.5, 3.5}, {2.5, 3.5}};

    private final SplittableRandom random;
    private final List<Segment> segments = new ArrayList<>();

    Script(long seed) {
        this.random = new SplittableRandom(seed);
    }

    synchronized Segment at(long streamMicros) {
        extendTo(streamMicros);
        return segments.get(indexAt(streamMicros));
    }

    /** Segments overlapping [from, to), found by binary search: long streams have thousands. */
    synchronized List<Segment> between(long fromMicros, long toMicros) {
        extendTo(toMicros);
        List<Segment> out = new ArrayList<>();
        for (int i = indexAt(Math.max(0, fromMicros)); i < segments.size() && segments.get(i).startMicros() < toMicros; i++) {
            if (segments.get(i).endMicros() > fromMicros) {
                out.add(segments.get(i));
            }
        }
        return out;
    }

    private int indexAt(long streamMicros) {
        int low = 0;
        int high = segments.size() - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (segments.get(mid).startMicros() <= streamMicros) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    private void extendTo(long streamMicros) {
        while (segments.isEmpty() || segments.get(segments.size() - 1).endMicros() <= streamMicros) {
            Segment previous = segments.isEmpty() ? null : segments.get(segments.size() - 1);
            Action action;
            do {
                action = Action.values()[random.nextInt(Action.values().length)];
            } while (previous != null && action == previous.action());
            double[] range = DURATION_SECONDS[action.ordinal()];
            long start = previous == null ? 0 : previous.endMicros();
            long end = start + Math.round((range[0] + random.nextDouble() * (range[1] - range[0])) * 1e6);
            double startX = previous == null ? random.nextDouble(-1, 1) : Motion.pose(previous, (previous.endMicros() - previous.startMicros()) / 1e6).hipX();
            segments.add(new Segment(action, start, end, startX, random.nextBoolean() ? 1 : -1, random.nextDouble()));
        }
    }
}
