package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.Input;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.WindowHeads;
import io.mmstream.media.ImageNormaliser;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed models applied to dataset windows the way the job applies them: encoders per frame and per
 * audio patch, then the per-window heads on the embeddings.
 */
public final class WindowModels implements AutoCloseable {

    public static final List<String> FUSIONS = List.of("fusion_early", "fusion_weighted", "fusion_late", "fusion_attention");
    static final int STEPS = 30;
    static final int EMBED = 64;
    static final int IMU_STEPS = 200;

    private final Map<String, OnnxModel> models = new LinkedHashMap<>();
    private final ImageNormaliser normaliser = ImageNormaliser.imagenet();

    public WindowModels(Path directory, InferenceOptions options) {
        for (String name : List.of("frame_encoder", "audio_encoder", "action_recognition", "av_sync", FUSIONS.get(0), FUSIONS.get(1),
                FUSIONS.get(2), FUSIONS.get(3))) {
            models.put(name, OnnxModel.open(ModelCard.load(directory.resolve(name + ".json")), options));
        }
    }

    public ModelCard card(String name) {
        return models.get(name).card();
    }

    public WindowTensors embed(DatasetWriter.Window window, int imageSize) throws InferenceException {
        int pixels = imageSize * imageSize * 3;
        float[] frames = new float[STEPS * pixels];
        byte[] rgb = new byte[pixels];
        for (int t = 0; t < STEPS; t++) {
            System.arraycopy(window.frames(), t * pixels, rgb, 0, pixels);
            normaliser.toChw(rgb, imageSize, imageSize, frames, t * pixels);
        }
        float[] video = models.get("frame_encoder").run(Map.of("frames", Input.of(frames, STEPS, 3, imageSize, imageSize))).get("embedding").data();
        float[] audio = models.get("audio_encoder").run(Map.of("patches", Input.of(window.logMel(), STEPS, 1, 8, 64))).get("embedding").data();
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
        return models.get("action_recognition").run(Map.of(
                "video", Input.of(WindowHeads.concat(batch, WindowTensors::video), batch.size(), STEPS, EMBED),
                "video_mask", Input.of(WindowHeads.concat(batch, WindowTensors::videoMask), batch.size(), STEPS))).get("logits").data();
    }

    /** @param use which of video, audio and IMU the model may see; the others are masked out as if absent */
    public float[] fusionLogits(String variant, List<WindowTensors> batch, boolean[] use) throws InferenceException {
        int b = batch.size();
        Map<String, Input> inputs = new LinkedHashMap<>();
        inputs.put("video", Input.of(WindowHeads.concat(batch, WindowTensors::video), b, STEPS, EMBED));
        inputs.put("video_mask", Input.of(masked(WindowHeads.concat(batch, WindowTensors::videoMask), use[0]), b, STEPS));
        inputs.put("audio", Input.of(WindowHeads.concat(batch, WindowTensors::audio), b, STEPS, EMBED));
        inputs.put("audio_mask", Input.of(masked(WindowHeads.concat(batch, WindowTensors::audioMask), use[1]), b, STEPS));
        inputs.put("imu", Input.of(WindowHeads.concat(batch, WindowTensors::imu), b, IMU_STEPS, 6));
        inputs.put("imu_mask", Input.of(masked(WindowHeads.concat(batch, WindowTensors::imuMask), use[2]), b, IMU_STEPS));
        return models.get(variant).run(inputs).get("logits").data();
    }

    /** @return per window: offset logits (11 values), then the in-sync probability */
    public Map<String, io.mmstream.inference.OnnxModel.Output> sync(List<WindowTensors> batch) throws InferenceException {
        int b = batch.size();
        return models.get("av_sync").run(Map.of(
                "video", Input.of(WindowHeads.concat(batch, WindowTensors::video), b, STEPS, EMBED),
                "video_mask", Input.of(WindowHeads.concat(batch, WindowTensors::videoMask), b, STEPS),
                "audio", Input.of(WindowHeads.concat(batch, WindowTensors::audio), b, STEPS, EMBED),
                "audio_mask", Input.of(WindowHeads.concat(batch, WindowTensors::audioMask), b, STEPS)));
    }

    private static float[] masked(float[] mask, boolean keep) {
        return keep ? mask : new float[mask.length];
    }

    @Override
    public void close() {
        models.values().forEach(OnnxModel::close);
    }
}
