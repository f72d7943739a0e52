package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import java.nio.FloatBuffer;
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
            boolean separates = card.result().decoding() instanceof Decoding.SpectrogramMask;
            int rank = binding instanceof Binding.StepOutput || binding instanceof Binding.SensorSeries
                    || binding instanceof Binding.Spectrogram && separates ? 3
                    : binding instanceof Binding.Present || binding instanceof Binding.Question || binding instanceof Binding.StreamOffset ? 2 : -1;
            if (rank < 0) {
                throw new ModelCardException(where + ".binds = " + describe(binding) + ": a window model binds an element model's output "
                        + "(model, output), a mask (present), a sensor series (sensor), a standing question (question) or the stream's "
                        + "offset (sync)"
                        + (binding instanceof Binding.Spectrogram ? "; the window's spectrogram only with a spectrogram_mask result" : ""));
            }
            if (binding instanceof Binding.Spectrogram spectrogram
                    && !input.shape().subList(1, 3).equals(List.of(Integer.toString(spectrogram.frames()), Integer.toString(spectrogram.bins())))) {
                throw new ModelCardException(where + ".shape = " + input.shape() + ": the spectrogram of " + spectrogram.samples() + " samples has "
                        + spectrogram.frames() + " frames (1 + samples / hop) of " + spectrogram.bins() + " bins (fft / 2 + 1)");
            }
            boolean dtypeOk = input.dtype().equals("float32") || binding instanceof Binding.Present && input.dtype().equals("bool");
            if (input.shape().size() != rank || !input.isSymbolic(0) || !dtypeOk) {
                throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): a window input of this "
                        + "binding is float32 (a mask may be bool) of rank " + rank + ", batched along its first axis");
            }
            if (binding instanceof Binding.StreamOffset && !input.shape().get(1).equals("3")) {
                throw new ModelCardException(where + ".shape = " + input.shape() + ": the stream's offset is [B, 3] (seconds, agreement, windows)");
            }
            if (binding instanceof Binding.SensorSeries series && !input.shape().get(2).equals(Integer.toString(series.mean().length))) {
                throw new ModelCardException(where + ".shape = " + input.shape() + ": the sensor series has " + series.mean().length
                        + " axes (binds.mean)");
            }
        }
        if (card.result().decoding() instanceof Decoding.SpectrogramMask mask) {
            List<ModelCard.Tensor> spectrograms = card.inputs().stream().filter(i -> i.binding() instanceof Binding.Spectrogram).toList();
            if (spectrograms.size() != 1) {
                throw new ModelCardException(card.file() + ": result.decode.kind = 'spectrogram_mask': the card must bind the window's spectrogram "
                        + "({\"audio\": \"stft\", ...}) exactly once, not " + spectrograms.size() + " times");
            }
            List<String> maskShape = card.outputs().stream().filter(o -> o.name().equals(mask.from())).findFirst().orElseThrow().shape();
            if (!maskShape.subList(1, maskShape.size()).equals(spectrograms.get(0).shape().subList(1, 3))) {
                throw new ModelCardException(card.file() + ": result.from = '" + mask.from() + "': its shape " + maskShape
                        + " must be the spectrogram's " + spectrograms.get(0).shape());
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
     * @param producers where each encoder a binding may name lies in the window's steps (frame: in its video
     *     embeddings; audio_step: in its audio embeddings)
     * @param hidden modalities to mask out as if absent (video, audio, sensor), for the figures with one missing
     * @param question the standing question's embedding a question binding takes; null for a card without one
     */
    public static Map<String, Input> of(ModelCard card, Map<String, EncoderSlice> producers, List<WindowTensors> batch, Set<String> hidden,
                                        float[] question) {
        return of(card, producers, batch, hidden, question, null, null, null);
    }

    /** @param streamOffsets each window's stream offset estimate (null: none yet), for a card that binds it */
    public static Map<String, Input> of(ModelCard card, Map<String, EncoderSlice> producers, List<WindowTensors> batch, Set<String> hidden,
                                        float[] question, List<StreamSync.Estimate> streamOffsets) {
        return of(card, producers, batch, hidden, question, null, null, streamOffsets);
    }

    /** @param spectrograms the windows' spectrograms, [B, frames, bins] in a direct buffer, for a card that binds one (a separation model) */
    static Map<String, Input> of(ModelCard card, Map<String, EncoderSlice> producers, List<WindowTensors> batch, Set<String> hidden,
                                 float[] question, FloatBuffer spectrograms) {
        return of(card, producers, batch, hidden, question, spectrograms, null, null);
    }

    /** @param shared the inputs of the batch already built for another head, or null to build every input here */
    static Map<String, Input> of(ModelCard card, Map<String, EncoderSlice> producers, List<WindowTensors> batch, Set<String> hidden,
                                 float[] question, FloatBuffer spectrograms, Shared shared, List<StreamSync.Estimate> streamOffsets) {
        int b = batch.size();
        Shared memo = shared != null && hidden.isEmpty() && shared.batch.equals(batch) ? shared : null;
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (ModelCard.Tensor input : card.inputs()) {
            Binding binding = input.binding();
            if (binding instanceof Binding.Spectrogram spectrogram) {
                inputs.put(input.name(), Input.of(spectrograms, b, spectrogram.frames(), spectrogram.bins()));
            } else if (binding instanceof Binding.StepOutput output) {
                EncoderSlice slice = producers.get(output.model());
                Function<WindowTensors, float[]> field = slice.stage() == ModelCard.Stage.FRAME ? WindowTensors::video : WindowTensors::audio;
                inputs.put(input.name(), Shared.get(memo, "step " + output.model(), () -> {
                    float[] values = slices(batch, field, slice);
                    return Input.of(values, b, values.length / b / slice.width(), slice.width());
                }));
            } else if (binding instanceof Binding.Question) {
                float[] repeated = new float[b * question.length];
                for (int i = 0; i < b; i++) {
                    System.arraycopy(question, 0, repeated, i * question.length, question.length);
                }
                inputs.put(input.name(), Input.of(repeated, b, question.length));
            } else if (binding instanceof Binding.StreamOffset) {
                if (streamOffsets == null) {
                    throw new IllegalArgumentException(card.name() + " binds the stream's offset, and no estimate per window was given");
                }
                float[] values = new float[b * 3];
                for (int i = 0; i < b; i++) {
                    System.arraycopy(StreamSync.input(streamOffsets.get(i)), 0, values, i * 3, 3);
                }
                inputs.put(input.name(), Input.of(values, b, 3));
            } else if (binding instanceof Binding.Present present) {
                Function<WindowTensors, float[]> field = window -> window.mask(present.modality());
                inputs.put(input.name(), Shared.get(memo, "present " + present.modality(), () -> {
                    float[] mask = hidden.contains(present.modality()) ? new float[field.apply(batch.get(0)).length * b] : concat(batch, field);
                    return Input.of(mask, b, mask.length / b);
                }));
            } else {
                int axes = ((Binding.SensorSeries) binding).mean().length;
                inputs.put(input.name(), Shared.get(memo, "sensor", () -> {
                    float[] values = concat(batch, WindowTensors::imu);
                    return Input.of(values, b, values.length / b / axes, axes);
                }));
            }
        }
        return inputs;
    }

    /**
     * What every head of one batch of windows reads alike (an encoder's embeddings, presence masks, the sensor
     * series), built once for all the heads that run on the whole batch, instead of once per head, into direct
     * buffers that ONNX Runtime reads in place. Valid until the next batch on the same thread.
     */
    static final class Shared {

        private final List<WindowTensors> batch;
        private final InputBuffers buffers;
        private final Map<String, Input> built = new java.util.HashMap<>();

        Shared(List<WindowTensors> batch, InputBuffers buffers) {
            this.batch = batch;
            this.buffers = buffers;
        }

        private static Input get(Shared memo, String key, java.util.function.Supplier<Input> build) {
            if (memo == null) {
                return build.get();
            }
            return memo.built.computeIfAbsent(key, k -> {
                Input values = build.get();
                FloatBuffer direct = memo.buffers.floats(k, values.floats().length);
                direct.put(0, values.floats());
                return Input.of(direct, values.shape());
            });
        }
    }

    /** Whether a card binds its stream's offset estimate (it runs after the offset head). */
    public static boolean bindsStreamOffset(ModelCard card) {
        return card.inputs().stream().anyMatch(input -> input.binding() instanceof Binding.StreamOffset);
    }

    /** The text model a card's question binding names; null for a card without one. */
    public static String questionModel(ModelCard card) {
        return card.inputs().stream().map(ModelCard.Tensor::binding).filter(b -> b instanceof Binding.Question)
                .map(b -> ((Binding.Question) b).textModel()).findFirst().orElse(null);
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

    /** One encoder's embeddings at every step of each window, stacked: [B, T, slice width] of the field's [B, T, step width]. */
    private static float[] slices(List<WindowTensors> batch, Function<WindowTensors, float[]> field, EncoderSlice slice) {
        float[] stacked = concat(batch, field);
        int steps = batch.get(0).videoMask().length;
        int stepWidth = stacked.length / batch.size() / steps;
        if (stepWidth == slice.width()) {
            return stacked;
        }
        float[] out = new float[batch.size() * steps * slice.width()];
        for (int row = 0; row < batch.size() * steps; row++) {
            System.arraycopy(stacked, row * stepWidth + slice.offset(), out, row * slice.width(), slice.width());
        }
        return out;
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
