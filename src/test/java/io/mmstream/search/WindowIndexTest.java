package io.mmstream.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Lucene's HNSW search over window embeddings against an exhaustive cosine ranking of the same vectors. */
class WindowIndexTest {

    private static float[] unit(Random random, int dimension) {
        float[] v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    @Test
    void findsTheNearestWindowsAsAnExhaustiveSearchDoes() throws Exception {
        Random random = new Random(5);
        int windows = 500;
        float[][] vectors = new float[windows][];
        try (WindowIndex index = new WindowIndex(48)) {
            for (int w = 0; w < windows; w++) {
                vectors[w] = unit(random, 48);
                index.add("stream-" + (w % 5), 1_000_000L * (w / 5), 1_000_000L * (w / 5) + 2_000_000, vectors[w]);
            }
            assertThat(index.size()).isEqualTo(windows);
            int found = 0;
            for (int q = 0; q < 20; q++) {
                float[] query = unit(random, 48);
                List<Integer> exact = IntStream.range(0, windows).boxed()
                        .sorted(Comparator.comparingDouble(w -> -cosine(query, vectors[w]))).limit(5).toList();
                List<WindowIndex.Hit> hits = index.search(query, 5);
                assertThat(hits).hasSize(5);
                double previous = Double.MAX_VALUE;
                for (WindowIndex.Hit hit : hits) {
                    int w = (int) (hit.startMicros() / 1_000_000L) * 5 + Integer.parseInt(hit.streamId().substring("stream-".length()));
                    // each hit's similarity is its window's cosine, best first
                    assertThat(hit.similarity()).isCloseTo((float) cosine(query, vectors[w]), within(1e-4f));
                    assertThat((double) hit.similarity()).isLessThanOrEqualTo(previous + 1e-6);
                    previous = hit.similarity();
                    found += exact.contains(w) ? 1 : 0;
                }
            }
            // the graph is approximate: it finds nearly all of the true five nearest (random vectors are its hardest case)
            assertThat(found / 100.0).as("recall of the true 5 nearest over 20 queries").isGreaterThanOrEqualTo(0.9);
            // by example: the window covering an instant
            assertThat(index.embeddingAt("stream-3", 1_500_000L)).isEqualTo(vectors[8]);
            assertThat(index.embeddingAt("stream-3", 1_000_000L * 200)).isNull();
            assertThat(index.embeddingAt("nobody", 0)).isNull();
            assertThatThrownBy(() -> index.add("s", 0, 1, new float[3])).hasMessageContaining("3 values, the index holds 48");
        }
    }
}
