package io.mmstream.inference;

import io.mmstream.schema.ImageEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The models of one stage run from their card alone (models.run), one after another on each element: their values
 * concatenated into the element's step results, and at a window's end aggregated into one result per model.
 */
public final class StepModels {

    /** One encoded frame, as its record carries it. */
    public record Frame(byte[] data, ImageEncoding encoding, int width, int height) {}

    private final List<ElementModel> models;
    private final int[] widths;

    public StepModels(List<ElementModel> models) {
        this.models = List.copyOf(models);
        this.widths = widths(models.stream().map(ElementModel::card).toList());
    }

    public List<ElementModel> models() {
        return models;
    }

    private static int[] widths(List<ModelCard> cards) {
        return cards.stream().mapToInt(card -> card.result().width(card)).toArray();
    }

    /**
     * Every model on every frame, each model's calls batched as its card allows.
     *
     * @return per frame the models' values one after another; NaN where a model has no result for it (the frame
     *     cannot be decoded, or the model failed on it)
     */
    public List<float[]> frames(List<Frame> frames) {
        // a frame that cannot be decoded has no result here; the frame encoder dead-letters it
        return each(frames.size(), (model, i) -> new ElementModel.Call(
                model.pixels(frames.get(i).data(), frames.get(i).encoding(), frames.get(i).width(), frames.get(i).height()), Map.of()));
    }

    /** Every model on {@code count} items, each item's call made by {@code call}; an item whose call cannot be made has NaN. */
    private List<float[]> each(int count, java.util.function.BiFunction<ElementModel, Integer, ElementModel.Call> call) {
        int total = Arrays.stream(widths).sum();
        List<float[]> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] nothing = new float[total];
            Arrays.fill(nothing, Float.NaN);
            values.add(nothing);
        }
        int offset = 0;
        for (int m = 0; m < models.size(); m++) {
            ElementModel model = models.get(m);
            List<ElementModel.Call> calls = new ArrayList<>();
            List<Integer> decoded = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                try {
                    calls.add(call.apply(model, i));
                    decoded.add(i);
                } catch (RuntimeException e) {
                    // this item has no result from this model
                }
            }
            List<ElementModel.Outcome> outcomes = model.run(calls);
            for (int c = 0; c < outcomes.size(); c++) {
                if (outcomes.get(c).ok()) {
                    System.arraycopy(outcomes.get(c).values(), 0, values.get(decoded.get(c)), offset, widths[m]);
                }
            }
            offset += widths[m];
        }
        return values;
    }

    /**
     * Every model on every text, each model's calls batched as its card allows.
     *
     * @return per text the models' values one after another; NaN where a model failed on it
     */
    public List<float[]> texts(List<String> texts) {
        return each(texts.size(), (model, i) -> ElementModel.Call.text(model.tokens(texts.get(i))));
    }

    /**
     * One outcome per model (the cards in the order the models ran) for a window: its steps with a result aggregated as its card says, with the label where
     * its result has labels; none when no step of the window has its result, with the reason.
     */
    public static List<WindowHeads.TaskOutcome> aggregate(List<ModelCard> cards, List<float[]> steps) {
        int[] widths = widths(cards);
        List<WindowHeads.TaskOutcome> outcomes = new ArrayList<>(cards.size());
        int offset = 0;
        for (int m = 0; m < cards.size(); m++) {
            ModelCard card = cards.get(m);
            ModelResult result = card.result();
            List<float[]> mine = new ArrayList<>();
            for (float[] step : steps) {
                float[] values = Arrays.copyOfRange(step, offset, offset + widths[m]);
                if (!Float.isNaN(values[0])) {
                    mine.add(values);
                }
            }
            offset += widths[m];
            if (mine.isEmpty()) {
                outcomes.add(new WindowHeads.TaskOutcome(result.name(), card.name(), card.version(), null, List.of(), new float[0],
                        steps.isEmpty() ? "no " + card.stage().wire + " in the window" : "no " + card.stage().wire + " of the window had a result"));
                continue;
            }
            float[] aggregated = result.aggregation().apply(mine);
            if (result.decoding() instanceof Decoding.Embedding) {
                outcomes.add(new WindowHeads.TaskOutcome(result.name(), card.name(), card.version(), null, List.of(), new float[0], null, aggregated, null));
                continue;
            }
            outcomes.add(new WindowHeads.TaskOutcome(result.name(), card.name(), card.version(), result.label(aggregated), result.labels(),
                    aggregated, null));
        }
        return outcomes;
    }
}
