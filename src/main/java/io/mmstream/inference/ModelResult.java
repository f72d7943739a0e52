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
public record ModelResult(String name, Decoding decoding, Aggregation aggregation, List<String> labels) {

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

    /** The label of the largest value, where the result has labels. */
    public String label(float[] values) {
        if (labels.isEmpty() || values.length != labels.size()) {
            return null;
        }
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return labels.get(best);
    }

    static ModelResult parse(Path file, JsonNode result, Map<String, List<String>> outputShapes, List<String> labels) {
        if (result == null || !result.isObject()) {
            throw new ModelCardException(file + ": result = " + result + ": must be an object with name, decode and aggregate");
        }
        CardFields fields = new CardFields(file, "result", result);
        fields.only(Set.of("name", "from", "decode", "aggregate"));
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
        return new ModelResult(fields.text("name"), decoding, aggregation(file, result.get("aggregate")), decoding instanceof Decoding.Softmax ? labels : List.of());
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
