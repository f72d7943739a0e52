package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.config.JobOptions;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.Binding;
import io.mmstream.inference.Decoding;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelResult;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.StreamSync;
import io.mmstream.inference.WindowHeads;
import io.mmstream.inference.WindowInputs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committed models applied to dataset windows the way the job applies them, through the same code: the default
 * graph's encoders ({@link MediaEncoders}) per frame and per audio patch, then every window head of the directory
 * that reads those encoders, its inputs built from its card ({@link WindowInputs}).
 */
public final class WindowModels implements AutoCloseable {

    /** Which windows the offset head runs on, as the job decides it by default (models.min-coverage). */
    private static final float MIN_COVERAGE = JobOptions.MIN_COVERAGE.parse().apply(JobOptions.MIN_COVERAGE.defaultText()).floatValue();

    private final List<OnnxModel> opened = new ArrayList<>();
    private final MediaEncoders encoders;
    private final Map<String, io.mmstream.inference.EncoderSlice> producers;
    private final Map<String, OnnxModel> heads = new LinkedHashMap<>();
    private io.mmstream.inference.AudioSeparation separation;

    public WindowModels(Path directory, InferenceOptions options) throws IOException {
        ModelSettings graph = ModelSettings.of(directory.toString(), List.of(), options, 0);
        encoders = new MediaEncoders(graph.encoders(ModelCard.Stage.FRAME).stream().map(card -> open(card, options)).toList(),
                graph.encoders(ModelCard.Stage.AUDIO_STEP).stream().map(card -> open(card, options)).toList());
        producers = graph.producers();
        for (Path file : ModelCard.cardsIn(directory)) {
            ModelCard card = ModelCard.load(file);
            boolean readsTheEncoders = card.inputs().stream().map(ModelCard.Tensor::binding)
                    .allMatch(b -> !(b instanceof Binding.StepOutput output) || producers.containsKey(output.model()));
            if (card.stage() == ModelCard.Stage.WINDOW && readsTheEncoders && card.separates()) {
                separation = separation != null ? separation : new io.mmstream.inference.AudioSeparation(open(card, options), producers);
            } else if (card.stage() == ModelCard.Stage.WINDOW && readsTheEncoders) {
                heads.put(card.name(), open(card, options));
            }
        }
    }

    /** The directory's separation model over the same encoders, or null where it has none. */
    public io.mmstream.inference.AudioSeparation separation() {
        return separation;
    }

    private OnnxModel open(ModelCard card, InferenceOptions options) {
        OnnxModel model = OnnxModel.open(card, options);
        opened.add(model);
        return model;
    }

    public ModelCard card(String head) {
        return heads.get(head).card();
    }

    /** The heads whose result has this name (action, fusion), in the directory's order. */
    public List<String> heads(String resultName) {
        return heads.values().stream().map(OnnxModel::card).filter(card -> card.result().name().equals(resultName)).map(ModelCard::name).toList();
    }

    /** The first head whose result decodes an audio-visual offset. */
    public String offsetHead() {
        return heads.values().stream().map(OnnxModel::card).filter(card -> card.result().decoding() instanceof Decoding.Offset)
                .map(ModelCard::name).findFirst().orElseThrow(() -> new IllegalStateException("no window head decodes an offset"));
    }

    /** A dataset window's frames and audio patches through the encoders, as the windows of the job hold them. */
    public WindowTensors embed(DatasetWriter.Window window, int imageSize) throws InferenceException {
        int steps = window.frameMask().length;
        int pixels = imageSize * imageSize * 3;
        List<byte[]> frames = new ArrayList<>(steps);
        List<float[]> patches = new ArrayList<>(steps);
        int patchValues = window.logMel().length / steps;
        for (int t = 0; t < steps; t++) {
            frames.add(java.util.Arrays.copyOfRange(window.frames(), t * pixels, (t + 1) * pixels));
            patches.add(java.util.Arrays.copyOfRange(window.logMel(), t * patchValues, (t + 1) * patchValues));
        }
        float[] video = stacked(encoders.rgbFrames(frames));
        float[] audio = stacked(encoders.audio(patches));
        return new WindowTensors(video, floats(window.frameMask()), audio, floats(window.audioMask()), window.imu(), floats(window.imuMask()));
    }

    private static float[] stacked(List<MediaEncoders.Encoded> encoded) throws InferenceException {
        int width = -1;
        float[] out = null;
        for (int i = 0; i < encoded.size(); i++) {
            if (!encoded.get(i).ok()) {
                throw new InferenceException(encoded.get(i).error());
            }
            if (out == null) {
                width = encoded.get(i).embedding().length;
                out = new float[encoded.size() * width];
            }
            System.arraycopy(encoded.get(i).embedding(), 0, out, i * width, width);
        }
        return out;
    }

    private static float[] floats(byte[] mask) {
        float[] out = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            out[i] = mask[i];
        }
        return out;
    }

    /**
     * A head on a batch, its inputs built from its card as the job builds them.
     *
     * @param use which of video, audio and sensor the model may see; the others are masked out as if absent
     */
    public Map<String, OnnxModel.Output> run(String head, List<WindowTensors> batch, boolean[] use) throws InferenceException {
        return run(head, batch, use, null);
    }

    /** @param question the standing question's embedding, for a head that binds one */
    public Map<String, OnnxModel.Output> run(String head, List<WindowTensors> batch, boolean[] use, float[] question) throws InferenceException {
        return run(head, batch, use, question, null);
    }

    /**
     * Each window's stream offset estimate as the job keeps it ({@link StreamSync}): the offset head over the
     * windows in order, each stream's estimate moved on by its eligible windows (the job's default coverage).
     *
     * @param streams each window's stream, 0 to streamCount - 1; a stream's windows in time order
     */
    public List<StreamSync.Estimate> streamOffsets(List<WindowTensors> windows, int[] streams, int streamCount) throws InferenceException {
        String head = offsetHead();
        ModelResult result = card(head).result();
        Decoding.Offset decoding = (Decoding.Offset) result.decoding();
        boolean[] all = {true, true, true};
        long[][] recent = new long[streamCount][0];
        List<StreamSync.Estimate> out = new ArrayList<>(windows.size());
        for (int start = 0; start < windows.size(); start += 64) {
            List<WindowTensors> batch = windows.subList(start, Math.min(windows.size(), start + 64));
            float[] logits = run(head, batch, all).get(decoding.offsets()).data();
            int offsets = logits.length / batch.size();
            for (int i = 0; i < batch.size(); i++) {
                int stream = streams[start + i];
                Long offset = null;
                float[] probabilities = new float[0];
                if (WindowHeads.eligible(batch.get(i), result.requires(), MIN_COVERAGE)) {
                    float[] row = java.util.Arrays.copyOfRange(logits, i * offsets, (i + 1) * offsets);
                    probabilities = new Decoding.Softmax(decoding.offsets()).decode(name -> row);
                    offset = decoding.offsetMicros(result.labels(), probabilities);
                }
                recent[stream] = StreamSync.next(recent[stream], offset, probabilities);
                out.add(StreamSync.estimate(recent[stream], decoding.stepMicros()));
            }
        }
        return out;
    }

    /** @param streamOffsets each window's stream offset estimate ({@link #streamOffsets}), for a head that binds it; else null */
    public Map<String, OnnxModel.Output> run(String head, List<WindowTensors> batch, boolean[] use, float[] question,
                                             List<StreamSync.Estimate> streamOffsets) throws InferenceException {
        Set<String> hidden = new HashSet<>();
        String[] modalities = {"video", "audio", "sensor"};
        for (int m = 0; m < modalities.length; m++) {
            if (!use[m]) {
                hidden.add(modalities[m]);
            }
        }
        return heads.get(head).run(WindowInputs.of(card(head), producers, batch, hidden, question, streamOffsets));
    }

    @Override
    public void close() {
        opened.forEach(OnnxModel::close);
    }
}
