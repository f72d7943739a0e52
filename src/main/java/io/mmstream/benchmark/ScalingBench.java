package io.mmstream.benchmark;

import io.mmstream.config.JobConfig;
import io.mmstream.inference.ModelSettings;
import io.mmstream.job.Pipeline;
import io.mmstream.align.WindowGeometry;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.sim.SimRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Cost as the work grows: throughput, heap and checkpointed state at more and more streams (preloaded, read as fast
 * as the job can), and state per stream as the window grows (streams in real time).
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Throughput, heap and state at 1, 4, 16, 64 and 256 streams; state per stream against window size.")
final class ScalingBench implements Callable<Integer> {

    @Option(names = "--streams", split = ",", defaultValue = "1,4,16,64,256", description = "Stream counts (default ${DEFAULT-VALUE}).")
    List<Integer> streamCounts;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of each stream, at least 256 stream seconds a run (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--windows", split = ",", defaultValue = "1,2,4,8", description = "Window sizes in seconds for the state run (default ${DEFAULT-VALUE}).")
    List<Integer> windowSeconds;

    /**
     * @param heapBytes heap of the whole process (Kafka broker included) after a full collection half-way through
     * @param stateBytes largest checkpointed state of the job during the run
     */
    record Scale(int streams, int seconds, double framesPerSecond, long heapBytes, long stateBytes) {
        static String header() {
            return String.format(Locale.ROOT, "%8s %8s %10s %14s %16s %12s %16s", "streams", "seconds", "frames/s", "streams@15fps",
                    "process heap MB", "state KB", "state KB/stream");
        }

        String row() {
            return String.format(Locale.ROOT, "%8d %8d %10.0f %14.1f %16.0f %12.1f %16.1f", streams, seconds, framesPerSecond,
                    framesPerSecond / BenchJobs.FPS, heapBytes / 1e6, stateBytes / 1e3, stateBytes / 1e3 / streams);
        }
    }

    /** Checkpointed bytes per stream in steady state, streams in real time. */
    record WindowState(int windowSeconds, int streams, long windowBytes, long audioBytes) {
        static String header() {
            return String.format(Locale.ROOT, "%8s %8s %22s %22s", "window", "streams", "window state KB/stream", "audio state KB/stream");
        }

        String row() {
            return String.format(Locale.ROOT, "%7ds %8d %22.1f %22.1f", windowSeconds, streams, windowBytes / 1e3 / streams, audioBytes / 1e3 / streams);
        }
    }

    @Override
    public Integer call() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            System.out.println(Scale.header());
            for (int streams : streamCounts) {
                System.out.println(scale(kafka, streams, Math.max(seconds, 256 / streams)).row());
            }
            System.out.println();
            System.out.println(WindowState.header());
            for (int window : windowSeconds) {
                System.out.println(windowState(kafka, window, 4).row());
            }
        }
        return 0;
    }

    /** The job on {@code streams} preloaded streams, read from the earliest offset until every window is predicted. */
    static Scale scale(EmbeddedKafka kafka, int streams, int seconds) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        JobConfig config = BenchJobs.preloadedConfig(kafka, "scale-" + streams, cores, Map.of("checkpoint.interval", "1s"));
        kafka.createTopics(config, cores);
        List<SimRecord> records = BenchJobs.simulate(streams, seconds);
        BenchJobs.preload(kafka, config, records);
        PipelineBench.Run run = PipelineBench.run(kafka, config, Pipeline::build, streams, seconds, BenchJobs.frames(records), true);
        return new Scale(streams, seconds, run.framesPerSecond(), run.heapBytes(), run.stateBytes());
    }

    /**
     * The checked sources, encoders and windows of {@code windowSeconds} (no heads: their models read 2 s windows only),
     * streams in real time; the window and audio state of the checkpoints taken once the windows are full.
     */
    static WindowState windowState(EmbeddedKafka kafka, int windowSeconds, int streams) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        String prefix = "state-" + windowSeconds;
        JobConfig modelWindow = BenchJobs.config(kafka, prefix, cores, Map.of());
        JobConfig config = BenchJobs.config(kafka, prefix, cores, Map.of("checkpoint.interval", "1s", "window.size", windowSeconds + "s"));
        kafka.createTopics(config, cores);
        int seconds = windowSeconds + 6;
        List<SimRecord> records = BenchJobs.simulate(streams, seconds);
        long windowBytes = 0;
        long audioBytes = 0;
        try (BenchJobs.RunningJob job = BenchJobs.RunningJob.start(config, (env, c) -> {
            ModelSettings models = Pipeline.modelSettings(c);
            WindowGeometry geometry = Pipeline.geometry(modelWindow, models).withWindow(windowSeconds * 1_000_000L);
            Pipeline.windows(Pipeline.encode(env, c, models, geometry).forWindows(), c, geometry).sinkTo(new DiscardingSink<>());
        })) {
            job.awaitRunning(Duration.ofSeconds(120));
            AtomicReference<Exception> failure = new AtomicReference<>();
            long shift = LatencyBench.shiftToNow();
            Thread publisher = LatencyBench.publisher(kafka, config, records, shift, failure);
            // full windows from window + 1 s of stream time on (the first second fills the first slide)
            long fullFromMillis = (BenchJobs.EPOCH + shift) / 1000 + (windowSeconds + 1) * 1000L;
            List<Long> windowSamples = new ArrayList<>();
            List<Long> audioSamples = new ArrayList<>();
            while (publisher.isAlive()) {
                Thread.sleep(500);
                if (System.currentTimeMillis() > fullFromMillis) {
                    for (Map.Entry<String, Long> vertex : job.latestCheckpointBytes().entrySet()) {
                        if (vertex.getKey().startsWith("Align windows")) {
                            windowSamples.add(vertex.getValue());
                        } else if (vertex.getKey().startsWith("Cut audio patches")) {
                            audioSamples.add(vertex.getValue());
                        }
                    }
                }
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            windowBytes = median(windowSamples);
            audioBytes = median(audioSamples);
        }
        return new WindowState(windowSeconds, streams, windowBytes, audioBytes);
    }

    private static long median(List<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalStateException("no checkpoint completed while the windows were full");
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

}
