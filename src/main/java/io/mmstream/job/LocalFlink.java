package io.mmstream.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * A job on a MiniCluster in this process with Flink's REST API (and web UI) on a free loopback port, so that one can
 * ask what a job client cannot: whether every task runs, and the checkpoint statistics.
 */
public final class LocalFlink {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final int restPort;

    private LocalFlink(int restPort) {
        this.restPort = restPort;
    }

    /** Sets the MiniCluster's REST API on a free loopback port in the configuration an environment is made from. */
    public static LocalFlink onFreePort(Configuration flink) throws IOException {
        int port = freePort();
        flink.set(RestOptions.PORT, port);
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        // the REST API caches a job's status this long (3 s by default): too stale to wait for the tasks by
        flink.set(org.apache.flink.configuration.WebOptions.REFRESH_INTERVAL, Duration.ofMillis(100));
        return new LocalFlink(port);
    }

    /**
     * Turns on Flink's Prometheus reporter: the MiniCluster's one metric registry serves every metric of the run at
     * the returned address. The port is {@code preferred} unless something listens there (then, like 0, a free one):
     * a second local run must not fail for its metrics. The reporter binds every interface; it has no host option.
     */
    public static String prometheusOn(Configuration flink, int preferred) {
        int port = preferred > 0 && isFree(preferred) ? preferred : freePort();
        flink.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        flink.setString("metrics.reporter.prom.port", String.valueOf(port));
        return "http://127.0.0.1:" + port + "/metrics";
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("no free loopback port", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + restPort + "/";
    }

    /** Waits until every task of the job runs or has finished: its operators opened, its models loaded. */
    public void awaitRunning(JobClient client, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (client.getJobStatus().get() == JobStatus.RUNNING) {
                JsonNode job = get("/jobs/" + client.getJobID());
                boolean all = job != null && job.path("vertices").size() > 0;
                for (JsonNode vertex : job == null ? List.<JsonNode>of() : job.path("vertices")) {
                    // a bounded job's source may be through its input before the last task has loaded its models
                    all &= Set.of("RUNNING", "FINISHED").contains(vertex.path("status").asText());
                }
                if (all) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job's tasks were not all running after " + timeout);
    }

    /** The REST answer, or null when there is none: also when a bounded job has finished and its MiniCluster closed. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException closed) {
            return null;
        }
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }
}
