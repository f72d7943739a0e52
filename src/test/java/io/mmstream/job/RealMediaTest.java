package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.MediaTools;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.VideoFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real encoded media, made here by the Debian `ffmpeg` command line (H.264/AAC mp4 with B-frames, VP9/Opus webm (320x180, to
 * leave the two cores to six real-time publishers and the job),
 * MJPEG avi at 60 fps, MPEG-TS at 24 fps with a non-zero start time, H.264 mkv at 29.97 fps, a 44.1 kHz stereo
 * WAV), each published by `produce` in real time as its own stream into the job on a real broker and a MiniCluster:
 * nothing is late, every frame is in a window, and video and audio cover at least 95% of the steps of every full
 * window. CI installs ffmpeg (.ci/run) and sets MMSTREAM_REQUIRE_FFMPEG, so there the test cannot skip.
 */
class RealMediaTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    private static final long SECOND = 1_000_000;
    private static EmbeddedKafka kafka;

    /** One clip: how ffmpeg makes it, and how produce publishes it. */
    private record Clip(String stream, String file, List<String> ffmpeg, List<String> produce, boolean video, boolean audio) {}

    private static List<Clip> clips() {
        List<String> tone = List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
        List<Clip> clips = new ArrayList<>();
        clips.add(new Clip("mp4-h264-aac-25fps", "a.mp4", concat(List.of("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"), tone,
                List.of("-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-ac", "2")), List.of(), true, true));
        clips.add(new Clip("webm-vp9-opus-30fps", "b.webm", concat(List.of("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30"), tone,
                List.of("-t", "5", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "400k", "-c:a", "libopus")),
                List.of(), true, true));
        clips.add(new Clip("avi-mjpeg-60fps", "c.avi", List.of("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=60", "-t", "5", "-c:v", "mjpeg",
                "-q:v", "5"), List.of(), true, false));
        clips.add(new Clip("ts-mpeg2-24fps", "d.ts", concat(List.of("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24"), tone,
                List.of("-t", "5", "-c:v", "mpeg2video", "-q:v", "5", "-c:a", "mp2")), List.of(), true, true));
        clips.add(new Clip("mkv-h264-29.97fps", "e.mkv", List.of("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30000/1001", "-t", "5",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"), List.of(), true, false));
        // published at the file's own 44.1 kHz, in stereo: the job mixes down and resamples
        clips.add(new Clip("wav-44k1-stereo", "f.wav", List.of("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100", "-f", "lavfi", "-i",
                "anoisesrc=color=pink:sample_rate=44100:amplitude=0.05", "-filter_complex", "[0][1]amerge=inputs=2", "-t", "5", "-c:a", "pcm_s16le"),
                List.of("--sample-rate", "44100", "--audio-channels", "2"), false, true));
        return clips;
    }

    @BeforeAll
    static void startKafka() throws Exception {
        boolean available = Files.isExecutable(FFMPEG);
        if (!available && System.getenv("MMSTREAM_REQUIRE_FFMPEG") != null) {
            throw new AssertionError("the real-media test must run here, but " + FFMPEG + " is missing");
        }
        Assumptions.assumeTrue(available, "no " + FFMPEG + ": apt-get install ffmpeg (.ci/run does)");
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void realClipsPublishedInRealTimeAreWindowedWithNothingLate(@TempDir Path dir) throws Exception {
        JobConfig config = JobConfig.defaults(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "media"),
                Map.entry("topics.video", "media.video"), Map.entry("topics.audio", "media.audio"), Map.entry("topics.sensor", "media.sensor"),
                Map.entry("topics.predictions", "media.predictions"), Map.entry("topics.late", "media.late"),
                Map.entry("topics.deadletter", "media.deadletter"), Map.entry("topics.separated", "media.separated"),
                Map.entry("source.starting-offsets", "earliest"),
                Map.entry("delivery.transactional-id-prefix", "media"),
                Map.entry("checkpoint.interval", "500ms"), Map.entry("parallelism", "2")));
        kafka.createTopics(config, 2);
        List<Clip> clips = clips();
        for (Clip clip : clips) {
            List<String> command = new ArrayList<>(List.of(FFMPEG.toString(), "-y", "-loglevel", "error"));
            command.addAll(clip.ffmpeg());
            command.add(dir.resolve(clip.file()).toString());
            MediaTools.run(command);
        }

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(MiniClusters.NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            JobClient job = env.executeAsync("mmstream-real-media");

            // every clip at once, in real time, each as its own stream
            ExecutorService producers = Executors.newFixedThreadPool(clips.size());
            List<Future<String>> runs = new ArrayList<>();
            for (Clip clip : clips) {
                runs.add(producers.submit(() -> produce(clip, dir)));
            }
            for (Future<String> run : runs) {
                assertThat(run.get(2, TimeUnit.MINUTES)).isEmpty();
            }
            producers.shutdown();

            Map<String, List<Long>> frames = captures(client.readCommitted("media.video"), true);
            Map<String, List<Long>> chunks = captures(client.readCommitted("media.audio"), false);
            for (Clip clip : clips) {
                assertThat(frames.containsKey(clip.stream())).as("video of %s", clip.stream()).isEqualTo(clip.video());
                assertThat(chunks.containsKey(clip.stream())).as("audio of %s", clip.stream()).isEqualTo(clip.audio());
            }
            // each stream's windows, up to the one holding its last record, closed once the inputs went quiet
            Map<String, Long> lastCapture = new HashMap<>();
            frames.forEach((stream, times) -> lastCapture.merge(stream, times.get(times.size() - 1), Math::max));
            chunks.forEach((stream, times) -> lastCapture.merge(stream, times.get(times.size() - 1), Math::max));
            List<ConsumerRecord<byte[], byte[]>> records = client.awaitCommitted("media.predictions", Duration.ofMinutes(3),
                    "the last window of every clip", r -> {
                        Map<String, Long> lastEnd = new HashMap<>();
                        KafkaTestClient.predictions(r).forEach(p -> lastEnd.merge(p.getStreamId(), Times.micros(p.getWindowEnd()), Math::max));
                        return lastCapture.entrySet().stream().allMatch(e -> lastEnd.getOrDefault(e.getKey(), 0L) > e.getValue());
                    });
            // each clip's audio separated: its last second of every window, at 16 kHz whatever the clip's rate (its 5 s or
            // more hold at least 4 whole seconds)
            List<String> heard = clips.stream().filter(Clip::audio).map(Clip::stream).toList();
            List<ConsumerRecord<byte[], byte[]>> separated = client.awaitCommitted("media.separated", Duration.ofMinutes(1),
                    "4 separated seconds of every clip with audio", r -> heard.stream().allMatch(stream -> separatedStarts(r, stream).size() >= 4));
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            job.cancel().get(60, TimeUnit.SECONDS);
            for (String stream : heard) {
                List<Long> starts = separatedStarts(separated, stream);
                for (int i = 1; i < starts.size(); i++) {
                    assertThat(starts.get(i) - starts.get(i - 1)).as("%s's separated seconds follow one another, each once", stream).isEqualTo(SECOND);
                }
            }
            assertThat(separated).allSatisfy(record -> {
                io.mmstream.schema.AudioChunk chunk = WireCodec.decode(io.mmstream.schema.AudioChunk.class, record.value());
                assertThat(chunk.getSampleRate()).isEqualTo(16_000);
                assertThat(chunk.getData().remaining()).as("a second of 16-bit mono").isEqualTo(32_000);
            });

            List<String> late = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : client.readCommitted("media.late")) {
                late.add(WireCodec.decode(io.mmstream.schema.LateEvent.class, record.value()).toString());
            }
            assertThat(late).as("late records").isEmpty();
            assertThat(client.readCommitted("media.deadletter")).as("dead letters").isEmpty();
            Map<String, List<Prediction>> byStream = new HashMap<>();
            KafkaTestClient.predictions(records).forEach(p -> byStream.computeIfAbsent(p.getStreamId(), k -> new ArrayList<>()).add(p));
            for (Clip clip : clips) {
                List<Prediction> windows = byStream.get(clip.stream());
                assertThat(windows).as("windows of %s", clip.stream()).isNotEmpty();
                if (clip.video()) {
                    List<Long> captures = frames.get(clip.stream());
                    // windows starting on even seconds tile the time line: each frame lies in exactly one of them
                    long inWindows = windows.stream().filter(p -> Math.floorMod(Times.micros(p.getWindowStart()), 2 * SECOND) == 0)
                            .mapToLong(p -> coverage(p, "video").getEvents()).sum();
                    assertThat(inWindows).as("frames of %s in windows", clip.stream()).isEqualTo(captures.size());
                    assertFullWindowsCovered(clip.stream(), "video", windows, captures.get(0), captures.get(captures.size() - 1));
                }
                if (clip.audio()) {
                    List<Long> captures = chunks.get(clip.stream());
                    assertFullWindowsCovered(clip.stream(), "audio", windows, captures.get(0), captures.get(captures.size() - 1));
                }
            }
        }
    }

    /** Where each of the stream's separated chunks starts, in order. */
    private static List<Long> separatedStarts(List<ConsumerRecord<byte[], byte[]>> records, String stream) {
        List<Long> starts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                io.mmstream.schema.AudioChunk chunk = WireCodec.decode(io.mmstream.schema.AudioChunk.class, record.value());
                if (chunk.getStreamId().equals(stream)) {
                    starts.add(Times.micros(chunk.getCaptureTime()));
                }
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        java.util.Collections.sort(starts);
        return starts;
    }

    /** Runs produce; returns what it printed on stderr (nothing, when all went well). */
    private static String produce(Clip clip, Path dir) {
        List<String> args = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers(), "--stream-id", clip.stream(),
                "--topic-prefix", "media.", clip.video() ? "--video" : "--audio", dir.resolve(clip.file()).toString()));
        args.addAll(clip.produce());
        return MediaTools.produce(args);
    }

    /** A window lying wholly within the media has at least 95% of its grid steps present. */
    private static void assertFullWindowsCovered(String stream, String modality, List<Prediction> windows, long first, long last) {
        List<Prediction> full = windows.stream()
                .filter(p -> Times.micros(p.getWindowStart()) >= first && Times.micros(p.getWindowEnd()) <= last).toList();
        assertThat(full).as("full windows of %s", stream).isNotEmpty();
        for (Prediction window : full) {
            ModalityCoverage coverage = coverage(window, modality);
            assertThat(coverage.getPresentSteps()).as("%s steps of %s at %s", modality, stream, window.getWindowStart())
                    .isGreaterThanOrEqualTo((int) Math.ceil(0.95 * coverage.getGridSteps()));
        }
    }

    private static ModalityCoverage coverage(Prediction prediction, String modality) {
        return prediction.getCoverage().stream().filter(c -> c.getModality().equals(modality)).findFirst().orElseThrow();
    }

    private static Map<String, List<Long>> captures(List<ConsumerRecord<byte[], byte[]>> records, boolean video) throws IOException {
        Map<String, List<Long>> byStream = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            long capture = video ? Times.micros(WireCodec.decode(VideoFrame.class, record.value()).getCaptureTime())
                    : Times.micros(WireCodec.decode(AudioChunk.class, record.value()).getCaptureTime());
            byStream.computeIfAbsent(new String(record.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(capture);
        }
        byStream.values().forEach(list -> list.sort(Long::compare));
        return byStream;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        for (List<String> part : parts) {
            out.addAll(part);
        }
        return out;
    }
}
