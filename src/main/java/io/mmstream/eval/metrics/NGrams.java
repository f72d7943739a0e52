package io.mmstream.eval.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Counts of a sentence's n-grams of one order (an n-gram joined by single spaces). */
final class NGrams {

    private NGrams() {}

    static Map<String, Integer> count(List<String> words, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= words.size(); i++) {
            counts.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }
}
