package io.mmstream.inference;

import io.mmstream.media.ImageCodec;
import io.mmstream.media.PixelLayout;
import io.mmstream.schema.ImageEncoding;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A per-element model run from its card alone (no Java written for it): one media input (frame pixels, a waveform,
 * a log-mel patch, or a text's token ids with its mask and type ids), constants, and recurrent state carried per
 * stream by the caller; each call's outputs decoded into the card's result values, or an encoder's embedding. Items are batched as the card allows (any number, or exactly its fixed batch), and an item
 * the model fails on fails alone.
 */
public final class ElementModel {

    /**
     * One item: its media input as the card's binding lays it out (or, for a text model, its tokens), and its
     * stream's state (empty at the stream's first call).
     */
    public record Call(float[] media, Map<String, float[]> state, Tokenizer.Tokens tokens, byte[] rgb) {
        public Call(float[] media, Map<String, float[]> state) {
            this(media, state, null, null);
        }

        public static Call text(Tokenizer.Tokens tokens) {
            return new Call(new float[0], Map.of(), tokens, null);
        }

        /** A frame already at the binding's size (RGB bytes, row-major), laid out and scaled straight into the batch. */
        public static Call frame(byte[] rgb) {
            return new Call(null, Map.of(), null, rgb);
        }
    }

    /** One item's result values and its stream's next state, or why there is none. */
    public record Outcome(float[] values, Map<String, float[]> state, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private final OnnxModel model;
    private final ModelCard card;
    private final ModelCard.Tensor media;
    private final ImageCodec images = ImageCodec.standard();
    /** A text model's tokenizer; null for the others. */
    private final Tokenizer tokenizer;
    /** A frame model's pixel layout; null for the others. */
    private final PixelLayout layout;
    private final InputBuffers buffers = new InputBuffers();

    public ElementModel(OnnxModel model) {
        this.model = model;
        this.card = model.card();
        check(card);
        this.media = card.inputs().stream().filter(t -> isMedia(t.binding())).findFirst().orElseThrow();
        this.tokenizer = media.binding() instanceof Binding.Tokens ids ? Tokenizer.of(card, ids) : null;
        this.layout = media.binding() instanceof Binding.FramePixels frame
                ? new PixelLayout(frame.channelsLast(), frame.bgr(), frame.low(), frame.high(), frame.mean(), frame.std()) : null;
    }

    private static boolean isMedia(Binding binding) {
        return binding instanceof Binding.FramePixels || binding instanceof Binding.Waveform || binding instanceof Binding.LogMelPatch
                || binding instanceof Binding.Tokens tokens && tokens.part().equals("ids");
    }

    /** A typical item for a dry run or a benchmark: a sentence for a text model, small random values for the others. */
    public Call sampleCall(java.util.SplittableRandom random) {
        if (tokenizer != null) {
            return Call.text(tokens("A person walks into the room, looks around and waves at the camera."));
        }
        float[] media = new float[mediaValues()];
        for (int v = 0; v < media.length; v++) {
            media[v] = (float) (0.1 * random.nextGaussian());
        }
        return new Call(media, Map.of());
    }

    /** A text as this text model's tokens. */
    public Tokenizer.Tokens tokens(String text) {
        return tokenizer.encode(text);
    }

    public ModelCard card() {
        return card;
    }

    /** The card's media binding: {@link Binding.FramePixels}, {@link Binding.Waveform}, {@link Binding.LogMelPatch} or the text ids. */
    public Binding mediaBinding() {
        return media.binding();
    }

    /** How many values one item's media input holds: 3 x width x height pixels, the waveform's length, a log-mel patch, or the most tokens. */
    public int mediaValues() {
        if (media.binding() instanceof Binding.Tokens ids) {
            return ids.maxLength();
        }
        if (media.binding() instanceof Binding.LogMelPatch patch) {
            return patch.frames() * patch.params().melBins();
        }
        return media.binding() instanceof Binding.FramePixels frame ? 3 * frame.width() * frame.height() : ((Binding.Waveform) media.binding()).length();
    }

    /**
     * Refuses, naming the card and the field, a per-element card the job cannot run: a stage other than frame,
     * audio_step or text, not exactly one media input of the stage's kind, a binding whose tensor has the wrong dtype
     * or shape, state bound to an output that does not exist; an encoder (no result: its output goes to the windows)
     * that is not a frame or log-mel model of one [B,width] output.
     */
    static void check(ModelCard card) {
        String file = card.file().toString();
        if (card.stage() != ModelCard.Stage.FRAME && card.stage() != ModelCard.Stage.AUDIO_STEP && card.stage() != ModelCard.Stage.TEXT) {
            throw new ModelCardException(file + ": stage = '" + card.stage().wire + "': a per-element model runs per frame, per audio_step "
                    + "or per text");
        }
        Class<? extends Binding> mediaKind = switch (card.stage()) {
            case FRAME -> Binding.FramePixels.class;
            case AUDIO_STEP -> card.encoder() ? Binding.LogMelPatch.class : Binding.Waveform.class;
            default -> Binding.Tokens.class;
        };
        boolean tokenIds = card.inputs().stream().anyMatch(t -> t.binding() instanceof Binding.Tokens tokens && tokens.part().equals("ids"));
        int mediaInputs = 0;
        for (int i = 0; i < card.inputs().size(); i++) {
            ModelCard.Tensor input = card.inputs().get(i);
            String where = file + ": inputs[" + i + "] (" + input.name() + ")";
            Binding binding = input.binding();
            if (binding instanceof Binding.FramePixels frame) {
                mediaInputs++;
                List<String> expected = List.of("3", Integer.toString(frame.height()), Integer.toString(frame.width()));
                List<String> actual = input.shape().size() != 4 ? List.of() : frame.channelsLast()
                        ? List.of(input.shape().get(3), input.shape().get(1), input.shape().get(2)) : input.shape().subList(1, 4);
                if (!actual.equals(expected) || !input.dtype().equals("float32")) {
                    throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): frame pixels of "
                            + frame.width() + "x" + frame.height() + " need float32 " + (frame.channelsLast()
                            ? "[B," + frame.height() + "," + frame.width() + ",3] (NHWC)" : "[B,3," + frame.height() + "," + frame.width() + "] (NCHW)"));
                }
            } else if (binding instanceof Binding.Waveform wave) {
                mediaInputs++;
                if (input.shape().size() != 2 || !input.shape().get(1).equals(Integer.toString(wave.length())) || !input.dtype().equals("float32")) {
                    throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): a waveform of "
                            + wave.length() + " samples needs float32 [B," + wave.length() + "]");
                }
            } else if (binding instanceof Binding.LogMelPatch patch) {
                mediaInputs++;
                List<String> expected = List.of("1", Integer.toString(patch.frames()), Integer.toString(patch.params().melBins()));
                if (input.shape().size() != 4 || !input.shape().subList(1, 4).equals(expected) || !input.dtype().equals("float32")) {
                    throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): a log-mel patch of "
                            + patch.frames() + " frames of " + patch.params().melBins() + " bins needs float32 [B,1," + patch.frames() + ","
                            + patch.params().melBins() + "]");
                }
                if (!card.encoder()) {
                    throw new ModelCardException(where + ".binds.audio = 'logmel': log-mel patches feed an encoder (a model without a "
                            + "result, its output held on the window's grid); a model with a result per audio step binds the waveform");
                }
            } else if (binding instanceof Binding.Tokens tokens) {
                mediaInputs += tokens.part().equals("ids") ? 1 : 0;
                if (!tokenIds) {
                    throw new ModelCardException(where + ".binds.text = '" + tokens.part() + "': follows the text ids binding, which names the "
                            + "tokenizer; the card has none");
                }
                if (input.shape().size() != 2 || !input.isSymbolic(0) || !input.dtype().equals("int64")) {
                    throw new ModelCardException(where + ".shape = " + input.shape() + " (" + input.dtype() + "): text tokens need int64 [B,T]");
                }
            } else if (binding instanceof Binding.Constant) {
                if (!input.dtype().equals("float32") && !input.dtype().equals("int64")) {
                    throw new ModelCardException(where + ".dtype = '" + input.dtype() + "': a constant is float32 or int64");
                }
                for (int d = 0; d < input.shape().size(); d++) {
                    if (input.isSymbolic(d)) {
                        throw new ModelCardException(where + ".shape = " + input.shape() + ": a constant has fixed sizes");
                    }
                }
            } else if (binding instanceof Binding.State state) {
                ModelCard.Tensor output = card.outputs().stream().filter(o -> o.name().equals(state.output())).findFirst()
                        .orElseThrow(() -> new ModelCardException(where + ".binds.state = '" + state.output() + "': not an output of the card "
                                + card.outputs().stream().map(ModelCard.Tensor::name).toList()));
                if (state.batchAxis() >= input.shape().size() || !input.isSymbolic(state.batchAxis()) || !output.shape().equals(input.shape())
                        || !input.dtype().equals("float32")) {
                    throw new ModelCardException(where + ".binds.batch_axis = " + state.batchAxis() + ": state " + input.shape()
                            + " must be float32, symbolic at its batch axis and shaped as its output " + output.name() + " " + output.shape());
                }
            } else {
                throw new ModelCardException(where + ".binds: a " + binding.getClass().getSimpleName() + " binding is read per window; a "
                        + card.stage().wire + " model binds its media, constants or state");
            }
        }
        if (mediaInputs != 1 || card.inputs().stream().noneMatch(t -> mediaKind.isInstance(t.binding()))) {
            throw new ModelCardException(file + ": inputs: stage " + card.stage().wire + " needs exactly one "
                    + switch (card.stage()) {
                        case FRAME -> "frame";
                        case AUDIO_STEP -> card.encoder() ? "audio log-mel" : "audio waveform";
                        default -> "text ids";
                    } + " binding, the card has " + mediaInputs + " media bindings" + (card.encoder() ? " (a card without a result is an "
                    + "encoder, whose embedding the windows hold; give it a result (name, decode, aggregate) to run it as a model of its own)" : ""));
        }
        if (card.encoder()) {
            checkEncoder(card);
        }
    }

    /** An encoder's one output is its embedding per item, float32 [B,width]; it binds no state, and a text encoder's output has nowhere to go. */
    private static void checkEncoder(ModelCard card) {
        if (card.stage() == ModelCard.Stage.TEXT) {
            throw new ModelCardException(card.file() + ": result = null: a text model needs a result (name, decode, aggregate)");
        }
        ModelCard.Tensor output = card.outputs().get(0);
        if (card.outputs().size() != 1 || output.shape().size() != 2 || !output.isSymbolic(0) || output.isSymbolic(1)
                || !output.dtype().equals("float32")) {
            throw new ModelCardException(card.file() + ": outputs = " + card.outputs().stream().map(o -> o.name() + " " + o.shape()).toList()
                    + ": a model without a result is an encoder, whose one output float32 [B,width] the windows hold; give the card a result "
                    + "(name, decode, aggregate) to run it as a model of its own");
        }
        if (card.inputs().stream().anyMatch(t -> t.binding() instanceof Binding.State)) {
            throw new ModelCardException(card.file() + ": inputs: an encoder carries no state; give the card a result to run it with state");
        }
    }

    /**
     * An encoded frame as this model's pixels: decoded, resized to the binding's size, laid out and scaled.
     *
     * @throws IllegalArgumentException when the frame cannot be decoded
     */
    public float[] pixels(byte[] encoded, ImageEncoding encoding, int width, int height) {
        Binding.FramePixels frame = (Binding.FramePixels) media.binding();
        return pixels(images.decodeResized(encoded, encoding, width, height, frame.width(), frame.height()));
    }

    /** RGB bytes already at the binding's size (row-major, 3 a pixel) as this model's pixels. */
    public float[] pixels(byte[] rgb) {
        Binding.FramePixels frame = (Binding.FramePixels) media.binding();
        if (rgb.length != 3 * frame.width() * frame.height()) {
            throw new IllegalArgumentException(rgb.length + " RGB bytes; " + card.file() + " takes " + frame.width() + "x" + frame.height());
        }
        float[] out = new float[rgb.length];
        layout.write(rgb, frame.width(), frame.height(), out, 0);
        return out;
    }

    /** @return one outcome per call, in order */
    public List<Outcome> run(List<Call> calls) {
        int batch = card.batch() > 0 ? card.batch() : Math.max(1, calls.size());
        List<Outcome> outcomes = new ArrayList<>(calls.size());
        for (int from = 0; from < calls.size(); from += batch) {
            outcomes.addAll(runBatch(calls.subList(from, Math.min(calls.size(), from + batch))));
        }
        return outcomes;
    }

    /** One model call; on failure each item again alone, so that one bad item costs only its own result. */
    private List<Outcome> runBatch(List<Call> calls) {
        // a fixed batch larger than what is left is padded with copies of the first item, whose results are dropped
        int size = card.batch() > 0 ? card.batch() : calls.size();
        try {
            int tokens = tokenLength(calls);
            Map<String, OnnxModel.Output> outputs = model.run(inputs(calls, size, tokens));
            List<Outcome> outcomes = new ArrayList<>(calls.size());
            for (int item = 0; item < calls.size(); item++) {
                int index = item;
                // an encoder's values are its embedding, as the windows hold it
                float[] values = card.encoder() ? slice(outputs.get(card.outputs().get(0).name()), 0, index, size)
                        : card.result().decoding().decode(name -> name.equals(Decoding.TOKEN_MASK)
                                ? mask(calls.get(index), tokens) : slice(outputs.get(name), 0, index, size));
                Map<String, float[]> state = new HashMap<>();
                for (ModelCard.Tensor input : card.inputs()) {
                    if (input.binding() instanceof Binding.State bound) {
                        state.put(input.name(), slice(outputs.get(bound.output()), bound.batchAxis(), index, size));
                    }
                }
                outcomes.add(new Outcome(values, state, null));
            }
            return outcomes;
        } catch (InferenceException | RuntimeException e) {
            if (calls.size() == 1) {
                return List.of(new Outcome(null, calls.get(0).state(), card.name() + " failed: " + e.getMessage()));
            }
            List<Outcome> alone = new ArrayList<>();
            calls.forEach(call -> alone.addAll(runBatch(List.of(call))));
            return alone;
        }
    }

    /** The sequence length of a text batch: the card's, where fixed, else the longest item's. */
    private int tokenLength(List<Call> calls) {
        if (!(media.binding() instanceof Binding.Tokens)) {
            return 0;
        }
        if (!media.isSymbolic(1)) {
            return Integer.parseInt(media.shape().get(1));
        }
        return calls.stream().mapToInt(call -> call.tokens().ids().length).max().orElse(1);
    }

    private static float[] mask(Call call, int length) {
        float[] mask = new float[length];
        for (int t = 0; t < Math.min(length, call.tokens().mask().length); t++) {
            mask[t] = call.tokens().mask()[t];
        }
        return mask;
    }

    private Map<String, Input> inputs(List<Call> calls, int size, int tokens) {
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (ModelCard.Tensor input : card.inputs()) {
            long[] shape = shape(input, size);
            Binding binding = input.binding();
            if (binding instanceof Binding.Tokens part) {
                shape[1] = tokens;
                inputs.put(input.name(), Input.of(tokens(calls, size, tokens, part.part()), shape));
            } else if (binding instanceof Binding.Constant constant) {
                inputs.put(input.name(), input.dtype().equals("int64")
                        ? Input.of(filled(shape, (long) constant.value()), shape) : Input.of(filledFloat(shape, (float) constant.value()), shape));
            } else if (binding instanceof Binding.State state) {
                inputs.put(input.name(), Input.of(stack(calls, size, input.name(), shape, state.batchAxis()), shape));
            } else {
                inputs.put(input.name(), Input.of(stack(calls, size, null, shape, 0), shape));
            }
        }
        return inputs;
    }

    /** One part of each call's tokens, padded with zeros (masked out) to {@code length}; a padding item repeats the first. */
    private static long[] tokens(List<Call> calls, int size, int length, String part) {
        long[] out = new long[size * length];
        for (int item = 0; item < size; item++) {
            Tokenizer.Tokens tokens = calls.get(item < calls.size() ? item : 0).tokens();
            long[] values = switch (part) {
                case "ids" -> tokens.ids();
                case "mask" -> tokens.mask();
                default -> tokens.typeIds();
            };
            System.arraycopy(values, 0, out, item * length, Math.min(length, values.length));
        }
        return out;
    }

    /** The tensor's shape with its symbolic batch dimension (B, or the state's batch axis) set to {@code size}. */
    private static long[] shape(ModelCard.Tensor input, int size) {
        long[] shape = new long[input.shape().size()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = input.isSymbolic(d) ? size : Long.parseLong(input.shape().get(d));
        }
        return shape;
    }

    /**
     * Each call's media (state == null) or named state (zeros where a stream has none yet), stacked along
     * {@code axis} straight into this thread's reusable direct buffer for the input.
     */
    private FloatBuffer stack(List<Call> calls, int size, String state, long[] shape, int axis) {
        long total = 1;
        for (long dim : shape) {
            total *= dim;
        }
        FloatBuffer out = buffers.floats(state == null ? media.name() : state, (int) total);
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= (int) shape[d];
        }
        int inner = (int) (total / outer / size);
        for (int item = 0; item < size; item++) {
            Call call = calls.get(item < calls.size() ? item : 0);
            if (state == null && call.rgb() != null) {
                Binding.FramePixels frame = (Binding.FramePixels) media.binding();
                if (call.rgb().length != inner) {
                    throw new IllegalArgumentException(call.rgb().length + " RGB bytes; " + card.file() + " takes " + frame.width() + "x" + frame.height());
                }
                layout.write(call.rgb(), frame.width(), frame.height(), out, item * inner);
                continue;
            }
            float[] values = state == null ? call.media() : call.state().get(state);
            if (values != null && values.length != outer * inner) {
                throw new IllegalArgumentException((state == null ? "media" : "state " + state) + " holds " + values.length
                        + " values, the card's shape " + Arrays.toString(shape) + " needs " + outer * inner + " per item");
            }
            for (int o = 0; o < outer; o++) {
                int at = (o * size + item) * inner;
                if (values == null) {
                    for (int v = 0; v < inner; v++) {
                        out.put(at + v, 0f);
                    }
                } else {
                    out.put(at, values, o * inner, inner);
                }
            }
        }
        return out;
    }

    /** One item's part of an output batched along {@code axis}. */
    private static float[] slice(OnnxModel.Output output, int axis, int item, int size) {
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= (int) output.shape()[d];
        }
        int inner = output.data().length / outer / size;
        float[] out = new float[outer * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(output.data(), (o * size + item) * inner, out, o * inner, inner);
        }
        return out;
    }

    private static long[] filled(long[] shape, long value) {
        long[] out = new long[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        Arrays.fill(out, value);
        return out;
    }

    private static float[] filledFloat(long[] shape, float value) {
        float[] out = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        Arrays.fill(out, value);
        return out;
    }
}
