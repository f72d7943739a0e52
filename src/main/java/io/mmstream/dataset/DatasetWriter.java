package io.mmstream.dataset;

import io.mmstream.align.WindowAligner;
import io.mmstream.codec.SensorSample;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.ImageCodec;
import io.mmstream.media.LogMel;
import io.mmstream.media.Pcm;
import io.mmstream.media.SensorResampler;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Label;
import io.mmstream.schema.VideoFrame;
import io.mmstream.sim.Action;
import io.mmstream.sim.Pose;
import io.mmstream.sim.SceneTruth;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * Writes labelled training windows of simulated streams as .npy arrays and an index.json, through the same
 * wire encoding and media code the job runs: frames are JPEG-encoded, sent through Avro, decoded and resized by
 * {@link ImageCodec#standard()}; audio goes through PCM and {@link LogMel}; the IMU through {@link SensorResampler}.
 */
public final class DatasetWriter {

    /** Mean and spread of the IMU axes (ax, ay, az in m/s^2, gx, gy, gz in rad/s) used to normalise them. */
    public static final float[] IMU_MEAN = {0, 0, 9.81f, 0, 0, 0};
    public static final float[] IMU_STD = {3, 3, 3, 1, 1, 1};
    public static final long IMU_STEP_MICROS = 10_000;
    public static final int PATCH_FRAMES = 8;

    /**
     * @param imageSize frames are resized to imageSize x imageSize
     * @param settings the simulation; its streams and seed decide the content
     */
    public record Params(SimulationSettings settings, long seconds, long windowMicros, long slideMicros, int imageSize) {
        int framesPerWindow() {
            return (int) Math.round((double) windowMicros * settings.fps() / 1e6);
        }

        public int windowsPerStream() {
            long span = seconds * 1_000_000;
            return span < windowMicros ? 0 : (int) ((span - windowMicros) / slideMicros) + 1;
        }

        int imuSteps() {
            return (int) (windowMicros / IMU_STEP_MICROS);
        }

        int windowSamples() {
            return (int) (windowMicros * settings.sampleRate() / 1_000_000);
        }
    }

    public record Summary(int windows, long frames, double seconds, Map<String, Integer> windowsPerAction) {}

    /**
     * Features of one window, in the layout of the arrays; action is the index of the majority Action.
     *
     * @param pose the simulator's true pose at each grid instant, {@link Pose#FIELDS} per step: what no model sees, for ceiling experiments
     * @param audio the window's audio as the job assembles it from the chunks, zero where none was heard
     * @param actorAudio the actor's own sounds over the same samples: the reference of separation
     */
    public record Window(byte[] frames, byte[] frameMask, float[] logMel, byte[] audioMask, float[] imu, byte[] imuMask,
                         int action, long avOffsetMicros, int stream, long startMicros, float[] pose, SceneTruth truth,
                         float[] audio, float[] actorAudio) {}

    /** The simulated streams of every dataset start here, so the same seed gives the same windows. */
    public static final long EPOCH_MICROS = 1_700_000_000_000_000L;

    private final LogMel logMel = new LogMel(LogMel.Params.standard());
    /** A patch of PATCH_FRAMES mel frames is centred on each frame instant. */
    private final AudioPatches patches = new AudioPatches(LogMel.Params.standard(), PATCH_FRAMES);
    private final ImageCodec images = ImageCodec.standard();

    public Summary write(Path dir, Params params, IntConsumer windowsDone) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Files.createDirectories(dir);
        SimulationSettings settings = params.settings();
        long epoch = EPOCH_MICROS;
        SceneSimulator simulator = new SceneSimulator(settings, epoch);
        int windows = settings.streams() * params.windowsPerStream();
        int t = params.framesPerWindow();
        int size = params.imageSize();
        int mel = logMel.params().melBins();
        Map<String, Integer> perAction = new java.util.TreeMap<>();
        long frames = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        try (NpyWriter frameOut = new NpyWriter(dir.resolve("frames.npy"), NpyWriter.Type.UINT8, windows, t, size, size, 3);
             NpyWriter frameMaskOut = new NpyWriter(dir.resolve("frame_mask.npy"), NpyWriter.Type.UINT8, windows, t);
             NpyWriter melOut = new NpyWriter(dir.resolve("logmel.npy"), NpyWriter.Type.FLOAT32, windows, t, PATCH_FRAMES, mel);
             NpyWriter audioMaskOut = new NpyWriter(dir.resolve("audio_mask.npy"), NpyWriter.Type.UINT8, windows, t);
             NpyWriter imuOut = new NpyWriter(dir.resolve("imu.npy"), NpyWriter.Type.FLOAT32, windows, params.imuSteps(), 6);
             NpyWriter imuMaskOut = new NpyWriter(dir.resolve("imu_mask.npy"), NpyWriter.Type.UINT8, windows, params.imuSteps());
             NpyWriter labelOut = new NpyWriter(dir.resolve("label.npy"), NpyWriter.Type.INT64, windows);
             NpyWriter offsetOut = new NpyWriter(dir.resolve("av_offset_us.npy"), NpyWriter.Type.INT64, windows);
             NpyWriter streamOut = new NpyWriter(dir.resolve("stream.npy"), NpyWriter.Type.INT32, windows);
             NpyWriter startOut = new NpyWriter(dir.resolve("window_start_us.npy"), NpyWriter.Type.INT64, windows);
             NpyWriter poseOut = new NpyWriter(dir.resolve("pose.npy"), NpyWriter.Type.FLOAT32, windows, t, Pose.FIELDS.size());
             NpyWriter audioOut = new NpyWriter(dir.resolve("audio.npy"), NpyWriter.Type.FLOAT32, windows, params.windowSamples());
             NpyWriter actorOut = new NpyWriter(dir.resolve("actor_audio.npy"), NpyWriter.Type.FLOAT32, windows, params.windowSamples());
             java.io.BufferedWriter truthOut = Files.newBufferedWriter(dir.resolve("truth.jsonl"), StandardCharsets.UTF_8)) {
            List<Future<List<Window>>> perStream = new ArrayList<>();
            for (int s = 0; s < settings.streams(); s++) {
                int stream = s;
                perStream.add(pool.submit(() -> windowsOf(simulator.scene(stream), stream, epoch, params)));
            }
            int done = 0;
            for (Future<List<Window>> future : perStream) {
                for (Window w : get(future)) {
                    frameOut.write(w.frames());
                    frameMaskOut.write(w.frameMask());
                    melOut.write(w.logMel());
                    audioMaskOut.write(w.audioMask());
                    imuOut.write(w.imu());
                    imuMaskOut.write(w.imuMask());
                    labelOut.write(w.action());
                    offsetOut.write(w.avOffsetMicros());
                    streamOut.write(w.stream());
                    startOut.write(w.startMicros());
                    poseOut.write(w.pose());
                    audioOut.write(w.audio());
                    actorOut.write(w.actorAudio());
                    truthOut.write(truthLine(w.truth(), settings.seed()));
                    perAction.merge(Action.values()[w.action()].wireName(), 1, Integer::sum);
                    for (byte present : w.frameMask()) {
                        frames += present;
                    }
                    windowsDone.accept(++done);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Files.writeString(dir.resolve("index.json"), index(params, windows), StandardCharsets.UTF_8);
        return new Summary(windows, frames, (System.nanoTime() - started) / 1e9, perAction);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** One window's captions, answers and the actor's sounds in it as a JSON line, in the windows' order. */
    private static String truthLine(SceneTruth truth, long seed) throws IOException {
        Map<String, String> answers = new java.util.LinkedHashMap<>();
        for (SceneTruth.Question question : SceneTruth.Question.values()) {
            answers.put(question.wireName(), truth.answer(question));
        }
        List<String> sounds = truth.sounds().stream().map(kind -> kind.name().toLowerCase(java.util.Locale.ROOT)).sorted().toList();
        return JSON.writeValueAsString(Map.of("captions", truth.captions(seed), "answers", answers, "sounds", sounds)) + "\n";
    }

    private static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException("dataset generation failed", e.getCause());
        }
    }

    /** Every window of one simulated stream, through the wire encoding and the job's media code. */
    public List<Window> windowsOf(StreamScene scene, int stream, long epoch, Params params) throws IOException {
        long end = epoch + params.seconds() * 1_000_000;
        long framePeriod = params.settings().framePeriodMicros();
        int t = params.framesPerWindow();
        int size = params.imageSize();
        int sampleRate = params.settings().sampleRate();

        List<Long> frameTimes = new ArrayList<>();
        List<byte[]> framePixels = new ArrayList<>();
        List<AudioPatches.Chunk> chunks = new ArrayList<>();
        // the actor's own sounds over the same chunks, placed where the job places each chunk (its capture time)
        List<AudioPatches.Chunk> actorChunks = new ArrayList<>();
        List<Long> imuTimes = new ArrayList<>();
        List<float[]> imuValues = new ArrayList<>();
        List<SimRecord> records = new ArrayList<>(scene.records(epoch, end));
        records.sort(java.util.Comparator.comparingLong(SimRecord::captureMicros));
        for (SimRecord record : records) {
            ByteBuffer data;
            switch (record.modality()) {
                case VIDEO -> {
                    VideoFrame frame = WireCodec.decode(VideoFrame.class, record.value());
                    data = frame.getData();
                    byte[] encoded = new byte[data.remaining()];
                    data.get(encoded);
                    frameTimes.add(Times.micros(frame.getCaptureTime()));
                    framePixels.add(images.decodeResized(encoded, frame.getEncoding(), frame.getWidth(), frame.getHeight(), size, size));
                }
                case AUDIO -> {
                    AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
                    float[] samples = Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
                    chunks.add(new AudioPatches.Chunk(Times.micros(chunk.getCaptureTime()), samples));
                    long heardMicros = scene.epochMicros() + chunk.getSeq() * params.settings().audioChunkMicros();
                    actorChunks.add(new AudioPatches.Chunk(Times.micros(chunk.getCaptureTime()), scene.actorAudioSamples(heardMicros, samples.length)));
                }
                case SENSOR -> {
                    for (SensorSample sample : SensorSample.of(record.value())) {
                        imuTimes.add(sample.captureMicros());
                        imuValues.add(sample.values());
                    }
                }
            }
        }
        long[] frameTimeArray = frameTimes.stream().mapToLong(Long::longValue).toArray();
        long[] imuTimeArray = imuTimes.stream().mapToLong(Long::longValue).toArray();
        float[][] imuValueArray = imuValues.toArray(float[][]::new);
        SensorResampler resampler = new SensorResampler(IMU_MEAN, IMU_STD, 2 * params.settings().imuPeriodMicros());

        List<Window> out = new ArrayList<>();
        for (int w = 0; w < params.windowsPerStream(); w++) {
            long start = epoch + w * params.slideMicros();
            byte[] pixels = new byte[t * size * size * 3];
            byte[] frameMask = new byte[t];
            // the window's frames on its grid by the job's own rule
            int from = firstAtOrAfter(frameTimeArray, start);
            int to = firstAtOrAfter(frameTimeArray, start + params.windowMicros());
            int[] shown = WindowAligner.nearestOnGrid(Arrays.copyOfRange(frameTimeArray, from, to), start, start + params.windowMicros(), framePeriod);
            for (int j = 0; j < t; j++) {
                if (shown[j] >= 0) {
                    System.arraycopy(framePixels.get(from + shown[j]), 0, pixels, j * size * size * 3, size * size * 3);
                    frameMask[j] = 1;
                }
            }
            long reach = patches.halfSpanMicros();
            List<AudioPatches.Chunk> nearby = chunks.stream()
                    .filter(c -> c.startMicros() < start + params.windowMicros() + reach
                            && c.startMicros() + c.samples().length * 1_000_000L / sampleRate > start - reach)
                    .toList();
            float[] logMels = new float[t * patches.values()];
            byte[] audioMask = new byte[t];
            for (int j = 0; j < t; j++) {
                AudioPatches.Patch patch = patches.patch(start + j * framePeriod, nearby);
                audioMask[j] = (byte) (patch.complete() ? 1 : 0);
                System.arraycopy(patch.logMel(), 0, logMels, j * patches.values(), patches.values());
            }
            boolean[] imuPresent = new boolean[params.imuSteps()];
            float[][] imuGrid = resampler.resample(imuTimeArray, imuValueArray, start, IMU_STEP_MICROS, params.imuSteps(), imuPresent);
            float[] imu = new float[params.imuSteps() * 6];
            byte[] imuMask = new byte[params.imuSteps()];
            for (int s = 0; s < imuGrid.length; s++) {
                System.arraycopy(imuGrid[s], 0, imu, s * 6, 6);
                imuMask[s] = (byte) (imuPresent[s] ? 1 : 0);
            }
            float[] pose = new float[t * Pose.FIELDS.size()];
            for (int j = 0; j < t; j++) {
                System.arraycopy(scene.poseAt(start + j * framePeriod).values(), 0, pose, j * Pose.FIELDS.size(), Pose.FIELDS.size());
            }
            long windowEnd = start + params.windowMicros();
            float[] audio = new float[params.windowSamples()];
            float[] actorAudio = new float[params.windowSamples()];
            AudioPatches.samples(sampleRate, patches.samplePosition(start), nearby, audio);
            AudioPatches.samples(sampleRate, patches.samplePosition(start), actorChunks, actorAudio);
            out.add(new Window(pixels, frameMask, logMels, audioMask, imu, imuMask, majorityAction(scene.labels(start, windowEnd)).ordinal(),
                    scene.observedAvOffsetMicros(start + params.windowMicros() / 2), stream, start, pose,
                    SceneTruth.of(scene, start, windowEnd, framePeriod), audio, actorAudio));
        }
        return out;
    }

    /** The action that covers most of the window. */
    public static Action majorityAction(List<Label> labels) {
        return SceneTruth.majorityAction(labels);
    }

    /** The index of the first time at or after the target in ascending times; their length where there is none. */
    private static int firstAtOrAfter(long[] sorted, long target) {
        int index = Arrays.binarySearch(sorted, target);
        if (index < 0) {
            return -index - 1;
        }
        while (index > 0 && sorted[index - 1] == target) {
            index--;
        }
        return index;
    }

    private String index(Params p, int windows) {
        LogMel.Params mel = logMel.params();
        SimulationSettings s = p.settings();
        String actions = Arrays.stream(Action.values()).map(a -> "\"" + a.wireName() + "\"").collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, """
                {
                  "format": "mmstream-dataset-1",
                  "windows": %d,
                  "classes": [%s],
                  "window_us": %d, "slide_us": %d,
                  "frames": {"file": "frames.npy", "mask": "frame_mask.npy", "shape": [%d, %d, %d, %d, 3], "dtype": "uint8",
                             "layout": "window, frame, height, width, RGB", "fps": %d, "frame_period_us": %d,
                             "preprocessing": "JPEG on the wire, decoded and bilinearly resized by the job's ImageCodec; normalise as (x / 255 - mean) / std",
                             "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
                  "logmel": {"file": "logmel.npy", "mask": "audio_mask.npy", "shape": [%d, %d, %d, %d], "dtype": "float32",
                             "layout": "window, frame step, mel frame, mel bin: %d mel frames centred on each video frame instant",
                             "sample_rate": %d, "fft_size": %d, "window_length": %d, "window": "hann (periodic)", "hop_length": %d,
                             "mel_bins": %d, "min_hz": %.1f, "max_hz": %.1f, "mel_scale": "htk", "log": "ln(power + 1e-6)"},
                  "imu": {"file": "imu.npy", "mask": "imu_mask.npy", "shape": [%d, %d, 6], "dtype": "float32", "step_us": %d,
                          "axes": ["ax", "ay", "az", "gx", "gy", "gz"], "mean": %s, "std": %s,
                          "preprocessing": "linear interpolation at each step centre, then (x - mean) / std; absent steps are 0"},
                  "label": {"file": "label.npy", "dtype": "int64", "meaning": "index into classes of the action covering most of the window"},
                  "av_offset_us": {"file": "av_offset_us.npy", "dtype": "int64", "meaning": "audio minus video timestamp offset of the window's sounds"},
                  "stream": {"file": "stream.npy", "dtype": "int32"},
                  "window_start_us": {"file": "window_start_us.npy", "dtype": "int64"},
                  "truth": {"file": "truth.jsonl", "meaning": "per window, a JSON line: five reference captions, the answers to the standing questions and the actor's sounds in the window (sim.SceneTruth)"},
                  "caption_embeddings": {"file": "caption_embeddings.npy", "dtype": "float32", "layout": "window, caption, width",
                                         "meaning": "each reference caption embedded by the text model of `dataset --text-model` (MiniLM by default)"},
                  "pose": {"file": "pose.npy", "shape": [%d, %d, %d], "dtype": "float32", "fields": [%s],
                           "meaning": "the simulator's true pose at each grid instant, never shown to a model: what video could at best carry"},
                  "audio": {"file": "audio.npy", "shape": [%d, %d], "dtype": "float32", "sample_rate": %d,
                            "meaning": "the window's audio as the job assembles it from the chunks (mono, by capture time; 0 where none was heard)"},
                  "actor_audio": {"file": "actor_audio.npy", "shape": [%d, %d], "dtype": "float32",
                                  "meaning": "the actor's own sounds alone over the same samples, without the room's noise and voices: the reference of separation"},
                  "simulation": {"seed": %d, "streams": %d, "seconds": %d, "fps": %d, "size": %d, "av_offset_us": %d, "av_spread_us": %d,
                                 "av_drift_us_per_s": %.3f, "noise_scale": %.2f, "delivery": "%s"}
                }
                """, windows, actions, p.windowMicros(), p.slideMicros(),
                windows, p.framesPerWindow(), p.imageSize(), p.imageSize(), s.fps(), s.framePeriodMicros(),
                windows, p.framesPerWindow(), PATCH_FRAMES, mel.melBins(), PATCH_FRAMES,
                mel.sampleRate(), mel.fftSize(), mel.windowLength(), mel.hopLength(), mel.melBins(), mel.minHz(), mel.maxHz(),
                windows, p.imuSteps(), IMU_STEP_MICROS, Arrays.toString(IMU_MEAN), Arrays.toString(IMU_STD),
                windows, p.framesPerWindow(), Pose.FIELDS.size(), Pose.FIELDS.stream().map(f -> "\"" + f + "\"").collect(java.util.stream.Collectors.joining(", ")),
                windows, p.windowSamples(), s.sampleRate(), windows, p.windowSamples(),
                s.seed(), s.streams(), p.seconds(), s.fps(), s.width(), s.avOffsetMicros(), s.avOffsetSpreadMicros(), s.avDriftMicrosPerSecond(),
                s.videoNoise() / SimulationSettings.defaults(1).videoNoise(), s.delivery().equals(SimulationSettings.Delivery.perfect()) ? "perfect" : "realistic");
    }
}
