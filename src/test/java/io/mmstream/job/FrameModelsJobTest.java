package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.cli.EmbeddedKafka;
import io.mmstream.cli.Main;
import io.mmstream.config.JobConfig;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A third-party model named in the pipeline file runs in the job from its card alone: BlazeFace, on two real photos
 * (python3-skimage's astronaut portrait and its cup of coffee) made into clips by ffmpeg and published by
 * `produce` as two camera streams; every window of the portrait's stream says one face, every window of the
 * coffee's none. CI installs the tools (.ci/run) and sets MMSTREAM_REQUIRE_MEDIA_TOOLS, so there it cannot skip.
 */
class FrameModelsJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    private static final Path PHOTOS = Path.of("/usr/lib/python3/dist-packages/skimage/data");

    @Test
    void blazeFaceCountsTheFacesOfEveryWindow(@TempDir Path dir) throws Exception {
        boolean available = Files.isExecutable(FFMPEG) && Files.isDirectory(PHOTOS);
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("the frame-models test must run here, but ffmpeg or python3-skimage is missing");
        }
        Assumptions.assumeTrue(available, "apt-get install ffmpeg python3-skimage (.ci/run does)");
        Map<String, String> photos = Map.of("astronaut", "astronaut.png", "coffee", "coffee.png");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JobConfig config = JobConfig.defaults(Map.ofEntries(
                    Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "faces"),
                    Map.entry("topics.video", "faces.video"), Map.entry("topics.audio", "faces.audio"), Map.entry("topics.sensor", "faces.sensor"),
                    Map.entry("topics.predictions", "faces.predictions"), Map.entry("topics.late", "faces.late"),
                    Map.entry("topics.deadletter", "faces.deadletter"), Map.entry("source.starting-offsets", "earliest"),
                    Map.entry("source.bounded", "true"), Map.entry("delivery.guarantee", "at-least-once"),
                    Map.entry("models.run", "blazeface_front"), Map.entry("parallelism", "2")));
            kafka.createTopics(config, 2);
            for (Map.Entry<String, String> photo : photos.entrySet()) {
                Path clip = dir.resolve(photo.getKey() + ".mp4");
                ffmpeg("-loop", "1", "-framerate", "15", "-i", PHOTOS.resolve(photo.getValue()).toString(), "-t", "4",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-vf", "scale=320:-2", clip.toString());
                assertThat(produce(kafka, photo.getKey(), clip)).isEmpty();
            }

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(MiniClusters.NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            env.execute("mmstream-frame-models");

            Map<String, List<TaskResult>> faces = new HashMap<>();
            for (Prediction prediction : KafkaTestClient.predictions(client.readCommitted("faces.predictions"))) {
                TaskResult result = prediction.getResults().stream().filter(r -> r.getTask().equals("faces")).findFirst().orElseThrow();
                faces.computeIfAbsent(prediction.getStreamId(), k -> new ArrayList<>()).add(result);
            }
            assertThat(faces.keySet()).containsExactlyInAnyOrder("astronaut", "coffee");
            // 4 s of frames lie in 5 sliding windows of 2 s every 1 s, or 6 where they do not start on a whole second
            assertThat(faces.get("astronaut")).hasSizeBetween(5, 6).allSatisfy(result -> {
                assertThat(result.getModelName()).isEqualTo("blazeface_front");
                assertThat(result.getValues()).as("[faces, best score] of a window of the portrait").hasSize(2).first().isEqualTo(1f);
                assertThat(result.getValues().get(1)).isGreaterThan(0.75f);
            });
            assertThat(faces.get("coffee")).hasSizeBetween(5, 6).allSatisfy(result ->
                    assertThat(result.getValues()).as("[faces, best score] of a window of the coffee cup").containsExactly(0f, 0f));
            assertThat(client.readCommitted("faces.deadletter")).isEmpty();
        }
    }

    private static void ffmpeg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(FFMPEG.toString(), "-y", "-loglevel", "error"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
    }

    /** Runs produce as fast as it can; returns what it printed on stderr (nothing, when all went well). */
    private static String produce(EmbeddedKafka kafka, String stream, Path clip) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute("produce", "--bootstrap", kafka.bootstrapServers(), "--stream-id", stream, "--topic-prefix", "faces.",
                "--video", clip.toString(), "--fast");
        return exitCode == 0 ? err.toString().lines().filter(line -> !line.contains("has no audio stream")).reduce("", String::concat)
                : "exit " + exitCode + ": " + err;
    }
}
