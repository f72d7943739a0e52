package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.MonitoringFiles;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `demo` as a new user runs it, the packaged jar in its own JVM: the console holds only our own lines (the libraries'
 * logs are in the file it names), and Prometheus's scrape of the address it prints finds the job's metrics with
 * values, every metric the Grafana dashboard and the alert rules in deploy/ query among them. promtool checks the
 * rules (Debian's prometheus package; CI installs it and sets MMSTREAM_REQUIRE_MEDIA_TOOLS, so there it runs).
 */
class DemoProcessIT {

    /** Counters and histogram counts the demo's input must move: inputs, models, windows, predictions, checkpoints. */
    private static final List<String> MUST_MOVE = List.of("flink_taskmanager_job_task_operator_modality_eventsIn",
            "flink_taskmanager_job_task_operator_framesEncoded", "flink_taskmanager_job_task_operator_patchesEncoded",
            "flink_taskmanager_job_task_operator_windowsFired", "flink_taskmanager_job_task_operator_predictions",
            "flink_taskmanager_job_task_operator_batchMillis_count", "flink_taskmanager_job_task_operator_captureToEmitMillis_count",
            "flink_taskmanager_job_task_operator_windowCloseToEmitMillis_count", "flink_jobmanager_job_numberOfCompletedCheckpoints",
            "flink_jobmanager_job_lastCheckpointSize");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theDemoPrintsOnlyItsOwnLinesAndServesTheJobsMetricsForPrometheus() throws Exception {
        Path out = Path.of("target", "demo-process.out");
        Path err = Path.of("target", "demo-process.err");
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                "target" + File.separator + "mmstream.jar", "demo", "--streams", "2", "--duration", "30s", "--dashboard-port", "0",
                "--metrics-port", "0").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            URI dashboard = URI.create(awaitLine(demo, out, Pattern.compile("Dashboard on (http://\\S+)")).group(1));
            String endpoint = awaitLine(demo, out, Pattern.compile("Prometheus metrics on (http://\\S+)")).group(1);
            // the default pipeline's separated audio reaches the dashboard, which plays a stream's last seconds as WAV
            String heard = null;
            while (demo.isAlive() && heard == null) {
                Thread.sleep(1000);
                heard = separatedStream(dashboard);
            }
            assertThat(heard).as("a stream with separated audio on the dashboard").isNotNull();
            HttpResponse<byte[]> wav = http.send(HttpRequest.newBuilder(dashboard.resolve("/audio?stream=" + java.net.URLEncoder.encode(heard,
                    StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(wav.statusCode()).isEqualTo(200);
            assertThat(new String(wav.body(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
            assertThat(wav.body().length).as("at least one second of 16 kHz 16-bit audio").isGreaterThanOrEqualTo(44 + 32_000);
            Set<String> queried = MonitoringFiles.metricsQueried();
            assertThat(queried).as("metrics queried").hasSizeGreaterThan(15);
            Map<String, Double> scrape = Map.of();
            while (demo.isAlive() && !complete(scrape, queried)) {
                Thread.sleep(1000);
                scrape = scrape(endpoint);
            }
            Set<String> missing = new TreeSet<>(queried);
            missing.removeAll(scrape.keySet());
            assertThat(missing).as("metrics the dashboard or the alert rules query that the scrape lacks").isEmpty();
            for (String metric : MUST_MOVE) {
                assertThat(scrape.getOrDefault(metric, 0.0)).as(metric).isPositive();
            }
            assertThat(demo.waitFor(4, TimeUnit.MINUTES)).as("demo ended by itself").isTrue();
        } finally {
            demo.destroyForcibly();
        }
        assertThat(demo.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out)).contains("\"predictions\": ");

        List<String> console = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertThat(console).as("the console of a healthy run: one line naming the log file").hasSize(1);
        Matcher logLine = Pattern.compile("Library logs in (\\S+) \\(--verbose shows their warnings here\\)").matcher(console.get(0));
        assertThat(logLine.matches()).as(console.get(0)).isTrue();
        Path logFile = Path.of(logLine.group(1));
        assertThat(Files.readString(logFile)).as("the libraries' log").contains("org.apache.flink.runtime.minicluster.MiniCluster");
        Files.delete(logFile);
    }

    @Test
    void promtoolAcceptsThePrometheusConfigurationAndItsAlertRules() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool) && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") == null) {
            org.junit.jupiter.api.Assumptions.abort("promtool is not installed (apt-get install prometheus)");
        }
        // the local Prometheus configuration loads the rules beside it
        Process check = new ProcessBuilder(promtool.toString(), "check", "config", "deploy/prometheus/prometheus.yml").redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(output).isZero();
        assertThat(output).contains("SUCCESS: 9 rules found");
    }

    private static boolean complete(Map<String, Double> scrape, Set<String> queried) {
        return scrape.keySet().containsAll(queried) && MUST_MOVE.stream().allMatch(metric -> scrape.getOrDefault(metric, 0.0) > 0);
    }

    /** A stream the dashboard's snapshot shows separated audio for, or null while none. */
    private String separatedStream(URI dashboard) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> events = http.send(HttpRequest.newBuilder(dashboard.resolve("/events")).build(),
                HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = events.body()) {
            String snapshot = lines.filter(line -> line.startsWith("data: ")).findFirst().orElseThrow();
            var separated = new com.fasterxml.jackson.databind.ObjectMapper().readTree(snapshot.substring("data: ".length())).get("separated");
            var names = separated.fieldNames();
            return names.hasNext() ? names.next() : null;
        }
    }

    /** Each metric's largest value over its series; an endpoint not yet up reads as no metrics. */
    private Map<String, Double> scrape(String endpoint) throws InterruptedException {
        Map<String, Double> largest = new HashMap<>();
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int nameEnd = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                largest.merge(line.substring(0, nameEnd), Double.isNaN(value) ? 0 : value, Math::max);
            }
        } catch (IOException e) {
            return Map.of();
        }
        return largest;
    }

    private static Matcher awaitLine(Process process, Path output, Pattern line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && process.isAlive()) {
            Matcher matcher = line.matcher(Files.readString(output));
            if (matcher.find()) {
                return matcher;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no line matching " + line + " in the demo's output:\n" + Files.readString(output));
    }
}
