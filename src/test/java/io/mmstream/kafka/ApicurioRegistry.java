package io.mmstream.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real schema registry for the tests: Apicurio Registry 2.6.13's server (in-memory storage, Java 17, its
 * Confluent-compatible API under /apis/ccompat/v7) in its own JVM on a loopback port. The tar.gz comes from Maven
 * Central, its sha256 pinned, once per build folder: as a Maven dependency it would weigh on every build.
 */
public final class ApicurioRegistry implements AutoCloseable {

    private static final String VERSION = "2.6.13.Final";
    private static final URI ARCHIVE = URI.create("https://repo.maven.apache.org/maven2/io/apicurio/apicurio-registry-app/" + VERSION
            + "/apicurio-registry-app-" + VERSION + "-all.tar.gz");
    private static final String SHA256 = "3cda1b34aa020fb4ac4dd6a66018d757e81e437f97e20a1f92d366b70091c6ba";
    private static final Path HOME = Path.of("target", "apicurio-" + VERSION).toAbsolutePath();

    private final int port;
    private Process process;

    private ApicurioRegistry(int port) {
        this.port = port;
    }

    public static ApicurioRegistry start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ApicurioRegistry registry = new ApicurioRegistry(port);
        registry.startProcess();
        return registry;
    }

    /** The Confluent-compatible API, as kafka.schema-registry-url takes it. */
    public String ccompatUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    /** Apicurio's own API, as its serdes take it. */
    public String registryUrl() {
        return "http://127.0.0.1:" + port + "/apis/registry/v2";
    }

    /** Starts the server again on the same port (a fresh, empty registry: its storage is in memory). */
    public void startProcess() throws Exception {
        Path runner = HOME.resolve("apicurio-registry-app-" + VERSION + "-runner.jar");
        if (!Files.exists(runner)) {
            unpack();
        }
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port, "-Dquarkus.management.enabled=false", "-jar", runner.toString())
                .redirectErrorStream(true).redirectOutput(HOME.resolve("registry-" + port + ".log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Apicurio Registry did not start; see " + HOME.resolve("registry-" + port + ".log"));
    }

    public void stopProcess() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopProcess();
    }

    private static synchronized void unpack() throws Exception {
        Files.createDirectories(HOME);
        Path archive = HOME.resolve("apicurio.tar.gz");
        try (InputStream in = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build()
                .send(HttpRequest.newBuilder(ARCHIVE).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
            Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
        }
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(archive)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (!actual.equals(SHA256)) {
            throw new IllegalStateException(ARCHIVE + ": sha256 " + actual + ", expected " + SHA256);
        }
        Process tar = new ProcessBuilder(List.of("tar", "xzf", archive.toString(), "-C", HOME.toString())).inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("cannot unpack " + archive);
        }
        Files.delete(archive);
    }
}
