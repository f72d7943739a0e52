package io.mmstream.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.codec.WireCodec;
import io.mmstream.media.ImageCodec;
import io.mmstream.schema.VideoFrame;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SceneTruth;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import io.mmstream.align.Modality;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetWriterTest {

    private static final long EPOCH = 1_700_000_000_000_000L;

    /** The .npy header's shape and the little-endian data after it. */
    private record Npy(String header, ByteBuffer data) {}

    private static Npy read(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes[0] & 0xFF).isEqualTo(0x93);
        assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        int headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        assertThat((10 + headerLength) % 64).as("header padded to 64 bytes").isZero();
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        return new Npy(header, ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void windowsCarryTheJobsPreprocessingAndTheTruth(@TempDir Path dir) throws Exception {
        SimulationSettings settings = SimulationSettings.defaults(2).withSeed(9).withDelivery(SimulationSettings.Delivery.perfect());
        var params = new DatasetWriter.Params(settings, 8, 2_000_000, 1_000_000, 32);
        AtomicInteger progress = new AtomicInteger();

        DatasetWriter.Summary summary = new DatasetWriter().write(dir, params, progress::set);

        assertThat(summary.windows()).isEqualTo(2 * 7);
        assertThat(progress.get()).isEqualTo(14);
        assertThat(read(dir.resolve("frames.npy")).header()).contains("'descr': '|u1'", "'shape': (14, 30, 32, 32, 3)");
        assertThat(read(dir.resolve("logmel.npy")).header()).contains("'descr': '<f4'", "'shape': (14, 30, 8, 64)");
        assertThat(read(dir.resolve("imu.npy")).header()).contains("'shape': (14, 200, 6)");
        assertThat(read(dir.resolve("label.npy")).header()).contains("'descr': '<i8'", "'shape': (14,)");
        Npy pose = read(dir.resolve("pose.npy"));
        assertThat(pose.header()).contains("'descr': '<f4'", "'shape': (14, 30, 12)");
        float[] firstPose = new float[12];
        pose.data().asFloatBuffer().get(firstPose);
        assertThat(firstPose).as("the true pose at the first window's first instant").containsExactly(
                new SceneSimulator(settings, EPOCH).scene(0).poseAt(EPOCH).values());
        assertThat(Files.readString(dir.resolve("index.json"))).contains("\"windows\": 14", "\"sit_down\"", "\"hop_length\": 160");

        // labels: the action covering most of each window, from the simulator's own truth
        SceneSimulator simulator = new SceneSimulator(settings, EPOCH);
        ByteBuffer labels = read(dir.resolve("label.npy")).data();
        ByteBuffer starts = read(dir.resolve("window_start_us.npy")).data();
        for (int w = 0; w < 14; w++) {
            StreamScene scene = simulator.scene(w / 7);
            long start = starts.getLong(8 * w);
            assertThat(start).isEqualTo(EPOCH + (w % 7) * 1_000_000L);
            assertThat(Action.values()[(int) labels.getLong(8 * w)]).isEqualTo(DatasetWriter.majorityAction(scene.labels(start, start + 2_000_000)));
        }
        // each window's captions and answers, a JSON line each, as the simulator publishes them on mm.truth
        List<String> truthLines = Files.readAllLines(dir.resolve("truth.jsonl"));
        assertThat(truthLines).hasSize(14);
        var lastTruth = new com.fasterxml.jackson.databind.ObjectMapper().readTree(truthLines.get(13));
        var published = SceneTruth.of(simulator.scene(1), EPOCH + 6_000_000, EPOCH + 8_000_000, settings.framePeriodMicros()).toRecord(9);
        assertThat(lastTruth.get("captions").get(4).asText()).isEqualTo(published.getCaptions().get(4));
        assertThat(lastTruth.get("answers").get("shirt").asText()).isEqualTo(published.getShirtColour());

        // the first frame of the first window is the wire JPEG decoded and resized by the job's codec
        SimRecord first = simulator.scene(0).records(EPOCH, EPOCH + 1).stream().filter(r -> r.modality() == Modality.VIDEO).findFirst().orElseThrow();
        VideoFrame frame = WireCodec.decode(VideoFrame.class, first.value());
        byte[] jpeg = new byte[frame.getData().remaining()];
        frame.getData().get(jpeg);
        byte[] expected = ImageCodec.standard().decodeResized(jpeg, frame.getEncoding(), 112, 112, 32, 32);
        byte[] written = new byte[32 * 32 * 3];
        read(dir.resolve("frames.npy")).data().get(written);
        assertThat(Arrays.equals(written, expected)).isTrue();
        assertThat(read(dir.resolve("frame_mask.npy")).data().get(0)).isEqualTo((byte) 1);
    }

    /** The training windows show the frames the job's windows show: one alignment rule, on skewed, jittered, dropping devices. */
    @Test
    void framesLieOnTheGridByTheJobsAlignmentRule() throws Exception {
        SimulationSettings settings = SimulationSettings.defaults(3).withSeed(21);
        var params = new DatasetWriter.Params(settings, 12, 2_000_000, 1_000_000, 16);
        SceneSimulator simulator = new SceneSimulator(settings, EPOCH);
        int absentSteps = 0;
        for (int stream = 0; stream < 3; stream++) {
            StreamScene scene = simulator.scene(stream);
            java.util.List<io.mmstream.align.ModalEvent> frames = scene.records(EPOCH, EPOCH + 12_000_000).stream()
                    .filter(r -> r.modality() == Modality.VIDEO)
                    .map(r -> io.mmstream.align.ModalEvent.of("s", Modality.VIDEO, r.captureMicros(), 0, new float[0], "mm.video", 0, 0)).toList();
            for (DatasetWriter.Window window : new DatasetWriter().windowsOf(scene, stream, EPOCH, params)) {
                long start = window.startMicros();
                var inWindow = frames.stream().filter(f -> f.captureMicros() >= start && f.captureMicros() < start + 2_000_000).toList();
                boolean[] present = new io.mmstream.align.WindowAligner(settings.framePeriodMicros())
                        .align("s", start, start + 2_000_000, inWindow).track(Modality.VIDEO).present();
                byte[] expected = new byte[present.length];
                for (int step = 0; step < present.length; step++) {
                    expected[step] = (byte) (present[step] ? 1 : 0);
                    absentSteps += present[step] ? 0 : 1;
                }
                assertThat(window.frameMask()).as("stream %d, window at %d", stream, start).containsExactly(expected);
            }
        }
        assertThat(absentSteps).as("the devices drop frames and drift off the grid").isPositive();
    }

    /** The separation reference is the actor's part of the very samples the window holds: the mixture projects onto it with scale 1. */
    @Test
    void theActorAudioIsTheActorsShareOfTheWindowsAudio() throws Exception {
        SimulationSettings settings = SimulationSettings.defaults(2).withSeed(23);
        var params = new DatasetWriter.Params(settings, 20, 2_000_000, 1_000_000, 16);
        SceneSimulator simulator = new SceneSimulator(settings, EPOCH);
        int audible = 0;
        for (int stream = 0; stream < 2; stream++) {
            for (DatasetWriter.Window window : new DatasetWriter().windowsOf(simulator.scene(stream), stream, EPOCH, params)) {
                assertThat(window.audio()).hasSize(32_000);
                double dot = 0;
                double energy = 0;
                for (int i = 0; i < window.audio().length; i++) {
                    dot += window.audio()[i] * (double) window.actorAudio()[i];
                    energy += window.actorAudio()[i] * (double) window.actorAudio()[i];
                }
                if (energy > 1) {
                    audible++;
                    // the room's noise and voices are independent of the actor: what remains of the projection is theirs
                    assertThat(dot / energy).as("stream %d, window at %d", stream, window.startMicros()).isCloseTo(1.0, within(0.15));
                }
            }
        }
        assertThat(audible).as("windows where the actor is heard").isGreaterThan(10);

        // the truth topic carries the same audio of each window's last second, and the actor's over it, as 16-bit PCM
        SceneSimulator one = new SceneSimulator(settings, EPOCH);
        java.util.Map<Long, io.mmstream.schema.WindowTruth> truths = new java.util.HashMap<>();
        one.completedWindows(EPOCH, EPOCH + 20_000_000, 2_000_000, 1_000_000).stream().filter(t -> t.getStreamId().equals(SceneSimulator.streamId(0)))
                .forEach(t -> truths.put(io.mmstream.codec.Times.micros(t.getStart()), t));
        int compared = 0;
        for (DatasetWriter.Window window : new DatasetWriter().windowsOf(one.scene(0), 0, EPOCH, params)) {
            io.mmstream.schema.WindowTruth truth = truths.get(window.startMicros());
            float[] heard = java.util.Arrays.copyOfRange(window.audio(), 16_000, 32_000);
            if (truth == null || truth.getHeardAudio() == null) {
                continue;
            }
            float[] truthHeard = io.mmstream.media.Pcm.toMono(truth.getHeardAudio(), io.mmstream.schema.SampleFormat.PCM_S16LE, 1);
            float[] truthActor = io.mmstream.media.Pcm.toMono(truth.getActorAudio(), io.mmstream.schema.SampleFormat.PCM_S16LE, 1);
            // within a few steps of 16-bit PCM (the truth's samples are encoded once more, and clipped as PCM clips)
            for (int i = 0; i < truthActor.length; i++) {
                assertThat(truthHeard[i]).as("heard audio of the window at %d", window.startMicros()).isCloseTo(heard[i], within(1e-4f));
                assertThat(truthActor[i]).as("actor audio of the window at %d", window.startMicros()).isCloseTo(Math.max(-1f, Math.min(1f, window.actorAudio()[16_000 + i])), within(1e-4f));
            }
            compared++;
        }
        assertThat(compared).isGreaterThan(15);
    }
}
