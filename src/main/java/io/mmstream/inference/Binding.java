package io.mmstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.mmstream.media.LogMel;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What the job feeds one input of a model, as its card's {@code binds} declares it. A card names exactly one kind
 * of binding per input: per element, frame pixels, a waveform or a text's tokens, constants and recurrent state;
 * per window, an element model's output on the window's grid, a presence mask, a sensor series.
 */
public sealed interface Binding {

    /**
     * A decoded frame resized to width x height, each channel scaled from [0, 255] to [low, high], then
     * (value - mean) / std.
     *
     * @param channelsLast NHWC where true, NCHW where false
     * @param bgr channel order BGR where true, RGB where false
     */
    record FramePixels(int width, int height, boolean channelsLast, boolean bgr, float low, float high, float[] mean, float[] std)
            implements Binding {}

    /**
     * Mono samples at {@code rate}: each call takes {@code length} samples, the newest {@code hop} of them new (the
     * rest are the end of the previous call's, carried per stream), scaled to [-1, 1].
     */
    record Waveform(int rate, int length, int hop) implements Binding {}

    /**
     * A log-mel patch of {@code frames} frames centred on each instant of the window's grid, [1, frames, mel_bins]:
     * the spectrogram of {@link LogMel} with these parameters (periodic Hann window, power spectrum, HTK mel
     * filters, natural log of energy + 1e-6).
     */
    record LogMelPatch(LogMel.Params params, int frames) implements Binding {}

    /**
     * A window input: the window's audio, {@code samples} mono samples at {@code rate} from the window's start (zero
     * where none was heard), as the natural log of its STFT magnitude + 1e-3, [frames, bins]: {@link io.mmstream.media.Stft}
     * with this fft size and hop (periodic Hann window, centred frames: 1 + samples / hop of them, fft / 2 + 1 bins).
     * Only a separation model (result decode {@code spectrogram_mask}) binds it: the job keeps no raw audio in its
     * windows, and separation assembles it beside them.
     */
    record Spectrogram(int rate, int fft, int hop, int samples) implements Binding {

        public int frames() {
            return 1 + samples / hop;
        }

        public int bins() {
            return fft / 2 + 1;
        }
    }

    /** The same value at every call, e.g. a sample-rate scalar. */
    record Constant(double value) implements Binding {}

    /**
     * Recurrent state carried per stream: zeros at a stream's first call, then the named output of its previous
     * call; batched along {@code batchAxis}.
     */
    record State(String output, int batchAxis) implements Binding {}

    /**
     * A text event as token ids, cut at {@code maxLength} tokens with the tokenizer's special tokens; or the
     * attention mask or token type ids of the same tokens. The ids binding names the tokenizer (a Hugging Face
     * tokenizer.json beside the card, pinned by its sha256); the others follow it.
     *
     * @param part ids, mask or type_ids
     * @param tokenizer null but for ids
     */
    record Tokens(String part, Path tokenizer, String tokenizerSha256, int maxLength) implements Binding {}

    /**
     * A window input: an element model's output at each step of the window's grid, [T, width] (zeros where a step
     * has no event), e.g. the frame encoder's embedding of the frame nearest each step; the grid's steps are
     * {@code stepMicros} apart (0: whatever the job's grid step) and there are {@code steps} of them (0: any number).
     */
    record StepOutput(String model, String output, long stepMicros, int steps) implements Binding {}

    /** A window input: whether each step of a modality (video, audio: the grid, [T]; sensor: its series, [S]) holds an event. */
    record Present(String modality) implements Binding {}

    /**
     * A window input: a stream's readings of a sensor kind resampled onto steps of {@code stepMicros} across the
     * window, each axis normalised as (value - mean) / std, [S, axes].
     */
    record SensorSeries(String kind, long stepMicros, float[] mean, float[] std) implements Binding {}

    /**
     * A window input: one standing question (models.questions) embedded by the named text model, [width]; the head
     * runs once per question and its result says which question it answers.
     */
    record Question(String textModel) implements Binding {}

    /**
     * A window input: its stream's audio-visual offset as the job keeps it ({@link StreamSync}, this window's offset
     * taken in), [3]: the offset in seconds (audio minus video), the share of the recent decisive windows that agree
     * with it, and how many there are over {@link StreamSync#WINDOWS}; zeros while the stream has none. A head that
     * binds it runs after the offset head (a card decoding {@code offset}).
     */
    record StreamOffset() implements Binding {}

    /** The binding kinds a card may name, one per input. */
    List<String> KINDS = List.of("frame", "audio", "text", "constant", "state", "model", "present", "sensor", "question", "sync");

    /** @param where the field's path in the card, for messages: inputs[0].binds */
    static Binding parse(Path file, String where, JsonNode binds) {
        if (binds == null || !binds.isObject()) {
            throw new ModelCardException(file + ": " + where + " = " + binds + ": must be an object naming one of " + KINDS);
        }
        List<String> kinds = KINDS.stream().filter(binds::has).toList();
        if (kinds.size() != 1) {
            throw new ModelCardException(file + ": " + where + " = " + binds + ": must name exactly one of " + KINDS);
        }
        String kind = kinds.get(0);
        CardFields fields = new CardFields(file, where, binds);
        return switch (kind) {
            case "frame" -> {
                fields.only(Set.of("frame", "size", "layout", "channels", "range", "mean", "std"));
                fields.oneOf("frame", "pixels");
                int[] size = fields.ints("size", 2);
                float[] range = fields.has("range") ? fields.floats("range", 2) : new float[] {0, 1};
                float[] mean = fields.has("mean") ? fields.floats("mean", 3) : new float[] {0, 0, 0};
                float[] std = fields.has("std") ? fields.floats("std", 3) : new float[] {1, 1, 1};
                for (int c = 0; c < 3; c++) {
                    if (!(std[c] > 0)) {
                        throw fields.refuse("std", "must be positive");
                    }
                }
                yield new FramePixels(size[0], size[1], fields.oneOf("layout", "NCHW", "NHWC").equals("NHWC"),
                        fields.oneOf("channels", "RGB", "BGR").equals("BGR"), range[0], range[1], mean, std);
            }
            case "audio" -> {
                String audio = fields.oneOf("audio", "waveform", "logmel", "stft");
                if (audio.equals("stft")) {
                    fields.only(Set.of("audio", "rate", "fft", "hop", "samples", "scale"));
                    fields.oneOf("scale", "log");
                    int fft = fields.positiveInt("fft");
                    if (Integer.bitCount(fft) != 1) {
                        throw fields.refuse("fft", "must be a power of two");
                    }
                    int hop = fields.positiveInt("hop");
                    if (hop > fft / 2) {
                        throw fields.refuse("hop", "must be at most half the fft " + fft + " (the inverse needs the frames to overlap)");
                    }
                    yield new Spectrogram(fields.positiveInt("rate"), fft, hop, fields.positiveInt("samples"));
                }
                if (audio.equals("logmel")) {
                    fields.only(Set.of("audio", "rate", "fft", "window", "hop", "mel_bins", "min_hz", "max_hz", "frames"));
                    int fft = fields.positiveInt("fft");
                    if (Integer.bitCount(fft) != 1) {
                        throw fields.refuse("fft", "must be a power of two");
                    }
                    int window = fields.positiveInt("window");
                    if (window > fft) {
                        throw fields.refuse("window", "must not exceed fft " + fft);
                    }
                    int rate = fields.positiveInt("rate");
                    double minHz = fields.number("min_hz");
                    double maxHz = fields.number("max_hz");
                    if (!(minHz >= 0 && maxHz > minHz && maxHz <= rate / 2.0)) {
                        throw fields.refuse("max_hz", "must lie above min_hz " + minHz + " and at most half the rate " + rate);
                    }
                    yield new LogMelPatch(new LogMel.Params(rate, fft, window, fields.positiveInt("hop"), fields.positiveInt("mel_bins"), minHz, maxHz),
                            fields.positiveInt("frames"));
                }
                fields.only(Set.of("audio", "rate", "length", "hop"));
                int length = fields.positiveInt("length");
                int hop = fields.positiveInt("hop");
                if (hop > length) {
                    throw fields.refuse("hop", "must not exceed length " + length);
                }
                yield new Waveform(fields.positiveInt("rate"), length, hop);
            }
            case "text" -> {
                if (fields.oneOf("text", "ids", "mask", "type_ids").equals("ids")) {
                    fields.only(Set.of("text", "tokenizer", "tokenizer_sha256", "max_length"));
                    yield new Tokens("ids", ModelCard.named(file, fields.text("tokenizer")), fields.text("tokenizer_sha256"),
                            fields.positiveInt("max_length"));
                }
                fields.only(Set.of("text"));
                yield new Tokens(binds.get("text").asText(), null, null, 0);
            }
            case "model" -> {
                fields.only(Set.of("model", "output", "step_us", "steps"));
                yield new StepOutput(fields.text("model"), fields.text("output"), fields.has("step_us") ? fields.positiveInt("step_us") : 0,
                        fields.has("steps") ? fields.positiveInt("steps") : 0);
            }
            case "present" -> {
                fields.only(Set.of("present"));
                yield new Present(fields.oneOf("present", "video", "audio", "sensor"));
            }
            case "sensor" -> {
                fields.only(Set.of("sensor", "step_us", "mean", "std"));
                String sensorKind = fields.text("sensor");
                int axes = binds.path("mean").size();
                float[] mean = fields.floats("mean", Math.max(1, axes));
                float[] std = fields.floats("std", mean.length);
                for (float value : std) {
                    if (!(value > 0)) {
                        throw fields.refuse("std", "must be positive");
                    }
                }
                yield new SensorSeries(sensorKind, fields.positiveInt("step_us"), mean, std);
            }
            case "question" -> {
                fields.only(Set.of("question"));
                yield new Question(fields.text("question"));
            }
            case "sync" -> {
                fields.only(Set.of("sync"));
                fields.oneOf("sync", "stream");
                yield new StreamOffset();
            }
            case "constant" -> {
                fields.only(Set.of("constant"));
                yield new Constant(fields.number("constant"));
            }
            default -> {
                fields.only(Set.of("state", "batch_axis"));
                yield new State(fields.text("state"), fields.wholeNumber("batch_axis"));
            }
        };
    }
}
