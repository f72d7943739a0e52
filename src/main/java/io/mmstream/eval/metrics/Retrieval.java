package io.mmstream.eval.metrics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Retrieval figures of a query set against a gallery: recall at K (the share of queries with a relevant item among
 * the K best-scored) and mean average precision (per query, the mean over its relevant items of the precision at each
 * one's rank; queries with no relevant item are left out of both). Ties in score rank the lower gallery index first.
 */
public final class Retrieval {

    private final double[] recallAt;
    private final double meanAveragePrecision;
    private final int queries;

    private Retrieval(double[] recallAt, double meanAveragePrecision, int queries) {
        this.recallAt = recallAt;
        this.meanAveragePrecision = meanAveragePrecision;
        this.queries = queries;
    }

    /**
     * @param scores per query, a score per gallery item (higher: more alike)
     * @param relevant per query, which gallery items it should find
     * @param ks the K of each recall figure
     */
    public static Retrieval of(double[][] scores, boolean[][] relevant, int... ks) {
        double[] hits = new double[ks.length];
        double precisionSum = 0;
        int counted = 0;
        for (int q = 0; q < scores.length; q++) {
            double[] row = scores[q];
            boolean[] wanted = relevant[q];
            int relevantCount = 0;
            for (boolean r : wanted) {
                relevantCount += r ? 1 : 0;
            }
            if (relevantCount == 0) {
                continue;
            }
            counted++;
            Integer[] order = IntStream.range(0, row.length).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -row[i]).thenComparingInt(i -> i));
            int firstHit = Integer.MAX_VALUE;
            int found = 0;
            double precisions = 0;
            for (int rank = 0; rank < order.length; rank++) {
                if (wanted[order[rank]]) {
                    firstHit = Math.min(firstHit, rank);
                    found++;
                    precisions += (double) found / (rank + 1);
                }
            }
            precisionSum += precisions / relevantCount;
            for (int k = 0; k < ks.length; k++) {
                hits[k] += firstHit < ks[k] ? 1 : 0;
            }
        }
        for (int k = 0; k < ks.length; k++) {
            hits[k] = counted == 0 ? Double.NaN : hits[k] / counted;
        }
        return new Retrieval(hits, counted == 0 ? Double.NaN : precisionSum / counted, counted);
    }

    /** Recall at the i-th K given to {@link #of}. */
    public double recallAt(int index) {
        return recallAt[index];
    }

    public double meanAveragePrecision() {
        return meanAveragePrecision;
    }

    public int queries() {
        return queries;
    }
}
