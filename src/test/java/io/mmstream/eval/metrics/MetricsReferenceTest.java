package io.mmstream.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrieval and caption metrics against independent implementations on one fixed set: NLTK's corpus BLEU and
 * METEOR (reading the same WordNet 3.0 files), scikit-learn's average precision, run by src/test/python/
 * metrics_reference.py. CI installs python3-nltk and python3-sklearn (.ci/run) and sets MMSTREAM_REQUIRE_MEDIA_TOOLS,
 * so there the test cannot skip. CIDEr-D and SI-SDR have no Debian implementation: they are checked on worked examples.
 */
class MetricsReferenceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    // captions in the style of the simulator's and of everyday ones: plurals, tenses, synonyms (jump/leap, fall/drop,
    // kid/child reach METEOR's WordNet stage), reordering, misses
    private static final String[][][] CAPTIONS = {
        {{"a person in a red shirt claps while someone walks past", "someone in red is clapping", "a man claps his hands"},
            {"a person in a red shirt is clapping"}},
        {{"the person walks across the room", "someone is walking to the left", "a person walking in a dim room"},
            {"a person walks across a dark room"}},
        {{"a person falls to the floor", "someone falls down", "a person in blue falls over"}, {"someone falls on the floor"}},
        {{"a person sits down on a chair", "someone is sitting down"}, {"a person sits down"}},
        {{"a person jumps in place", "someone jumping up and down", "a person in green jumps"}, {"a person in green is jumping"}},
        {{"a person waves with one hand", "someone waving at the camera"}, {"a person claps with both hands"}},
        {{"nobody moves in the bright room", "a person stands still", "someone is idle"}, {"a person stands still in a bright room"}},
        {{"a person runs quickly to the right", "someone running fast"}, {"a person is running to the right"}},
        {{"two people are in the room", "a person walks past another person"}, {"a person walks by"}},
        {{"the lights are off and someone walks", "a person walks in the dark"}, {"walks person a dark in the"}},
        {{"It is a guide to action that ensures that the military will forever heed Party commands",
            "It is the guiding principle which guarantees the military forces always being under the command of the Party",
            "It is the practical guide for the army always to heed the directions of the party"},
            {"It is a guide to action which ensures that the military always obeys the commands of the party"}},
        {{"he read the book because he was interested in world history"}, {"he was interested in world history because he read the book"}},
        {{"a person leaps over a chair"}, {"someone jumps over the chair"}},
        {{"someone drops down"}, {"a person falls down"}},
        {{"a child jumps in a light room"}, {"a kid hops in a bright hall"}},
        {{"the cat sat on the mat"}, {"dogs barked loudly outside"}},
    };

    @BeforeAll
    static void tools() {
        boolean available = Files.isExecutable(PYTHON) && Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/nltk"))
                && Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/sklearn"));
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("the metrics reference test must run here, but python3-nltk or python3-sklearn is missing");
        }
        Assumptions.assumeTrue(available, "apt-get install python3-nltk python3-sklearn (.ci/run does)");
    }

    @Test
    void bleuMeteorAndRetrievalAgreeWithNltkAndScikitLearn(@TempDir Path dir) throws Exception {
        List<List<List<String>>> references = new ArrayList<>();
        List<List<String>> hypotheses = new ArrayList<>();
        for (String[][] item : CAPTIONS) {
            references.add(Arrays.stream(item[0]).map(MetricsReferenceTest::tokens).toList());
            hypotheses.add(tokens(item[1][0]));
        }
        Random random = new Random(11);
        double[][] scores = new double[7][40];
        boolean[][] relevant = new boolean[7][40];
        for (int q = 0; q < scores.length; q++) {
            for (int g = 0; g < scores[q].length; g++) {
                scores[q][g] = random.nextGaussian();
                // a few relevant items per query, those a little better scored on average; query 6 has none
                relevant[q][g] = q < 6 && random.nextInt(8) == 0;
                scores[q][g] += relevant[q][g] ? 1.0 : 0;
            }
        }
        int[] ks = {1, 5, 10};
        Map<String, Object> cases = new LinkedHashMap<>();
        List<Map<String, Object>> captions = new ArrayList<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            captions.add(Map.of("references", references.get(i), "hypothesis", hypotheses.get(i)));
        }
        cases.put("captions", captions);
        cases.put("retrieval", Map.of("scores", scores, "relevant", relevant, "ks", ks));
        Path input = dir.resolve("cases.json");
        JSON.writeValue(input.toFile(), cases);
        JsonNode expected = reference(dir, input);

        for (int n = 1; n <= 4; n++) {
            assertThat(Bleu.corpus(references, hypotheses, n)).as("BLEU-%d", n).isCloseTo(expected.get("bleu").get(n - 1).asDouble(), within(1e-12));
        }
        Meteor meteor = new Meteor(WordNet.get());
        for (int i = 0; i < hypotheses.size(); i++) {
            assertThat(meteor.score(references.get(i), hypotheses.get(i))).as("METEOR of '%s'", CAPTIONS[i][1][0])
                    .isCloseTo(expected.get("meteor").get(i).asDouble(), within(1e-12));
        }
        Retrieval retrieval = Retrieval.of(scores, relevant, ks);
        assertThat(retrieval.queries()).isEqualTo(6);
        for (int k = 0; k < ks.length; k++) {
            assertThat(retrieval.recallAt(k)).as("R@%d", ks[k]).isCloseTo(expected.get("recall").get(k).asDouble(), within(1e-12));
        }
        assertThat(retrieval.meanAveragePrecision()).as("mAP").isCloseTo(expected.get("map").asDouble(), within(1e-12));
        // the set is not trivial: the figures spread between the perfect and the useless
        assertThat(Bleu.corpus(references, hypotheses, 4)).isBetween(0.05, 0.9);
        assertThat(expected.get("meteor").get(CAPTIONS.length - 1).asDouble()).isZero();
    }

    private static JsonNode reference(Path dir, Path input) throws IOException, InterruptedException {
        // NLTK reads WordNet from NLTK_DATA/corpora/wordnet: the same files the Java side reads from its jar
        Path wordnet = Files.createDirectories(dir.resolve("nltk_data/corpora/wordnet"));
        for (String file : List.of("lexnames", "index.noun", "index.verb", "index.adj", "index.adv", "data.noun", "data.verb", "data.adj",
                "data.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc")) {
            try (InputStream in = WordNet.class.getResourceAsStream("/net/sf/extjwnl/data/wordnet/wn30/" + file)) {
                Files.copy(in, wordnet.resolve(file));
            }
        }
        ProcessBuilder builder = new ProcessBuilder(PYTHON.toString(), "src/test/python/metrics_reference.py", input.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("NLTK_DATA", dir.resolve("nltk_data").toString());
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("metrics_reference.py exit status").isZero();
        return JSON.readTree(out);
    }

    static List<String> tokens(String sentence) {
        return List.of(sentence.toLowerCase(java.util.Locale.ROOT).split("\\s+"));
    }
}
