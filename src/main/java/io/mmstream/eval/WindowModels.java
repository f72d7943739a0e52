package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.Input;
import io.mmstream.config.JobOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.WindowInputs;
import io.mmstream.media.ImageNormaliser;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committed models applied to dataset windows the way the job applies them: encoders per frame and per
 * audio patch, then the per-window heads on the embeddings.
 */
public final class WindowModels implements AutoCloseable {


    private final Map<String, OnnxModel> models = new LinkedHashMap<>();
    private final ImageNormaliser normaliser;
    private final Map<String, ModelCard.Stage> producers;

    public WindowModels(Path directory, InferenceOptions options) {
        // the job's models, every fusion variant among them
        ModelSettings settings = new ModelSettings(directory.toString(), JobOptions.FUSION_VARIANTS, options, 0);
        for (String name : settings.names()) {
            models.put(name, OnnxModel.open(ModelCard.load(directory.resolve(name + ".json")), options));
        }
        producers = settings.producers();
        // the frames normalised as the frame encoder's card says, as the job's encoder stage does
        ModelCard frames = card(ModelSettings.FRAME_ENCODER);
        normaliser = new ImageNormaliser(frames.preprocessingFloats("mean"), frames.preprocessingFloats("std"));
    }

    public ModelCard card(String name) {
        return models.get(name).card();
    }

    public WindowTensors embed(DatasetWriter.Window window, int imageSize) throws InferenceException {
        int steps = window.frameMask().length;
        int pixels = imageSize * imageSize * 3;
        float[] frames = new float[steps * pixels];
        byte[] rgb = new byte[pixels];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(window.frames(), t * pixels, rgb, 0, pixels);
            normaliser.toChw(rgb, imageSize, imageSize, frames, t * pixels);
        }
        float[] video = models.get(ModelSettings.FRAME_ENCODER).run(Map.of("frames", Input.of(frames, steps, 3, imageSize, imageSize))).get("embedding").data();
        float[] audio = models.get(ModelSettings.AUDIO_ENCODER).run(Map.of("patches", Input.of(window.logMel(), steps, 1, 8, window.logMel().length / steps / 8))).get("embedding").data();
        return new WindowTensors(video, floats(window.frameMask()), audio, floats(window.audioMask()), window.imu(), floats(window.imuMask()));
    }

    private static float[] floats(byte[] mask) {
        float[] out = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            out[i] = mask[i];
        }
        return out;
    }

    public float[] actionLogits(List<WindowTensors> batch) throws InferenceException {
        return run(ModelSettings.ACTION, batch, Set.of()).get("logits").data();
    }

    /** @param use which of video, audio and IMU the model may see; the others are masked out as if absent */
    public float[] fusionLogits(String variant, List<WindowTensors> batch, boolean[] use) throws InferenceException {
        Set<String> hidden = new java.util.HashSet<>();
        String[] modalities = {"video", "audio", "sensor"};
        for (int m = 0; m < modalities.length; m++) {
            if (!use[m]) {
                hidden.add(modalities[m]);
            }
        }
        return run(variant, batch, hidden).get("logits").data();
    }

    /** @return per window: offset logits (11 values), then the in-sync probability */
    public Map<String, io.mmstream.inference.OnnxModel.Output> sync(List<WindowTensors> batch) throws InferenceException {
        return run(ModelSettings.SYNC, batch, Set.of());
    }

    /** A head on a batch, its inputs built from its card as the job builds them. */
    private Map<String, io.mmstream.inference.OnnxModel.Output> run(String head, List<WindowTensors> batch, Set<String> hidden)
            throws InferenceException {
        return models.get(head).run(WindowInputs.of(card(head), producers, batch, hidden));
    }

    @Override
    public void close() {
        models.values().forEach(OnnxModel::close);
    }
}
