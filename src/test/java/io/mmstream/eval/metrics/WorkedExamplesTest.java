package io.mmstream.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CIDEr-D and SI-SDR, which no Debian package implements, on examples worked by hand from their papers' definitions. */
class WorkedExamplesTest {

    private static List<List<List<String>>> refs(String... oneEach) {
        return java.util.Arrays.stream(oneEach).map(r -> List.of(MetricsReferenceTest.tokens(r))).toList();
    }

    private static List<List<String>> hyps(String... sentences) {
        return java.util.Arrays.stream(sentences).map(MetricsReferenceTest::tokens).toList();
    }

    @Test
    void ciderDWeighsByRarityClipsAndPenalisesLength() {
        // two items: every reference n-gram is in one of the two, so its idf is ln 2 (an unseen one too: df floors at 1)
        // item 1 "a b" for "a b": cosine 1 for unigrams and bigrams, 0 for the empty trigrams and 4-grams: 10 * 2/4 = 5
        // item 2 "c e" for "c d": unigram cosine (ln2)^2 / (sqrt2 ln2)^2 = 1/2, nothing else: 10 * 0.5/4 = 1.25
        double[] scores = CiderD.scores(refs("a b", "c d"), hyps("a b", "c e"));
        assertThat(scores[0]).isCloseTo(5.0, within(1e-12));
        assertThat(scores[1]).isCloseTo(1.25, within(1e-12));
        assertThat(CiderD.corpus(refs("a b", "c d"), hyps("a b", "c e"))).isCloseTo(3.125, within(1e-12));

        // "a b b" for "a b": unigram weights a=ln2, b=2 ln2 against ln2, ln2: the b clipped, cosine 2/sqrt(10); bigrams
        // "a b", "b b" against "a b": 1/sqrt(2); one bigram longer: penalty exp(-1/(2 * 6^2))
        double longer = CiderD.scores(refs("a b", "c d"), hyps("a b b", "c d"))[0];
        assertThat(longer).isCloseTo(10 * (2 / Math.sqrt(10) + 1 / Math.sqrt(2)) / 4 * Math.exp(-1.0 / 72), within(1e-12));
    }

    @Test
    void ciderDAveragesOverReferences() {
        // the candidate matches one of two references exactly, and shares nothing with the other
        List<List<List<String>>> references = List.of(
                List.of(MetricsReferenceTest.tokens("a b"), MetricsReferenceTest.tokens("x y")),
                List.of(MetricsReferenceTest.tokens("c d")));
        assertThat(CiderD.scores(references, hyps("a b", "c d"))[0]).isCloseTo(5.0 / 2, within(1e-12));
    }

    @Test
    void siSdrIsScaleAndOffsetInvariantAndMeasuresTheImprovement() {
        float[] clean = {1, -1, 1, -1};
        float[] babble = {1, 1, -1, -1}; // orthogonal to the clean signal, the same energy
        float[] mixture = new float[4];
        float[] separated = new float[4];
        float[] louder = new float[4];
        for (int i = 0; i < 4; i++) {
            mixture[i] = clean[i] + babble[i];
            separated[i] = 2 * clean[i] + 0.5f * babble[i];
            louder[i] = 3 * separated[i] + 7;
        }
        // target 2s (energy 16) against distortion 0.5 e (energy 1): 10 log10 16
        assertThat(SiSdr.of(separated, clean)).isCloseTo(10 * Math.log10(16), within(1e-9));
        assertThat(SiSdr.of(louder, clean)).isCloseTo(10 * Math.log10(16), within(1e-9));
        assertThat(SiSdr.of(mixture, clean)).isCloseTo(0, within(1e-9));
        assertThat(SiSdr.improvement(separated, mixture, clean)).isCloseTo(10 * Math.log10(16), within(1e-9));
        assertThatThrownBy(() -> SiSdr.of(new float[3], clean)).hasMessageContaining("3 samples");
    }

    @Test
    void retrievalRanksTiesByGalleryOrder() {
        // query 0: relevant items at ranks 2 and 3 (item 0 scores best): AP = (1/2 + 2/3) / 2; query 1: tie, item 0 first
        double[][] scores = {{0.9, 0.5, 0.7, 0.1}, {0.4, 0.4, 0.2, 0.1}};
        boolean[][] relevant = {{false, true, true, false}, {true, false, false, false}};
        Retrieval retrieval = Retrieval.of(scores, relevant, 1, 2);
        assertThat(retrieval.recallAt(0)).isCloseTo(0.5, within(1e-12));
        assertThat(retrieval.recallAt(1)).isCloseTo(1.0, within(1e-12));
        assertThat(retrieval.meanAveragePrecision()).isCloseTo(((0.5 + 2.0 / 3) / 2 + 1) / 2, within(1e-12));
    }
}
