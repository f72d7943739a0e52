package io.mmstream.eval.metrics;

import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU (Papineni et al. 2002) as NLTK's {@code corpus_bleu} computes it without smoothing: n-gram precisions
 * clipped by each n-gram's largest count in any one reference and summed over the corpus, the brevity penalty from the
 * reference length closest to each hypothesis (the shorter on a tie), uniform weights. BLEU-n uses orders 1..n; an
 * order with no match at all makes it 0.
 */
public final class Bleu {

    private Bleu() {}

    /** @param references per item, its reference sentences; {@code hypotheses} the same items' candidate sentences */
    public static double corpus(List<List<List<String>>> references, List<List<String>> hypotheses, int maxOrder) {
        long[] matched = new long[maxOrder + 1];
        long[] total = new long[maxOrder + 1];
        long hypothesisLength = 0;
        long referenceLength = 0;
        for (int item = 0; item < hypotheses.size(); item++) {
            List<String> hypothesis = hypotheses.get(item);
            for (int n = 1; n <= maxOrder; n++) {
                Map<String, Integer> counts = NGrams.count(hypothesis, n);
                for (Map.Entry<String, Integer> gram : counts.entrySet()) {
                    int most = 0;
                    for (List<String> reference : references.get(item)) {
                        most = Math.max(most, NGrams.count(reference, n).getOrDefault(gram.getKey(), 0));
                    }
                    matched[n] += Math.min(gram.getValue(), most);
                }
                total[n] += Math.max(1, hypothesis.size() - n + 1);
            }
            hypothesisLength += hypothesis.size();
            referenceLength += closestLength(references.get(item), hypothesis.size());
        }
        double logSum = 0;
        for (int n = 1; n <= maxOrder; n++) {
            if (matched[n] == 0) {
                return 0;
            }
            logSum += Math.log((double) matched[n] / total[n]) / maxOrder;
        }
        double brevity = hypothesisLength > referenceLength ? 1 : hypothesisLength == 0 ? 0 : Math.exp(1 - (double) referenceLength / hypothesisLength);
        return brevity * Math.exp(logSum);
    }

    private static int closestLength(List<List<String>> references, int length) {
        int best = Integer.MAX_VALUE;
        for (List<String> reference : references) {
            int size = reference.size();
            int distance = Math.abs(size - length);
            int bestDistance = Math.abs(best - length);
            if (best == Integer.MAX_VALUE || distance < bestDistance || (distance == bestDistance && size < best)) {
                best = size;
            }
        }
        return best;
    }
}
