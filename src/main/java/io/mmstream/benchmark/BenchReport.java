package io.mmstream.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures of one {@code bench} run, as a dated Markdown section with the machine it ran on. */
final class BenchReport {

    /** Runs go right after this line of the file, newest first. */
    static final String MARKER = "<!-- bench runs, newest first: java -jar target/mmstream.jar bench -->";

    private final boolean quick;
    List<JmhBench.Score> jmh = List.of();
    PipelineBench.Result throughput;
    final List<LatencyBench.Latency> latency = new ArrayList<>();
    final List<ScalingBench.Scale> scaling = new ArrayList<>();
    final List<ScalingBench.WindowState> windowState = new ArrayList<>();
    double minutes;

    BenchReport(boolean quick) {
        this.quick = quick;
    }

    void addTo(Path file) throws IOException {
        String section = markdown();
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n" + MARKER + "\n";
        int at = text.indexOf(MARKER);
        text = at < 0 ? text + "\n" + MARKER + "\n\n" + section : text.substring(0, at + MARKER.length()) + "\n\n" + section + text.substring(at + MARKER.length());
        Files.writeString(file, text);
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        String when = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        line(md, "### %s UTC: `bench%s` (%.1f min)", when, quick ? " --quick" : "", minutes);
        md.append('\n');
        line(md, "Machine: %s. Kafka %s broker and Flink %s MiniCluster in the measuring JVM; the simulator's records are "
                + "generated before each run.", machine(), org.apache.kafka.common.utils.AppInfoParser.getVersion(),
                org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
        md.append('\n');

        PipelineBench.Result t = throughput;
        line(md, "#### Throughput: %d streams x %d s preloaded (%d frames), read from the earliest offset", t.streams(), t.seconds(), t.frames());
        md.append('\n');
        line(md, "| | frames/s | streams at 15 fps |");
        line(md, "|---|---:|---:|");
        line(md, "| limit (model work on %d cores) | %.0f | %.0f |", t.cores(), t.limitFps(), t.limitFps() / BenchJobs.FPS);
        line(md, "| limit, every core busy at once | %.0f | %.0f |", t.limit().allCoresAtOnceFps(), t.limit().allCoresAtOnceFps() / BenchJobs.FPS);
        line(md, "| pipeline (this job) | %.0f | %.0f |", t.pipelineFps(), t.pipelineFps() / BenchJobs.FPS);
        line(md, "| naive baseline | %.0f | %.0f |", t.naiveFps(), t.naiveFps() / BenchJobs.FPS);
        md.append('\n');
        line(md, "**pipeline / limit = %.2f** (target 0.85: %s); **pipeline / naive = %.2f** (target 3: %s).", t.pipelineFps() / t.limitFps(),
                verdict(t.pipelineFps() / t.limitFps() >= 0.85), t.pipelineFps() / t.naiveFps(), verdict(t.pipelineFps() / t.naiveFps() >= 3));
        line(md, "The broker and the measuring consumer share the cores with the job: they took %.0f%% of the CPU, so the limit of the cores "
                + "left to the job is %.0f frames/s and **pipeline / limit of the cores left = %.2f**.", 100 * t.notTheJobShare(),
                t.limitOfCoresLeftFps(), t.pipelineFps() / t.limitOfCoresLeftFps());
        line(md, "With every core doing the limit's work at once, the cores do %.2f times one core's work, not %d: **pipeline / that limit = %.2f** "
                + "(of the cores left: %.2f).", t.limit().allCoresAtOnceFps() / t.limitFps() * t.cores(), t.cores(),
                t.pipelineFps() / t.limit().allCoresAtOnceFps(), t.pipelineFps() / (t.limit().allCoresAtOnceFps() * (1 - t.notTheJobShare())));
        line(md, "Throughput counts from the moment every task runs (models loaded) to the last prediction. Limit per element on one "
                + "core (mean of before and after the jobs): frame %.3f ms, audio patch %.3f ms, window %.3f ms. CPU busy while measured: "
                + "pipeline %.0f%%, naive %.0f%% of the cores.", t.limit().frame() * 1e3, t.limit().patch() * 1e3,
                t.limit().window() * 1e3, 100 * t.pipeline().busyShare(), 100 * t.naive().busyShare());
        md.append('\n');
        line(md, "CPU seconds by thread from running to the last prediction of the pipeline run (%.1f s on %d cores = %.1f core seconds):",
                t.pipeline().lastSeconds() - t.pipeline().runningSeconds(), t.cores(), (t.pipeline().lastSeconds() - t.pipeline().runningSeconds()) * t.cores());
        md.append('\n');
        line(md, "| thread (Flink tasks by their operators) | CPU s |");
        line(md, "|---|---:|");
        t.pipeline().cpuSeconds().entrySet().stream().limit(14).forEach(e -> line(md, "| %s | %.1f |", e.getKey(), e.getValue()));
        md.append('\n');

        if (!latency.isEmpty()) {
            line(md, "#### Latency at half load: %d streams in real time, out-of-orderness %d ms, no allowed lateness, checkpoints every 1 s",
                    latency.get(0).streams(), LatencyBench.OUT_OF_ORDERNESS.toMillis());
            md.append('\n');
            line(md, "| job | guarantee | capture to prediction p50 / p99 ms | window close to prediction p50 / p99 ms | of which in the job p50 / p99 ms "
                    + "| first quarter's windows: close to prediction p99 ms | windows |");
            line(md, "|---|---|---:|---:|---:|---:|---:|");
            for (LatencyBench.Latency l : latency) {
                // the bench runs without overload.max-window-lag: nothing is shed
                line(md, "| %s | %s | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f | %d of %d |", l.job(), l.guarantee(),
                        LatencyBench.Latency.p(l.captureToPrediction(), 0.5), LatencyBench.Latency.p(l.captureToPrediction(), 0.99),
                        LatencyBench.Latency.p(l.closeToPrediction(), 0.5), LatencyBench.Latency.p(l.closeToPrediction(), 0.99),
                        LatencyBench.Latency.p(l.closeToEmit(), 0.5), LatencyBench.Latency.p(l.closeToEmit(), 0.99),
                        LatencyBench.Latency.p(l.closeToPredictionAtStart(), 0.99), l.received(), l.expected());
            }
            double p99 = LatencyBench.Latency.p(latency.get(0).closeToPrediction(), 0.99);
            long target = LatencyBench.OUT_OF_ORDERNESS.toMillis() + 250;
            md.append('\n');
            line(md, "At-least-once window close to prediction p99 %.0f ms against the target of out-of-orderness + 250 ms = %d ms: %s.",
                    p99, target, verdict(p99 <= target));
            md.append('\n');
        }

        line(md, "#### Cost as the work grows: streams preloaded, read as fast as the job can");
        md.append('\n');
        line(md, "| streams | seconds each | frames/s | streams at 15 fps | process heap after GC, MB | checkpointed state KB | KB per stream |");
        line(md, "|---:|---:|---:|---:|---:|---:|---:|");
        for (ScalingBench.Scale s : scaling) {
            line(md, "| %d | %d | %.0f | %.0f | %.0f | %.0f | %.1f |", s.streams(), s.seconds(), s.framesPerSecond(), s.framesPerSecond() / BenchJobs.FPS,
                    s.heapBytes() / 1e6, s.stateBytes() / 1e3, s.stateBytes() / 1e3 / s.streams());
        }
        md.append('\n');
        line(md, "The heap is the whole process's (the broker with the preloaded records, the MiniCluster, the measuring code), after a full "
                + "collection half-way through the predictions; the state is the largest checkpoint (every 1 s) of the run: windows "
                + "and audio waiting for the watermark, which in a replay runs up to the alignment's max drift ahead.");
        md.append('\n');
        line(md, "State per stream against window size (%d streams in real time, sources, encoders and windows, checkpoints every 1 s, "
                + "median of the checkpoints once the windows are full):", windowState.isEmpty() ? 0 : windowState.get(0).streams());
        md.append('\n');
        line(md, "| window | window state KB per stream | audio cutter state KB per stream |");
        line(md, "|---:|---:|---:|");
        for (ScalingBench.WindowState w : windowState) {
            line(md, "| %d s | %.1f | %.1f |", w.windowSeconds(), w.windowBytes() / 1e3 / w.streams(), w.audioBytes() / 1e3 / w.streams());
        }
        md.append('\n');

        line(md, "#### JMH: hot paths, microseconds per call, one thread%s", quick ? " (quick: 1 warm-up, 2 measurements of 0.5 s)" : "");
        md.append('\n');
        line(md, "| benchmark | us per call | +- (99.9%%) |");
        line(md, "|---|---:|---:|");
        for (JmhBench.Score score : jmh) {
            line(md, "| %s | %.2f | %.2f |", score.benchmark(), score.micros(), score.error());
        }
        md.append('\n');
        return md.toString();
    }

    private static String verdict(boolean met) {
        return met ? "met" : "not met";
    }

    private static void line(StringBuilder md, String format, Object... args) {
        md.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    /** Cores, CPU model, memory, OS, JVM and GPU, as far as this JVM can tell. */
    static String machine() {
        String cpu = "unknown CPU";
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            os = Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", "")).findFirst().orElse(os);
        } catch (IOException e) {
            // not Linux: the JVM's names above stand
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        boolean gpu = Files.exists(Path.of("/dev/nvidia0"));
        return String.format(Locale.ROOT, "%d cores (%s), %.0f GiB, %s, %s %s, %s", Runtime.getRuntime().availableProcessors(), cpu,
                memory / (double) (1L << 30), os, System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                gpu ? "an NVIDIA GPU present (not used: the benchmark runs on the CPU)" : "no GPU");
    }
}
