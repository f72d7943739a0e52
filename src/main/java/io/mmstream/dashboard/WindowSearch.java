package io.mmstream.dashboard;

import io.mmstream.codec.Times;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.schema.WindowEmbedding;
import io.mmstream.search.WindowIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Function;

/**
 * The dashboard's search box: the most recent window embeddings of one result in a {@link WindowIndex}, queried
 * with words embedded by the text model the embeddings were trained against. When it holds its capacity, the index
 * is rebuilt from the newer half, so memory stays bounded however long the page runs.
 */
public final class WindowSearch {

    private final String result;
    private final Function<String, float[]> embedText;
    private final int capacity;
    private final ArrayDeque<WindowEmbedding> recent = new ArrayDeque<>();
    private WindowIndex index;

    /**
     * @param result the result whose embeddings are searched (the others on the topic are ignored)
     * @param embedText a query's embedding in the same space
     */
    public WindowSearch(String result, Function<String, float[]> embedText, int capacity) {
        this.result = result;
        this.embedText = embedText;
        this.capacity = capacity;
    }

    public synchronized void add(WindowEmbedding window) throws IOException {
        if (!window.getResultName().equals(result)) {
            return;
        }
        if (recent.size() >= capacity) {
            while (recent.size() > capacity / 2) {
                recent.removeFirst();
            }
            index.close();
            index = null;
        }
        recent.addLast(window);
        if (index == null) {
            index = new WindowIndex(window.getEmbedding().size());
            for (WindowEmbedding kept : recent) {
                put(kept);
            }
        } else {
            put(window);
        }
    }

    private void put(WindowEmbedding window) throws IOException {
        float[] vector = new float[window.getEmbedding().size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = window.getEmbedding().get(i);
        }
        index.add(window.getStreamId(), Times.micros(window.getWindowStart()), Times.micros(window.getWindowEnd()), vector);
    }

    /** Words to their embedding by a text model run from its card (one call at a time: the page's requests share it). */
    public static Function<String, float[]> textEmbedder(ElementModel model) {
        return text -> {
            ElementModel.Outcome outcome;
            synchronized (model) {
                outcome = model.run(List.of(ElementModel.Call.text(model.tokens(text)))).get(0);
            }
            if (!outcome.ok()) {
                throw new IllegalStateException(model.card().name() + " could not embed the words: " + outcome.error());
            }
            return outcome.values();
        };
    }

    /**
     * The text model whose space a models graph's retrieval head embeds windows in: the head's card names it
     * ({@code "text_model"}), so words and windows meet in one space. Null when the graph runs no retrieval head.
     */
    public static ModelCard textModelOf(ModelSettings models, String retrievalResult) throws IOException {
        for (String name : models.run()) {
            ModelCard card = models.card(name);
            if (card.result() != null && card.result().name().equals(retrievalResult)) {
                String text = new com.fasterxml.jackson.databind.ObjectMapper().readTree(card.file().toFile()).path("text_model").asText("");
                if (text.isEmpty()) {
                    throw new io.mmstream.inference.ModelCardException(card.file() + ": text_model = null: a retrieval head names the text model of its space");
                }
                return models.card(text);
            }
        }
        return null;
    }

    public synchronized int size() {
        return recent.size();
    }

    /** What a search found, and among how many windows. */
    public record Found(int windows, List<WindowIndex.Hit> hits) {}

    /** The k windows most like the words, best first; none while no window is indexed. */
    public Found search(String text, int k) {
        float[] query = embedText.apply(text);
        synchronized (this) {
            try {
                return new Found(recent.size(), index == null ? List.of() : index.search(query, k));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
