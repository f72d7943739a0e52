package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.MediaTools;
import io.mmstream.media.JpegEncoder;
import io.mmstream.media.SampleSteps;
import io.mmstream.schema.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The third-party pretrained models, run from their cards alone, on media no one here made: speech spoken by
 * Debian's espeak-ng, pink noise made by ffmpeg, and photos shipped with Debian's python3-skimage. CI installs those
 * (.ci/run) and sets MMSTREAM_REQUIRE_MEDIA_TOOLS, so there the test cannot skip.
 */
class PretrainedModelsTest {

    private static final Path MODELS = Path.of("onnx-models");
    private static final Path ESPEAK = Path.of("/usr/bin/espeak-ng");
    private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    private static final Path PHOTOS = Path.of("/usr/lib/python3/dist-packages/skimage/data");

    @BeforeAll
    static void tools() {
        boolean available = Files.isExecutable(ESPEAK) && Files.isExecutable(FFMPEG) && Files.isDirectory(PHOTOS);
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("the pretrained-model test must run here, but espeak-ng, ffmpeg or python3-skimage is missing");
        }
        Assumptions.assumeTrue(available, "apt-get install espeak-ng ffmpeg python3-skimage (.ci/run does)");
    }

    @Test
    void sileroVadHearsSpeechAndNotSilenceOrPinkNoise(@TempDir Path dir) throws Exception {
        Path speech = dir.resolve("speech.wav");
        MediaTools.run(ESPEAK.toString(), "-w", speech.toString(), "-s", "150",
                "The quick brown fox jumps over the lazy dog while the band plays on in the evening light.");
        Path noise = dir.resolve("pink.wav");
        MediaTools.run(FFMPEG.toString(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:duration=4:seed=7",
                noise.toString());
        try (OnnxModel onnx = OnnxModel.open(ModelCard.load(MODELS.resolve("silero_vad.json")), InferenceOptions.cpu(1))) {
            ElementModel vad = new ElementModel(onnx);
            List<float[]> spoken = speechProbabilities(vad, MediaTools.pcm16k(speech));
            // the first and last half second are espeak's lead-in and fade: the middle is full of speech
            float speechMean = mean(spoken.subList(16, spoken.size() - 16));
            float silenceMean = mean(speechProbabilities(vad, new float[4 * 16_000]));
            List<float[]> noisy = speechProbabilities(vad, MediaTools.pcm16k(noise));
            float noiseMean = mean(noisy);
            assertThat(speechMean).as("mean speech probability in speech").isGreaterThan(0.8f);
            assertThat(silenceMean).as("in silence").isLessThan(0.2f);
            assertThat(noiseMean).as("in pink noise").isLessThan(0.2f);

            // two streams in one batch, each with its own state, give step for step what each gives alone
            List<List<float[]>> batched = speechProbabilitiesBatched(vad, MediaTools.pcm16k(speech), MediaTools.pcm16k(noise));
            for (int step = 0; step < batched.get(0).size(); step++) {
                assertThat(batched.get(0).get(step)[0]).as("speech step %d", step).isCloseTo(spoken.get(step)[0], within(1e-4f));
                assertThat(batched.get(1).get(step)[0]).as("noise step %d", step).isCloseTo(noisy.get(step)[0], within(1e-4f));
            }
        }
    }

    @Test
    void blazeFaceFindsTheOneFaceInAPortraitAndNoneInAPhotoWithout() throws Exception {
        try (OnnxModel onnx = OnnxModel.open(ModelCard.load(MODELS.resolve("blazeface_front.json")), InferenceOptions.cpu(1))) {
            ElementModel faces = new ElementModel(onnx);
            float[] portrait = faces(faces, PHOTOS.resolve("astronaut.png"));
            float[] coffee = faces(faces, PHOTOS.resolve("coffee.png"));
            assertThat(portrait[0]).as("faces in astronaut.png").isEqualTo(1);
            assertThat(portrait[1]).as("its score").isGreaterThan(0.75f);
            assertThat(coffee[0]).as("faces in coffee.png").isZero();
        }
    }

    private static float[] faces(ElementModel model, Path photo) throws IOException {
        BufferedImage image = ImageIO.read(photo.toFile());
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        byte[] jpeg = JpegEncoder.encode(rgb, 90);
        float[] pixels = model.pixels(jpeg, ImageEncoding.JPEG, image.getWidth(), image.getHeight());
        ElementModel.Outcome outcome = model.run(List.of(new ElementModel.Call(pixels, Map.of()))).get(0);
        assertThat(outcome.error()).isNull();
        return outcome.values();
    }

    /** One stream's speech probability per 32 ms step, its state carried from step to step. */
    private static List<float[]> speechProbabilities(ElementModel vad, float[] audio) {
        return speechProbabilitiesBatched(vad, audio).get(0);
    }

    /** Several streams stepped together, one batch per step, each stream's state its own. */
    private static List<List<float[]>> speechProbabilitiesBatched(ElementModel vad, float[]... streams) {
        Binding.Waveform wave = (Binding.Waveform) vad.mediaBinding();
        List<List<float[]>> steps = new ArrayList<>();
        for (float[] samples : streams) {
            steps.add(new SampleSteps(wave.length(), wave.hop()).push(samples));
        }
        int count = steps.stream().mapToInt(List::size).min().orElse(0);
        List<Map<String, float[]>> states = new ArrayList<>();
        List<List<float[]>> probabilities = new ArrayList<>();
        for (int s = 0; s < streams.length; s++) {
            states.add(Map.of());
            probabilities.add(new ArrayList<>());
        }
        for (int step = 0; step < count; step++) {
            List<ElementModel.Call> calls = new ArrayList<>();
            for (int s = 0; s < streams.length; s++) {
                calls.add(new ElementModel.Call(steps.get(s).get(step), states.get(s)));
            }
            List<ElementModel.Outcome> outcomes = vad.run(calls);
            for (int s = 0; s < streams.length; s++) {
                assertThat(outcomes.get(s).error()).isNull();
                states.set(s, new HashMap<>(outcomes.get(s).state()));
                probabilities.get(s).add(outcomes.get(s).values());
            }
        }
        return probabilities;
    }

    private static float mean(List<float[]> values) {
        return (float) values.stream().mapToDouble(v -> v[0]).average().orElseThrow();
    }


}
