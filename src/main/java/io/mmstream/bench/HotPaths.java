package io.mmstream.bench;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.align.WindowAligner;
import io.mmstream.align.WindowTensors;
import io.mmstream.inference.AudioSeparation;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.Input;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.WindowHeads;
import io.mmstream.inference.WindowInputs;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.ImageCodec;
import io.mmstream.media.JpegEncoder;
import io.mmstream.media.LogMel;
import io.mmstream.media.SensorResampler;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-element hot paths of the job, each on one thread and one ONNX Runtime intra-op thread, on simulator data
 * and the committed models: what {@code bench pipeline} calls the limit, taken apart.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class HotPaths {

    private static final long EPOCH = 1_700_000_000_000_000L;
    private static final int BATCH = 32;
    private static final int WINDOWS = 64;

    private final ImageCodec codec = ImageCodec.standard();
    private List<byte[]> jpegs;
    private AudioPatches patches;
    private List<AudioPatches.Chunk> chunks;
    private List<ModalEvent> windowEvents;
    private WindowAligner aligner;
    private SensorResampler imu;
    private List<WindowTensors> windows;
    private ModelSettings.Leased<WindowHeads> heads;
    private OnnxModel frameEncoder;
    private Map<String, Input> frameBatch;
    private ModelSettings.Leased<AudioSeparation> separation;
    /** A window's audio (2 s) that follows a stream's previous window by the slide (1 s), and that window's overlap. */
    private float[] followingAudio;
    private AudioSeparation.Overlap previousOverlap;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        StreamScene scene = new SceneSimulator(SimulationSettings.defaults(1), EPOCH).scene(0);
        jpegs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            jpegs.add(JpegEncoder.encode(scene.frameImage(EPOCH + i * 66_667L), 85));
        }
        patches = new AudioPatches(LogMel.Params.standard(), 8);
        chunks = BenchInputs.audioChunks(scene.records(EPOCH, EPOCH + 2_000_000), scene.streamId(), 20);

        // one 2 s window as the window operator holds it: 30 frame and 30 audio-patch embeddings, 200 IMU readings
        Random random = new Random(1);
        windowEvents = new ArrayList<>();
        for (int step = 0; step < 30; step++) {
            long t = EPOCH + step * 66_667L;
            windowEvents.add(ModalEvent.of("cam", Modality.VIDEO, t, step, BenchInputs.gaussian(random, 64), "video", 0, step));
            windowEvents.add(ModalEvent.of("cam", Modality.AUDIO, t, step, BenchInputs.gaussian(random, 64), "audio", 0, step));
        }
        for (int i = 0; i < 200; i++) {
            windowEvents.add(ModalEvent.of("cam", Modality.SENSOR, EPOCH + i * 10_000L, -1, BenchInputs.gaussian(random, 6), "sensor", 0, i));
        }
        aligner = new WindowAligner(66_667);
        imu = new SensorResampler(new float[6], BenchInputs.ones(6), 20_000);

        ModelSettings models = ModelSettings.of("classpath:onnx-models", java.util.List.of(), InferenceOptions.cpu(1), 0.5);
        windows = BenchInputs.of(WINDOWS, random, models);
        heads = models.heads();
        frameEncoder = OnnxModel.open(models.encoders(io.mmstream.inference.ModelCard.Stage.FRAME).get(0), InferenceOptions.cpu(1));
        frameBatch = Map.of(frameEncoder.card().inputs().get(0).name(), Input.of(BenchInputs.gaussian(random, BATCH * 3 * 64 * 64), BATCH, 3, 64, 64));
        separation = models.separation();
        int samples = separation.value().input().samples();
        float[] stream = BenchInputs.gaussian(random, samples + samples / 2);
        followingAudio = Arrays.copyOfRange(stream, samples / 2, samples / 2 + samples);
        previousOverlap = separation.value().separate(windows.get(0), Arrays.copyOf(stream, samples), 0, samples / 2, samples / 2, null).overlap();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heads.close();
        frameEncoder.close();
        separation.close();
    }

    /** One 112x112 JPEG frame decoded and resized to the encoder's 64x64 (OpenCV). */
    @Benchmark
    public byte[] jpegDecodeResize() {
        return codec.decodeResized(jpegs.get(next++ % jpegs.size()), ImageEncoding.JPEG, 112, 112, 64, 64);
    }

    /** One audio patch: 8 log-mel frames gathered from the chunks around an instant. */
    @Benchmark
    public float[] logMelPatch() {
        long instant = EPOCH + 100_000 + (next++ % 30) * 50_000L;
        return patches.patch(instant, chunks).logMel();
    }

    /** One window's events aligned on the grid and turned into the heads' tensors (the window operator's work). */
    @Benchmark
    public WindowTensors windowAssembly() {
        AlignedWindow aligned = aligner.align("cam", EPOCH, EPOCH + 2_000_000, windowEvents);
        return WindowTensors.of(aligned, 64, 64, imu, 10_000, 200);
    }

    /** A batch of 64 windows' tensors stacked into the heads' inputs. */
    @Benchmark
    public float[][] headBatchAssembly() {
        return new float[][] {WindowInputs.concat(windows, WindowTensors::video), WindowInputs.concat(windows, WindowTensors::videoMask),
                WindowInputs.concat(windows, WindowTensors::audio), WindowInputs.concat(windows, WindowTensors::audioMask),
                WindowInputs.concat(windows, WindowTensors::imu), WindowInputs.concat(windows, WindowTensors::imuMask)};
    }

    /** The ONNX call of the frame encoder on a batch of 32 preprocessed frames. */
    @Benchmark
    public Object frameEncoderBatch32() throws Exception {
        return frameEncoder.run(frameBatch);
    }

    /** The ONNX calls of the heads (action, early fusion, AV sync) on a batch of 64 windows. */
    @Benchmark
    public Object headsBatch64() {
        return heads.value().run(windows);
    }

    /**
     * One window's separation as the job runs it: the STFT of the frames the stream's previous window did not have,
     * the mask model, the inverse of the last slide.
     */
    @Benchmark
    public float[] separationFollowingWindow() throws Exception {
        int slide = followingAudio.length / 2;
        return separation.value().separate(windows.get(0), followingAudio, slide, slide, slide, previousOverlap).samples();
    }

    /** The same window separated on its own: every STFT frame transformed (the naive baseline, the offline evaluation). */
    @Benchmark
    public float[] separationWholeWindow() throws Exception {
        return separation.value().separate(windows.subList(0, 1), List.of(followingAudio), followingAudio.length / 2).get(0);
    }
}
