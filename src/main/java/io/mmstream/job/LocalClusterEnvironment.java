package io.mmstream.job;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What {@code deploy/local/cluster.sh} reads from its environment, on free loopback ports: its work folder, the
 * broker's port (the controller takes the next), Flink's REST and RPC ports, and six ports from {@code metricsPort}
 * for the processes' Prometheus endpoints (the JobManager and up to five TaskManagers).
 */
public record LocalClusterEnvironment(Path work, int kafkaPort, int restPort, int rpcPort, int metricsPort) {

    private static final int METRICS_PORTS = 6;

    /**
     * Free ports, and a work folder without the broker's data, checkpoints, logs, pids or configuration of an earlier
     * cluster; the Flink and Kafka jars copied there stay (a cache).
     */
    public static LocalClusterEnvironment fresh(Path work) throws IOException {
        for (String stale : List.of("kafka", "checkpoints", "logs", "pids", "conf")) {
            Path path = work.resolve(stale);
            if (Files.exists(path)) {
                try (var paths = Files.walk(path)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
        return new LocalClusterEnvironment(work.toAbsolutePath(), freePortPair(), freePort(), freePort(), freePort());
    }

    /** The variables cluster.sh reads, one slot per TaskManager. */
    public Map<String, String> variables() {
        return Map.of("MMSTREAM_CLUSTER_WORK", work.toString(), "KAFKA_PORT", Integer.toString(kafkaPort),
                "REST_PORT", Integer.toString(restPort), "RPC_PORT", Integer.toString(rpcPort), "SLOTS", "1",
                "METRICS_PORTS", metricsPort + "-" + (metricsPort + METRICS_PORTS - 1));
    }

    public String bootstrap() {
        return "localhost:" + kafkaPort;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Two free consecutive ports: the broker and its controller. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no two consecutive free ports");
    }
}
