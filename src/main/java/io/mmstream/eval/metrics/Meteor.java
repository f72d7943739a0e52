package io.mmstream.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.tartarus.snowball.ext.PorterStemmer;

/**
 * METEOR (Banerjee and Lavie 2005; alpha 0.9, beta 3, gamma 0.5) exactly as NLTK 3.8's {@code meteor_score} computes
 * it, so figures compare with what others publish from it: words aligned greedily, last word first, by exact match,
 * then by Porter stem, then by WordNet synonym (of the stems left over, as NLTK does); the best over the references.
 * The stemmer is Porter's original algorithm (Snowball's): NLTK's default adds its own extensions, which differ on
 * some words (its {@code PorterStemmer.ORIGINAL_ALGORITHM} mode is this one).
 */
public final class Meteor {

    private static final double ALPHA = 0.9;
    private static final double BETA = 3.0;
    private static final double GAMMA = 0.5;

    private final WordNet wordNet;

    public Meteor(WordNet wordNet) {
        this.wordNet = wordNet;
    }

    /** The best score of the hypothesis against each reference; tokens as given, lower-cased here. */
    public double score(List<List<String>> references, List<String> hypothesis) {
        return references.stream().mapToDouble(reference -> single(reference, hypothesis)).max().orElse(0);
    }

    /** The mean over items of {@link #score}. */
    public double corpus(List<List<List<String>>> references, List<List<String>> hypotheses) {
        double sum = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            sum += score(references.get(i), hypotheses.get(i));
        }
        return hypotheses.isEmpty() ? 0 : sum / hypotheses.size();
    }

    private record Word(int position, String text) {}

    private record Match(int hypothesis, int reference) {}

    double single(List<String> reference, List<String> hypothesis) {
        List<Word> hyp = enumerate(hypothesis);
        List<Word> ref = enumerate(reference);
        List<Match> matches = new ArrayList<>();
        matches.addAll(align(hyp, ref, word -> word::equals));
        hyp = stemmed(hyp);
        ref = stemmed(ref);
        matches.addAll(align(hyp, ref, word -> word::equals));
        matches.addAll(align(hyp, ref, word -> {
            Set<String> synonyms = wordNet.lemmaNames(word);
            return candidate -> candidate.equals(word) || (synonyms.contains(candidate) && candidate.indexOf('_') < 0);
        }));
        if (matches.isEmpty()) {
            return 0;
        }
        matches.sort(java.util.Comparator.comparingInt(Match::hypothesis));
        double precision = (double) matches.size() / hypothesis.size();
        double recall = (double) matches.size() / reference.size();
        double fMean = precision * recall / (ALPHA * precision + (1 - ALPHA) * recall);
        double fragmentation = (double) chunks(matches) / matches.size();
        return (1 - GAMMA * Math.pow(fragmentation, BETA)) * fMean;
    }

    private static List<Word> enumerate(List<String> words) {
        List<Word> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            out.add(new Word(i, words.get(i).toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    /** NLTK's matching: hypothesis words from the last, each to the last unmatched reference word it accepts; both removed. */
    private static List<Match> align(List<Word> hypothesis, List<Word> reference, java.util.function.Function<String, Predicate<String>> accepts) {
        List<Match> matches = new ArrayList<>();
        for (int i = hypothesis.size() - 1; i >= 0; i--) {
            Predicate<String> test = accepts.apply(hypothesis.get(i).text());
            for (int j = reference.size() - 1; j >= 0; j--) {
                if (test.test(reference.get(j).text())) {
                    matches.add(new Match(hypothesis.get(i).position(), reference.get(j).position()));
                    hypothesis.remove(i);
                    reference.remove(j);
                    break;
                }
            }
        }
        return matches;
    }

    private static List<Word> stemmed(List<Word> words) {
        PorterStemmer stemmer = new PorterStemmer();
        List<Word> out = new ArrayList<>();
        for (Word word : words) {
            stemmer.setCurrent(word.text());
            stemmer.stem();
            out.add(new Word(word.position(), stemmer.getCurrent()));
        }
        return out;
    }

    /** The fewest runs of matches adjacent in both sentences, counted as NLTK does over matches in hypothesis order. */
    private static int chunks(List<Match> matches) {
        int chunks = 1;
        for (int i = 0; i + 1 < matches.size(); i++) {
            Match a = matches.get(i);
            Match b = matches.get(i + 1);
            if (!(b.hypothesis() == a.hypothesis() + 1 && b.reference() == a.reference() + 1)) {
                chunks++;
            }
        }
        return chunks;
    }
}
