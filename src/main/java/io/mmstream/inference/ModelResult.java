package io.mmstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a model contributes to a window's prediction, from its card's {@code result}: its name there, how each call's
 * outputs are decoded into values, and how a window's steps (frames, audio steps) are aggregated into one.
 *
 * @param name the result's name in the prediction, e.g. speech or faces
 * @param labels the card's labels, naming a softmax's values; empty otherwise
 */
public record ModelResult(String name, Decoding decoding, Aggregation aggregation, List<String> labels, Requires requires) {

    /**
     * Which modalities a window head needs: each of them covering at least the minimum share of the window
     * ({@code all}), or any of them present at all ({@code any}); otherwise it gives no result and says why.
     */
    public record Requires(boolean all, List<String> modalities) {

        /** Why a window without them has no result. */
        public String absentReason(float minCoverage) {
            if (!all) {
                return "no modality present in the window";
            }
            return String.join(" or ", modalities) + " covers less than " + Math.round(minCoverage * 100) + "% of the window";
        }
    }

    /** How a window's step values become one: element-wise mean or maximum, or the share of steps whose first value exceeds a threshold. */
    public sealed interface Aggregation {
        record Mean() implements Aggregation {}

        record Max() implements Aggregation {}

        record ShareAbove(float threshold) implements Aggregation {}

        /** @param steps every step's values, all of one length */
        default float[] apply(List<float[]> steps) {
            if (steps.isEmpty()) {
                return new float[0];
            }
            if (this instanceof ShareAbove share) {
                return new float[] {(float) steps.stream().filter(s -> s[0] > share.threshold()).count() / steps.size()};
            }
            float[] out = steps.get(0).clone();
            for (float[] step : steps.subList(1, steps.size())) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = this instanceof Max ? Math.max(out[i], step[i]) : out[i] + step[i];
                }
            }
            if (this instanceof Mean) {
                for (int i = 0; i < out.length; i++) {
                    out[i] /= steps.size();
                }
            }
            return out;
        }
    }

    /** How many values one step of this result has. */
    public int width(ModelCard card) {
        if (decoding instanceof Decoding.Detect) {
            return 2;
        }
        if (decoding instanceof Decoding.Softmax) {
            return labels.size();
        }
        if (decoding instanceof Decoding.Embedding embedding) {
            List<String> shape = card.outputs().stream().filter(o -> o.name().equals(embedding.from())).findFirst().orElseThrow().shape();
            long elements = embedding.meanPooled() ? Decoding.elementsPerItem(List.of("B", shape.get(shape.size() - 1)))
                    : Decoding.elementsPerItem(shape);
            if (elements < 1) {
                throw new ModelCardException(card.file() + ": outputs (" + embedding.from() + ").shape = " + shape
                        + ": an embedding result needs fixed sizes after the batch axis (a pooled one, a fixed last size)");
            }
            return (int) elements;
        }
        return 1;
    }

    /** The label of the largest value, where the result has labels; a words result's text. */
    public String label(float[] values) {
        if (decoding instanceof Decoding.Words words) {
            return words.text(values, labels);
        }
        if (labels.isEmpty() || values.length != labels.size()) {
            return null;
        }
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return labels.get(best);
    }

    /** @param window whether the card's model runs per window: then it says what it requires, and aggregates nothing */
    static ModelResult parse(Path file, JsonNode result, Map<String, List<String>> outputShapes, List<String> labels, boolean window) {
        if (result == null || !result.isObject()) {
            throw new ModelCardException(file + ": result = " + result + ": must be an object with name, decode and aggregate");
        }
        CardFields fields = new CardFields(file, "result", result);
        fields.only(window ? Set.of("name", "from", "decode", "requires") : Set.of("name", "from", "decode", "aggregate"));
        String from = null;
        if (fields.has("from")) {
            from = fields.text("from");
            if (!outputShapes.containsKey(from)) {
                throw fields.refuse("from", "not an output of the card " + outputShapes.keySet());
            }
        }
        Decoding decoding = Decoding.parse(file, "result.decode", result.get("decode"), from, outputShapes);
        if (decoding instanceof Decoding.Softmax && labels.isEmpty()) {
            throw new ModelCardException(file + ": labels = []: a softmax result needs the card's labels");
        }
        if (decoding instanceof Decoding.Offset) {
            if (labels.isEmpty() || !labels.stream().allMatch(label -> label.matches("-?\\d+"))) {
                throw new ModelCardException(file + ": labels = " + labels + ": an offset result reads its labels as whole numbers of step_us");
            }
        }
        if (decoding instanceof Decoding.Words words && (!window || !labels.contains(words.end()))) {
            throw new ModelCardException(file + ": labels = " + (labels.size() > 8 ? labels.subList(0, 8) + "..." : labels) + ": a words result "
                    + "runs per window and reads its ids as indices into the card's labels, its vocabulary, which holds the end word '"
                    + words.end() + "'");
        }
        boolean labelled = decoding instanceof Decoding.Softmax || decoding instanceof Decoding.Offset || decoding instanceof Decoding.Words;
        if (window) {
            return new ModelResult(fields.text("name"), decoding, null, labelled ? labels : List.of(), requires(fields, result.get("requires")));
        }
        return new ModelResult(fields.text("name"), decoding, aggregation(file, result.get("aggregate")), labelled ? labels : List.of(), null);
    }

    private static Requires requires(CardFields result, JsonNode requires) {
        if (requires == null || !requires.isObject() || requires.size() != 1 || !(requires.has("all") || requires.has("any"))) {
            throw result.refuse("requires", "must be {\"all\": [modalities]} or {\"any\": [modalities]}");
        }
        boolean all = requires.has("all");
        JsonNode list = requires.get(all ? "all" : "any");
        List<String> modalities = new java.util.ArrayList<>();
        for (JsonNode modality : list) {
            if (!List.of("video", "audio", "sensor").contains(modality.asText())) {
                throw result.refuse("requires", "'" + modality.asText() + "' is not one of [video, audio, sensor]");
            }
            modalities.add(modality.asText());
        }
        if (modalities.isEmpty()) {
            throw result.refuse("requires", "must name at least one modality");
        }
        return new Requires(all, List.copyOf(modalities));
    }

    private static Aggregation aggregation(Path file, JsonNode aggregate) {
        if (aggregate != null && aggregate.isTextual() && aggregate.asText().equals("mean")) {
            return new Aggregation.Mean();
        }
        if (aggregate != null && aggregate.isTextual() && aggregate.asText().equals("max")) {
            return new Aggregation.Max();
        }
        if (aggregate != null && aggregate.isObject() && aggregate.size() == 1 && aggregate.path("share_above").isNumber()) {
            return new Aggregation.ShareAbove((float) aggregate.get("share_above").asDouble());
        }
        throw new ModelCardException(file + ": result.aggregate = " + aggregate + ": must be \"mean\", \"max\" or {\"share_above\": threshold}");
    }
}
