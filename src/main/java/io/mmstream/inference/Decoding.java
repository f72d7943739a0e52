package io.mmstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * How one item's outputs become its values, as the card's {@code result.decode} declares:
 * <ul>
 * <li>{@code score}: the output's first value, as it is (a probability the model already computed);</li>
 * <li>{@code sigmoid}: the same through a sigmoid;</li>
 * <li>{@code softmax}: one probability per label of the card;</li>
 * <li>{@code embedding}: the output's values, mean-pooled over the tokens where {@code pooling} says {@code mean},
 * L2-normalised where {@code normalise} says;</li>
 * <li>{@code detections}: [count, best score] of the boxes left after the threshold and non-maximum suppression;</li>
 * <li>{@code offset}: one probability per offset label, then an in-sync probability;</li>
 * <li>{@code words}: a sequence of word ids, indices into the card's labels (its vocabulary), read up to the
 * first {@code end} word: text a model wrote, e.g. a caption decoded inside its graph;</li>
 * <li>{@code spectrogram_mask}: a mask in [0, 1] over the window's spectrogram, [frames, bins] as its spectrogram
 * input: the share of each bin that belongs to the source separated (audio-visual separation).</li>
 * </ul>
 */
public sealed interface Decoding {

    /** @param output one item's slice of each output, by name */
    float[] decode(Function<String, float[]> output);

    /** The outputs it reads. */
    List<String> reads();

    record Score(String from) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            return new float[] {output.apply(from)[0]};
        }

        public List<String> reads() {
            return List.of(from);
        }
    }

    record Sigmoid(String from) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            return new float[] {logistic(output.apply(from)[0])};
        }

        public List<String> reads() {
            return List.of(from);
        }
    }

    record Softmax(String from) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            float[] logits = output.apply(from);
            float max = Float.NEGATIVE_INFINITY;
            for (float logit : logits) {
                max = Math.max(max, logit);
            }
            double sum = 0;
            float[] out = new float[logits.length];
            for (int i = 0; i < logits.length; i++) {
                out[i] = (float) Math.exp(logits[i] - max);
                sum += out[i];
            }
            for (int i = 0; i < out.length; i++) {
                out[i] /= (float) sum;
            }
            return out;
        }

        public List<String> reads() {
            return List.of(from);
        }
    }

    /**
     * @param meanPooled the output holds one vector per token: their mean over the tokens the attention mask keeps
     *     (read under {@link #TOKEN_MASK}) is the embedding, as sentence-transformers pool
     */
    record Embedding(String from, boolean normalise, boolean meanPooled) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            float[] values = meanPooled ? pooled(output.apply(from), output.apply(TOKEN_MASK)) : output.apply(from).clone();
            if (normalise) {
                double norm = 0;
                for (float v : values) {
                    norm += v * v;
                }
                norm = Math.sqrt(norm);
                for (int i = 0; norm > 0 && i < values.length; i++) {
                    values[i] /= (float) norm;
                }
            }
            return values;
        }

        public List<String> reads() {
            return List.of(from);
        }

        private static float[] pooled(float[] tokens, float[] mask) {
            int width = tokens.length / mask.length;
            float[] out = new float[width];
            int kept = 0;
            for (int t = 0; t < mask.length; t++) {
                if (mask[t] > 0) {
                    kept++;
                    for (int i = 0; i < width; i++) {
                        out[i] += tokens[t * width + i];
                    }
                }
            }
            for (int i = 0; kept > 0 && i < width; i++) {
                out[i] /= kept;
            }
            return out;
        }
    }

    /**
     * An offset classifier with an in-sync probability (audio-visual sync): one probability per offset of the card's
     * labels, read as whole numbers of {@code stepMicros}, then the in-sync output's first value as it is.
     */
    record Offset(String offsets, String inSync, long stepMicros) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            float[] probabilities = new Softmax(offsets).decode(output);
            float[] out = java.util.Arrays.copyOf(probabilities, probabilities.length + 1);
            out[probabilities.length] = output.apply(inSync)[0];
            return out;
        }

        public List<String> reads() {
            return List.of(offsets, inSync);
        }

        /**
         * The most probable offset, in microseconds, placed between the whole steps of the labels: the peak of a
         * parabola through the log-probabilities of the best offset and its two neighbours (where both are labelled
         * one step away). The classes are a frame step apart, 67 ms at 15 fps, while "in sync" means within one step:
         * a stream 76 ms off reads as one step by the best class alone, and as 1.1 steps here (held-out offsets of
         * 1.14 and -1.34 steps read 1.11 and -1.30 as the median of a stream's windows).
         */
        public long offsetMicros(List<String> labels, float[] probabilities) {
            int best = 0;
            for (int i = 1; i < labels.size(); i++) {
                best = probabilities[i] > probabilities[best] ? i : best;
            }
            double steps = Long.parseLong(labels.get(best));
            if (best > 0 && best < labels.size() - 1 && Long.parseLong(labels.get(best - 1)) == steps - 1
                    && Long.parseLong(labels.get(best + 1)) == steps + 1) {
                double below = Math.log(Math.max(probabilities[best - 1], 1e-9f));
                double peak = Math.log(Math.max(probabilities[best], 1e-9f));
                double above = Math.log(Math.max(probabilities[best + 1], 1e-9f));
                double curvature = below - 2 * peak + above;
                steps += curvature < 0 ? 0.5 * (below - above) / curvature : 0;
            }
            return Math.round(steps * stepMicros);
        }
    }

    /** The name under which a text model's decoding reads an item's attention mask. */
    String TOKEN_MASK = "(attention mask)";

    /**
     * @param scores outputs holding one score per anchor, concatenated in order
     * @param boxes outputs holding {@code boxValues} numbers per anchor, concatenated in order
     */
    record Detect(List<String> scores, List<String> boxes, int boxValues, List<Detections.Grid> grids, int inputSize,
                  boolean sigmoid, float threshold, float iou, float[] anchorCentres) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            float[] score = concat(scores, output);
            if (sigmoid) {
                for (int i = 0; i < score.length; i++) {
                    score[i] = logistic(score[i]);
                }
            }
            List<Detections.Box> found = Detections.decode(score, concat(boxes, output), boxValues, anchorCentres, inputSize, threshold, iou);
            return new float[] {found.size(), found.isEmpty() ? 0 : found.get(0).score()};
        }

        public List<String> reads() {
            List<String> all = new ArrayList<>(scores);
            all.addAll(boxes);
            return all;
        }

        private static float[] concat(List<String> names, Function<String, float[]> output) {
            List<float[]> parts = names.stream().map(output).toList();
            float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
            int next = 0;
            for (float[] part : parts) {
                System.arraycopy(part, 0, all, next, part.length);
                next += part.length;
            }
            return all;
        }
    }

    /** @param end the vocabulary's word that ends the text */
    record Words(String from, String end) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            return output.apply(from).clone();
        }

        public List<String> reads() {
            return List.of(from);
        }

        /** The words the ids name, space-separated, up to the end word. */
        public String text(float[] ids, List<String> vocabulary) {
            StringBuilder out = new StringBuilder();
            for (float id : ids) {
                int index = Math.round(id);
                if (index < 0 || index >= vocabulary.size() || vocabulary.get(index).equals(end)) {
                    break;
                }
                out.append(out.isEmpty() ? "" : " ").append(vocabulary.get(index));
            }
            return out.toString();
        }
    }

    record SpectrogramMask(String from) implements Decoding {
        public float[] decode(Function<String, float[]> output) {
            return output.apply(from).clone();
        }

        public List<String> reads() {
            return List.of(from);
        }
    }

    private static float logistic(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }

    List<String> KINDS = List.of("score", "sigmoid", "softmax", "embedding", "detections", "offset", "words", "spectrogram_mask");

    /**
     * @param where the field's path in the card, for messages: result.decode
     * @param from the output the result reads, where one output is read
     * @param outputShapes each output's declared shape, to check anchors against
     */
    static Decoding parse(Path file, String where, JsonNode decode, String from, Map<String, List<String>> outputShapes) {
        if (decode == null || !decode.isObject()) {
            throw new ModelCardException(file + ": " + where + " = " + decode + ": must be an object whose kind is one of " + KINDS);
        }
        CardFields fields = new CardFields(file, where, decode);
        String kind = fields.oneOf("kind", KINDS.toArray(String[]::new));
        if (kind.equals("offset")) {
            fields.only(Set.of("kind", "offsets", "in_sync", "step_us"));
            for (String output : List.of("offsets", "in_sync")) {
                if (!outputShapes.containsKey(fields.text(output))) {
                    throw fields.refuse(output, "not an output of the card " + outputShapes.keySet());
                }
            }
            return new Offset(fields.text("offsets"), fields.text("in_sync"), fields.positiveInt("step_us"));
        }
        if (!kind.equals("detections")) {
            fields.only(kind.equals("embedding") ? Set.of("kind", "normalise", "pooling") : kind.equals("words") ? Set.of("kind", "end")
                    : Set.of("kind"));
            if (from == null) {
                throw new ModelCardException(file + ": " + where.replace(".decode", "") + ".from = null: " + kind + " reads one output; name it");
            }
        }
        return switch (kind) {
            case "score" -> new Score(from);
            case "sigmoid" -> new Sigmoid(from);
            case "softmax" -> new Softmax(from);
            case "words" -> new Words(from, fields.text("end"));
            case "spectrogram_mask" -> new SpectrogramMask(from);
            case "embedding" -> new Embedding(from, decode.path("normalise").asBoolean(false),
                    fields.has("pooling") && fields.oneOf("pooling", "mean").equals("mean"));
            default -> {
                fields.only(Set.of("kind", "scores", "boxes", "box_values", "anchors", "input_size", "activation", "threshold", "iou"));
                List<String> scores = names(file, where + ".scores", decode.get("scores"), outputShapes);
                List<String> boxes = names(file, where + ".boxes", decode.get("boxes"), outputShapes);
                JsonNode anchors = decode.get("anchors");
                if (anchors == null || !anchors.isArray() || anchors.isEmpty()) {
                    throw fields.refuse("anchors", "must be a list of {grid, per_cell}");
                }
                List<Detections.Grid> grids = new ArrayList<>();
                for (int i = 0; i < anchors.size(); i++) {
                    CardFields anchor = new CardFields(file, where + ".anchors[" + i + "]", anchors.get(i));
                    anchor.only(Set.of("grid", "per_cell"));
                    grids.add(new Detections.Grid(anchor.positiveInt("grid"), anchor.positiveInt("per_cell")));
                }
                int boxValues = fields.positiveInt("box_values");
                if (boxValues < 4) {
                    throw fields.refuse("box_values", "must be 4 or more (centre x, y, width, height first)");
                }
                float[] centres = Detections.anchorCentres(grids);
                long anchorCount = centres.length / 2;
                long declared = 0;
                for (String score : scores) {
                    declared += elementsPerItem(outputShapes.get(score));
                }
                if (declared != anchorCount) {
                    throw fields.refuse("anchors", anchorCount + " anchors, but the score outputs " + scores + " hold " + declared + " per item");
                }
                float threshold = (float) fields.number("threshold");
                float iou = (float) fields.number("iou");
                yield new Detect(scores, boxes, boxValues, grids, fields.positiveInt("input_size"),
                        fields.oneOf("activation", "sigmoid", "none").equals("sigmoid"), threshold, iou, centres);
            }
        };
    }

    private static List<String> names(Path file, String where, JsonNode list, Map<String, List<String>> outputShapes) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ModelCardException(file + ": " + where + " = " + list + ": must be a list of output names");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode name : list) {
            if (!outputShapes.containsKey(name.asText())) {
                throw new ModelCardException(file + ": " + where + " = " + list + ": '" + name.asText() + "' is not an output of the card "
                        + outputShapes.keySet());
            }
            names.add(name.asText());
        }
        return names;
    }

    /** Elements per batch item of a declared shape whose first dimension is the batch; -1 where a size is symbolic. */
    static long elementsPerItem(List<String> shape) {
        long elements = 1;
        for (String dim : shape.subList(1, shape.size())) {
            if (!dim.chars().allMatch(Character::isDigit)) {
                return -1;
            }
            elements *= Long.parseLong(dim);
        }
        return elements;
    }
}
