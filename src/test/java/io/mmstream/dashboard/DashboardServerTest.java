package io.mmstream.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.codec.Times;
import io.mmstream.schema.Prediction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's guards over real sockets on loopback: Host, token, TLS, the connection cap, and fair updates. */
class DashboardServerTest {

    private static final Duration PUSH = Duration.ofMillis(100);
    private long nextWindow = 1_700_000_000_000L;

    @Test
    void aRequestForAnotherHostIsRefusedAndThePageCannotBeFramed() throws Exception {
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, new DashboardState(66_667), PUSH)) {
            int port = server.url().getPort();
            assertThat(request(port, "GET / HTTP/1.1\r\nHost: attacker.example:" + port + "\r\n\r\n")).startsWith("HTTP/1.1 421");
            assertThat(request(port, "GET /events HTTP/1.1\r\nHost: attacker.example\r\n\r\n")).startsWith("HTTP/1.1 421");
            String page = request(port, "GET / HTTP/1.1\r\nHost: localhost:" + port + "\r\nConnection: close\r\n\r\n");
            assertThat(page).startsWith("HTTP/1.1 200").containsIgnoringCase("frame-ancestors 'none'").containsIgnoringCase("X-frame-options: DENY");
            assertThat(request(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
        var settings = new DashboardServer.Settings("127.0.0.1", 0, PUSH, 8, Set.of("dashboard.example.com"), null, null);
        try (DashboardServer server = DashboardServer.start(settings, new DashboardState(66_667))) {
            int port = server.url().getPort();
            assertThat(request(port, "GET / HTTP/1.1\r\nHost: dashboard.example.com\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void withATokenOnlyItsHoldersSeeThePage() throws Exception {
        var settings = new DashboardServer.Settings("127.0.0.1", 0, PUSH, 8, Set.of(), "s3cret-token", null);
        try (DashboardServer server = DashboardServer.start(settings, new DashboardState(66_667))) {
            int port = server.url().getPort();
            String host = "Host: localhost:" + port + "\r\nConnection: close\r\n";
            assertThat(request(port, "GET / HTTP/1.1\r\n" + host + "\r\n")).startsWith("HTTP/1.1 401");
            assertThat(request(port, "GET /?token=wrong HTTP/1.1\r\n" + host + "\r\n")).startsWith("HTTP/1.1 401");
            assertThat(request(port, "GET /events HTTP/1.1\r\n" + host + "\r\n")).startsWith("HTTP/1.1 401");
            String page = request(port, "GET /?token=s3cret-token HTTP/1.1\r\n" + host + "\r\n");
            assertThat(page).startsWith("HTTP/1.1 200").contains("mmstream_token=s3cret-token; Path=/; HttpOnly; SameSite=Strict");
            assertThat(request(port, "GET /app.js HTTP/1.1\r\n" + host + "Cookie: mmstream_token=s3cret-token\r\n\r\n")).startsWith("HTTP/1.1 200");
            assertThat(request(port, "GET /app.js HTTP/1.1\r\n" + host + "Authorization: Bearer s3cret-token\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void theDashboardServesHttpsWithItsKeystore(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("dashboard.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "dashboard", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keyManagers.getKeyManagers(), null, null);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keys);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trust.getTrustManagers(), null);

        var settings = new DashboardServer.Settings("127.0.0.1", 0, PUSH, 8, Set.of(), null, serverContext);
        try (DashboardServer server = DashboardServer.start(settings, new DashboardState(66_667))) {
            assertThat(server.url().getScheme()).isEqualTo("https");
            HttpsURLConnection connection = (HttpsURLConnection) new URL(server.url().toString().replace("127.0.0.1", "localhost")).openConnection();
            connection.setSSLSocketFactory(clientContext.getSocketFactory());
            assertThat(connection.getResponseCode()).isEqualTo(200);
            assertThat(new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("mmstream");
        }
    }

    @Test
    void eventStreamsOverTheCapAreRefused() throws Exception {
        var settings = new DashboardServer.Settings("127.0.0.1", 0, PUSH, 2, Set.of(), null, null);
        try (DashboardServer server = DashboardServer.start(settings, new DashboardState(66_667));
             EventStream first = new EventStream(server); EventStream second = new EventStream(server)) {
            first.awaitEvents("snapshot", 1);
            second.awaitEvents("snapshot", 1);
            assertThat(request(server.url().getPort(), "GET /events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 5");
        }
    }

    @Test
    void aBrowserThatConnectsDoesNotTakeTheOthersUpdates() throws Exception {
        DashboardState state = new DashboardState(66_667);
        // pushes far apart, so that the second browser connects between a prediction and its push
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, state, Duration.ofSeconds(2));
             EventStream first = new EventStream(server)) {
            first.awaitEvents("snapshot", 1);
            state.add(prediction("cam-1"), System.currentTimeMillis());
            try (EventStream second = new EventStream(server)) {
                assertThat(second.awaitEvents("snapshot", 1).get(0)).contains("cam-1");
                assertThat(first.awaitEvents("update", 1).get(0)).contains("cam-1");
            }
        }
    }

    @Test
    void aThousandIdleEventStreamsAreHeldAndAnotherStillGetsEveryUpdate() throws Exception {
        int idle = 1000;
        DashboardState state = new DashboardState(66_667);
        var settings = new DashboardServer.Settings("127.0.0.1", 0, PUSH, idle + 1, Set.of(), null, null);
        List<Socket> sockets = new ArrayList<>();
        try (DashboardServer server = DashboardServer.start(settings, state)) {
            int port = server.url().getPort();
            for (int i = 0; i < idle; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                sockets.add(socket);
                // asks for the stream, then never reads: the server holds it all the same
                socket.getOutputStream().write(("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            awaitCondition(Duration.ofSeconds(60), () -> server.clients() == idle);
            try (EventStream watcher = new EventStream(server)) {
                watcher.awaitEvents("snapshot", 1);
                awaitCondition(Duration.ofSeconds(10), () -> server.clients() == idle + 1);
                for (int i = 0; i < 5; i++) {
                    state.add(prediction("cam-" + i), System.currentTimeMillis());
                    int seen = i + 1;
                    // one prediction per push: each comes as its own update, and every one is counted
                    watcher.awaitEvents("update", seen);
                }
                assertThat(String.join("\n", watcher.events("update"))).contains("cam-0", "cam-1", "cam-2", "cam-3", "cam-4");
                System.out.printf("dashboard: %d idle event streams held, %d updates delivered to another%n", server.clients() - 1,
                        watcher.events("update").size());
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void aMillionStreamIdsKeepTheStreamMapAtItsCapAndTheHeapSmall() {
        int cap = 5000;
        long before = heapAfterGc();
        DashboardState state = new DashboardState(66_667, cap, Duration.ofMinutes(10));
        Prediction.Builder builder = Prediction.newBuilder(prediction("x"));
        long now = System.currentTimeMillis();
        for (int i = 0; i < 1_000_000; i++) {
            state.add(builder.setStreamId("stream-" + i).build(), now);
        }
        assertThat(state.streams()).isEqualTo(cap);
        assertThat(state.snapshotJson(now)).contains("stream-999999").doesNotContain("\"stream-0\"");
        long heap = heapAfterGc() - before;
        System.out.printf("dashboard state after 1,000,000 stream ids: %d streams, heap grown by %d MB%n", state.streams(), heap >> 20);
        assertThat(heap).isLessThan(256L << 20);
        java.lang.ref.Reference.reachabilityFence(state);

        // and a stream silent for longer than the time to live is forgotten
        DashboardState shortLived = new DashboardState(66_667, cap, Duration.ofSeconds(60));
        shortLived.add(prediction("old"), now - 120_000);
        shortLived.add(prediction("new"), now);
        assertThat(shortLived.streams()).isEqualTo(1);
    }

    private static long heapAfterGc() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private Prediction prediction(String stream) {
        long start = nextWindow;
        nextWindow += 1000;
        return Prediction.newBuilder().setStreamId(stream).setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(start + 2000))
                .setGridStepMicros(66_667L).setResults(List.of()).setCoverage(List.of()).setModalitiesPresent(List.of("video"))
                .setEmitTime(Instant.ofEpochMilli(start + 2500)).setCaptureToEmitMillis(500).setWindowCloseToEmitMillis(400L).build();
    }

    /** One raw HTTP exchange; the answer as text (status line, headers and body). */
    private static String request(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            String closing = request.contains("Connection: close") ? request : request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
            socket.getOutputStream().write(closing.getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readNBytes(4096);
            return new String(answer, StandardCharsets.UTF_8);
        }
    }

    private static void awaitCondition(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %s", timeout).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /**
     * A server-sent event client on a plain socket (HttpURLConnection would drain the endless stream on disconnect),
     * collecting every event by name on its own thread. The chunk-size lines between messages are not events.
     */
    private static final class EventStream implements AutoCloseable {
        private final Socket socket;
        private final List<String[]> events = new ArrayList<>();

        EventStream(DashboardServer server) throws IOException {
            socket = new Socket("127.0.0.1", server.url().getPort());
            socket.getOutputStream().write("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            Thread reader = new Thread(() -> read(in), "event-stream-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read(InputStream in) {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String name = "message";
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        synchronized (events) {
                            events.add(new String[] {name, line.substring(6)});
                        }
                        name = "message";
                    }
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        List<String> events(String name) {
            synchronized (events) {
                return events.stream().filter(e -> e[0].equals(name)).map(e -> e[1]).toList();
            }
        }

        List<String> awaitEvents(String name, int atLeast) throws InterruptedException {
            awaitCondition(Duration.ofSeconds(30), () -> events(name).size() >= atLeast);
            return events(name);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
