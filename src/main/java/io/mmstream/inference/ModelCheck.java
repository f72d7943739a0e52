package io.mmstream.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One card checked as the job would check it, then one dry batch: what `models check` reports per model. */
public final class ModelCheck {

    private ModelCheck() {}

    /**
     * Opens the model against its card (sha256, names, dtypes, shapes) and runs one batch of two zero items (one
     * where the card fixes the batch), decoding the card's result where it has one.
     *
     * @return a line saying what ran and what it answered
     * @throws ModelCardException naming the card and the field that disagree with the model
     * @throws InferenceException when the model fails on the dry batch
     */
    public static String dryRun(ModelCard card, InferenceOptions options) throws InferenceException {
        try (OnnxModel model = OnnxModel.open(card, options)) {
            long started = System.nanoTime();
            String answer;
            if (card.encoder() || card.stage() == ModelCard.Stage.WINDOW) {
                Map<String, OnnxModel.Output> outputs = model.run(zeros(card));
                answer = "outputs " + outputs.keySet();
            } else {
                ElementModel element = new ElementModel(model);
                int items = card.batch() > 0 ? card.batch() : 2;
                List<ElementModel.Call> calls = new ArrayList<>();
                java.util.SplittableRandom random = new java.util.SplittableRandom(1);
                for (int i = 0; i < items; i++) {
                    calls.add(element.sampleCall(random));
                }
                ElementModel.Outcome outcome = element.run(calls).get(0);
                if (!outcome.ok()) {
                    throw new InferenceException(outcome.error());
                }
                float[] values = outcome.values();
                answer = "result " + card.result().name() + " = " + (values.length <= 8 ? java.util.Arrays.toString(values)
                        : java.util.Arrays.toString(java.util.Arrays.copyOf(values, 4)).replace("]", ", ... (" + values.length + " values)]"));
            }
            return String.format(java.util.Locale.ROOT, "%s %s (stage %s): ok, dry batch in %.1f ms, %s", card.name(), card.version(),
                    card.stage().wire, (System.nanoTime() - started) / 1e6, answer);
        }
    }

    /** Zeros for every input, each symbolic size 2 (or the card's fixed batch). */
    private static Map<String, Input> zeros(ModelCard card) {
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (ModelCard.Tensor tensor : card.inputs()) {
            long[] shape = new long[tensor.shape().size()];
            int count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = tensor.isSymbolic(d) ? (card.batch() > 0 && d == 0 ? card.batch() : 2) : Long.parseLong(tensor.shape().get(d));
                count *= (int) shape[d];
            }
            inputs.put(tensor.name(), switch (tensor.dtype()) {
                case "int64" -> Input.of(new long[count], shape);
                case "bool" -> Input.of(new boolean[count], shape);
                default -> Input.of(new float[count], shape);
            });
        }
        return inputs;
    }
}
