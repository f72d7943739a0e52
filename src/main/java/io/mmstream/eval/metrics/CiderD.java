package io.mmstream.eval.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D (Vedantam et al. 2015), as the COCO caption evaluation computes it: for n = 1..4, TF-IDF vectors of a
 * sentence's n-grams (term counts times log(items) - log(max(1, items whose references hold the n-gram))), the cosine of
 * the candidate's with each reference's, the candidate's weights clipped at the reference's, times a Gaussian penalty
 * on the length difference (sigma 6; the length counted, as that code does, in bigrams); averaged over references and
 * orders, times 10. Document frequencies come from the references of the whole set, so a score belongs to its set.
 */
public final class CiderD {

    private static final int ORDERS = 4;
    private static final double SIGMA = 6.0;

    private CiderD() {}

    /** Each item's score; the corpus figure is their mean. */
    public static double[] scores(List<List<List<String>>> references, List<List<String>> hypotheses) {
        Map<String, Integer> documentFrequency = new HashMap<>();
        for (List<List<String>> item : references) {
            Set<String> grams = new HashSet<>();
            for (List<String> reference : item) {
                for (int n = 1; n <= ORDERS; n++) {
                    grams.addAll(NGrams.count(reference, n).keySet());
                }
            }
            grams.forEach(gram -> documentFrequency.merge(gram, 1, Integer::sum));
        }
        double logItems = Math.log(references.size());
        double[] out = new double[hypotheses.size()];
        for (int item = 0; item < hypotheses.size(); item++) {
            Vector candidate = Vector.of(hypotheses.get(item), documentFrequency, logItems);
            double[] sum = new double[ORDERS];
            for (List<String> reference : references.get(item)) {
                Vector target = Vector.of(reference, documentFrequency, logItems);
                double penalty = Math.exp(-Math.pow(candidate.length - target.length, 2) / (2 * SIGMA * SIGMA));
                for (int n = 0; n < ORDERS; n++) {
                    double dot = 0;
                    for (Map.Entry<String, Double> gram : candidate.weights.get(n).entrySet()) {
                        double theirs = target.weights.get(n).getOrDefault(gram.getKey(), 0.0);
                        dot += Math.min(gram.getValue(), theirs) * theirs;
                    }
                    if (candidate.norms[n] != 0 && target.norms[n] != 0) {
                        dot /= candidate.norms[n] * target.norms[n];
                    }
                    sum[n] += dot * penalty;
                }
            }
            double mean = 0;
            for (double s : sum) {
                mean += s / ORDERS;
            }
            out[item] = 10 * mean / references.get(item).size();
        }
        return out;
    }

    public static double corpus(List<List<List<String>>> references, List<List<String>> hypotheses) {
        return java.util.Arrays.stream(scores(references, hypotheses)).average().orElse(0);
    }

    private record Vector(List<Map<String, Double>> weights, double[] norms, int length) {

        static Vector of(List<String> words, Map<String, Integer> documentFrequency, double logItems) {
            List<Map<String, Double>> weights = new ArrayList<>();
            double[] norms = new double[ORDERS];
            int length = 0;
            for (int n = 1; n <= ORDERS; n++) {
                Map<String, Double> order = new HashMap<>();
                for (Map.Entry<String, Integer> gram : NGrams.count(words, n).entrySet()) {
                    double weight = gram.getValue() * (logItems - Math.log(Math.max(1, documentFrequency.getOrDefault(gram.getKey(), 0))));
                    order.put(gram.getKey(), weight);
                    norms[n - 1] += weight * weight;
                    if (n == 2) {
                        length += gram.getValue();
                    }
                }
                weights.add(order);
            }
            for (int n = 0; n < ORDERS; n++) {
                norms[n] = Math.sqrt(norms[n]);
            }
            return new Vector(weights, norms, length);
        }
    }
}
