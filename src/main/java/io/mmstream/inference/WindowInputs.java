package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A window head's inputs, built from its card's bindings alone: the element models' outputs on the window's grid,
 * presence masks and sensor series, batched over windows. The job's heads and {@code eval} build them here, so
 * their inputs are the same by construction.
 */
public final class WindowInputs {

    private WindowInputs() {}

    /**
     * Refuses, naming the card and the field, a window card whose inputs are not window bindings, or whose shapes
     * cannot hold them: [B,T,width] for an element model's output, [B,T] or [B,S] for a mask, [B,S,axes] for a
     * sensor series.
     */
    static void check(ModelCard card) {
        if (card.result() == null) {
            throw new ModelCardException(card.file() + ": result = null: a window model needs a result (name, decode, requires)");
        }
        for (int i = 0; i < card.inputs().size(); i++) {
            ModelCard.Tensor input = card.inputs().get(i);
            String where = card.file() + ": inputs[" + i + "] (" + input.name() + ")";
            Binding binding = input.binding();
            int rank = binding instanceof Binding.StepOutput || binding instanceof Binding.SensorSeries ? 3
                    : binding instanceof Binding.Present ? 2 : -1;
            if (rank < 0) {
                throw new ModelCardException(where + ".binds = " + describe(binding) + ": a window model binds an element model's output "
                        + "(model, output), a mask (present) or a sensor series (sensor)");
            }
            boolean dtypeOk = input.dtype().equals("float32") || binding instanceof Binding.Present && input.dtype().equals("bool");
            if (input.shape().size() != rank || !input.isSymbolic(0) || !dtypeOk) {
                throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): a window input of this "
                        + "binding is float32 (a mask may be bool) of rank " + rank + ", batched along its first axis");
            }
            if (binding instanceof Binding.SensorSeries series && !input.shape().get(2).equals(Integer.toString(series.mean().length))) {
                throw new ModelCardException(where + ".shape = " + input.shape() + ": the sensor series has " + series.mean().length
                        + " axes (binds.mean)");
            }
        }
        for (String modality : card.result().requires().modalities()) {
            if (!modalities(card).contains(modality)) {
                throw new ModelCardException(card.file() + ": result.requires = " + card.result().requires().modalities() + ": the card binds no "
                        + "presence mask of " + modality + " ({\"present\": \"" + modality + "\"})");
            }
        }
    }

    private static String describe(Binding binding) {
        return "a " + binding.getClass().getSimpleName() + " binding";
    }

    /**
     * The card's inputs for a batch of windows.
     *
     * @param producers the stage of each element model a binding may name (frame: its output is the window's video
     *     embeddings; audio_step: its audio embeddings)
     * @param hidden modalities to mask out as if absent (video, audio, sensor), for the figures with one missing
     */
    public static Map<String, Input> of(ModelCard card, Map<String, ModelCard.Stage> producers, List<WindowTensors> batch, Set<String> hidden) {
        int b = batch.size();
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (ModelCard.Tensor input : card.inputs()) {
            Binding binding = input.binding();
            if (binding instanceof Binding.StepOutput output) {
                ModelCard.Stage stage = producers.get(output.model());
                Function<WindowTensors, float[]> field = stage == ModelCard.Stage.FRAME ? WindowTensors::video : WindowTensors::audio;
                int width = Integer.parseInt(input.shape().get(2));
                float[] values = concat(batch, field);
                inputs.put(input.name(), Input.of(values, b, values.length / b / width, width));
            } else if (binding instanceof Binding.Present present) {
                Function<WindowTensors, float[]> field = window -> window.mask(present.modality());
                float[] mask = hidden.contains(present.modality()) ? new float[field.apply(batch.get(0)).length * b] : concat(batch, field);
                inputs.put(input.name(), Input.of(mask, b, mask.length / b));
            } else {
                int axes = ((Binding.SensorSeries) binding).mean().length;
                float[] values = concat(batch, WindowTensors::imu);
                inputs.put(input.name(), Input.of(values, b, values.length / b / axes, axes));
            }
        }
        return inputs;
    }

    /** The modalities whose presence the card's inputs read. */
    public static Set<String> modalities(ModelCard card) {
        Set<String> modalities = new java.util.LinkedHashSet<>();
        card.inputs().forEach(input -> {
            if (input.binding() instanceof Binding.Present present) {
                modalities.add(present.modality());
            }
        });
        return modalities;
    }

    /** One field of each window, stacked. */
    public static float[] concat(List<WindowTensors> batch, Function<WindowTensors, float[]> field) {
        int length = field.apply(batch.get(0)).length;
        float[] out = new float[batch.size() * length];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(field.apply(batch.get(i)), 0, out, i * length, length);
        }
        return out;
    }
}
