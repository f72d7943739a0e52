package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pretrained text embedding (all-MiniLM-L6-v2, quantised), run from its card alone: its tokenizer.json through
 * the tokenizers library, mean pooling over the attention mask, L2 normalisation.
 */
class TextModelTest {

    private static OnnxModel onnx;
    private static ElementModel minilm;

    @BeforeAll
    static void open() {
        onnx = OnnxModel.open(ModelCard.load(Path.of("onnx-models/minilm_text.json")), InferenceOptions.cpu(1));
        minilm = new ElementModel(onnx);
    }

    @AfterAll
    static void close() {
        onnx.close();
    }

    private static List<float[]> embed(String... texts) {
        List<ElementModel.Call> calls = java.util.Arrays.stream(texts).map(text -> ElementModel.Call.text(minilm.tokens(text))).toList();
        return minilm.run(calls).stream().map(outcome -> {
            assertThat(outcome.error()).isNull();
            return outcome.values();
        }).toList();
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    @Test
    void tokensCarryTheSpecialTokensAndStopAtTheCardsMaximumLength() {
        Tokenizer.Tokens tokens = minilm.tokens("Hello world");
        // BERT's uncased vocabulary: [CLS] hello world [SEP]
        assertThat(tokens.ids()).containsExactly(101, 7592, 2088, 102);
        assertThat(tokens.mask()).containsExactly(1, 1, 1, 1);
        assertThat(minilm.tokens("word ".repeat(500)).ids()).hasSize(128);
    }

    @Test
    void embeddingsAreUnitVectorsThatPlaceSimilarSentencesTogether() {
        List<float[]> e = embed("A man is playing a guitar.", "Someone is playing an instrument.", "The stock market fell sharply today.");
        assertThat(e.get(0)).hasSize(384);
        for (float[] vector : e) {
            assertThat(cosine(vector, vector)).isCloseTo(1.0, within(1e-5));
        }
        double similar = cosine(e.get(0), e.get(1));
        double unrelated = cosine(e.get(0), e.get(2));
        System.out.printf("minilm_text: cosine similar %.3f, unrelated %.3f%n", similar, unrelated);
        assertThat(similar).isGreaterThan(0.4);
        assertThat(unrelated).isLessThan(0.15);
    }

    /**
     * The quantised export computes its activation scales over the whole input of a call, so texts sharing a call
     * shift each other's embeddings (by up to 0.015 here): its card fixes the batch at 1, and a text embeds the same
     * whatever else comes with it.
     */
    @Test
    void aTextEmbedsTheSameAloneAndAmongOthers() {
        float[] alone = embed("Short text.").get(0);
        float[] batched = embed("A much longer sentence that needs many more tokens than the short one does.", "Short text.").get(1);
        for (int i = 0; i < alone.length; i++) {
            assertThat(batched[i]).isCloseTo(alone[i], within(1e-4f));
        }
    }
}
