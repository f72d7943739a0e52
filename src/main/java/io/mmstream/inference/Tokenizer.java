package io.mmstream.inference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face {@code tokenizer.json}, run by the tokenizers library: a text as the token ids, attention mask and
 * token type ids a text model reads, with its special tokens, cut at the binding's maximum length and never padded
 * (a batch pads to its longest item). One instance per file and length per JVM: a tokenizer holds native memory
 * and is safe to share between threads.
 */
public final class Tokenizer {

    public record Tokens(long[] ids, long[] mask, long[] typeIds) {}

    private static final Map<String, Tokenizer> SHARED = new ConcurrentHashMap<>();

    static {
        // the library extracts its native part from the jar: into the temporary directory (a TaskManager's home may
        // be read-only, as on our Kubernetes pods), and never from the network (the jar carries it)
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "mmstream-djl-" + System.getProperty("user.name")).toString());
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;

    private Tokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The tokenizer of a card's ids binding; refuses, naming the card and the field, a file missing or not the card's. */
    static Tokenizer of(ModelCard card, Binding.Tokens ids) {
        return SHARED.computeIfAbsent(ids.tokenizer().toAbsolutePath() + "#" + ids.maxLength(), key -> load(card, ids));
    }

    private static Tokenizer load(ModelCard card, Binding.Tokens ids) {
        String where = card.file() + ": inputs (text ids).binds.tokenizer = '" + ids.tokenizer().getFileName() + "'";
        String actual;
        try {
            actual = OnnxModel.sha256(ids.tokenizer());
        } catch (IOException e) {
            throw new ModelCardException(where + ": cannot be read: " + e.getMessage(), e);
        }
        if (!actual.equalsIgnoreCase(ids.tokenizerSha256())) {
            throw new ModelCardException(card.file() + ": inputs (text ids).binds.tokenizer_sha256 = '" + ids.tokenizerSha256()
                    + "': the tokenizer file " + ids.tokenizer() + " has '" + actual + "'");
        }
        try {
            return new Tokenizer(HuggingFaceTokenizer.newInstance(ids.tokenizer(), Map.of("truncation", "true", "padding", "false",
                    "maxLength", Integer.toString(ids.maxLength()), "addSpecialTokens", "true")));
        } catch (IOException | RuntimeException e) {
            throw new ModelCardException(where + ": cannot be read as a Hugging Face tokenizer: " + e.getMessage(), e);
        }
    }

    public Tokens encode(String text) {
        Encoding encoding = tokenizer.encode(text);
        return new Tokens(encoding.getIds(), encoding.getAttentionMask(), encoding.getTypeIds());
    }
}
