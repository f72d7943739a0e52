package io.mmstream.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.ModelSettings;
import io.mmstream.sim.SceneTruth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds a dataset's reference captions (truth.jsonl) with a text model run from its card, the one the job runs on
 * text (MiniLM by default), into caption_embeddings.npy [windows, captions, width]: the text side of contrastive
 * training is that pretrained model, frozen, so the job embeds a search query as it embeds any text.
 */
public final class CaptionEmbeddings {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 32;

    private CaptionEmbeddings() {}

    /**
     * Every wording of every standing question of the simulator's truth ({@link SceneTruth.Question}), embedded by the
     * same text model: questions.json lists them ({"question": type, "text": words} in order) and
     * question_embeddings.npy holds their embeddings [wordings, width].
     */
    public static void writeQuestions(Path dir, ElementModel textModel) throws IOException {
        List<Map<String, String>> wordings = new ArrayList<>();
        for (SceneTruth.Question question : SceneTruth.Question.values()) {
            question.wordings().forEach(text -> wordings.add(Map.of("question", question.wireName(), "text", text)));
        }
        Map<String, float[]> embedded = ModelSettings.embed(wordings.stream().map(w -> w.get("text")).toList(), textModel);
        Files.writeString(dir.resolve("questions.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(wordings), StandardCharsets.UTF_8);
        int width = embedded.values().iterator().next().length;
        try (NpyWriter out = new NpyWriter(dir.resolve("question_embeddings.npy"), NpyWriter.Type.FLOAT32, wordings.size(), width)) {
            for (float[] embedding : embedded.values()) {
                out.write(embedding);
            }
        }
    }

    /** @return the number of distinct captions embedded */
    public static int write(Path dir, ElementModel textModel) throws IOException {
        List<List<String>> captions = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("truth.jsonl"), StandardCharsets.UTF_8)) {
            List<String> ofWindow = new ArrayList<>();
            JSON.readTree(line).get("captions").forEach(caption -> ofWindow.add(caption.asText()));
            captions.add(ofWindow);
        }
        // the grammar repeats itself across windows: each distinct caption is embedded once
        List<String> distinct = captions.stream().flatMap(List::stream).distinct().toList();
        Map<String, float[]> embedded = new HashMap<>();
        for (int from = 0; from < distinct.size(); from += BATCH) {
            List<String> batch = distinct.subList(from, Math.min(distinct.size(), from + BATCH));
            List<ElementModel.Outcome> outcomes = textModel.run(batch.stream().map(text -> ElementModel.Call.text(textModel.tokens(text))).toList());
            for (int i = 0; i < batch.size(); i++) {
                if (!outcomes.get(i).ok()) {
                    throw new IOException(textModel.card().name() + " failed on caption '" + batch.get(i) + "': " + outcomes.get(i).error());
                }
                embedded.put(batch.get(i), outcomes.get(i).values());
            }
        }
        writeQuestions(dir, textModel);
        int perWindow = captions.isEmpty() ? 0 : captions.get(0).size();
        int width = distinct.isEmpty() ? 0 : embedded.get(distinct.get(0)).length;
        try (NpyWriter out = new NpyWriter(dir.resolve("caption_embeddings.npy"), NpyWriter.Type.FLOAT32, captions.size(), perWindow, width)) {
            for (List<String> ofWindow : captions) {
                for (String caption : ofWindow) {
                    out.write(embedded.get(caption));
                }
            }
        }
        return distinct.size();
    }
}
