package io.mmstream.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live page over HTTP or HTTPS: static assets from the jar and a server-sent event stream. A browser gets a
 * snapshot on connect, then one update message per push interval holding every stream that changed. Each browser
 * has a small queue; one that cannot keep up is disconnected (its EventSource reconnects and starts from a fresh
 * snapshot), so a slow or gone browser never holds up the others or the Kafka feed.
 *
 * <p>Bounded and guarded: at most {@link Settings#maxClients} event streams; requests only for the allowed Host
 * names (a page elsewhere cannot reach this one through DNS rebinding); an optional token; no framing. An event
 * stream ends after {@link #STREAM_LIFETIME} and the browser reconnects, so that the JDK server's response timer
 * ({@code sun.net.httpserver.maxRspTime}) can cut off a client whose writes stall: its thread and its place are
 * freed at most {@link #WRITE_TIMEOUT} after its stream should have ended.
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    static final Duration STREAM_LIFETIME = Duration.ofSeconds(30);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final int CLIENT_QUEUE = 16;
    private static final String CLOSE = "";
    private static final String TOKEN_COOKIE = "mmstream_token";
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    static {
        // read once by the JDK's server when it is first used; only set where the process left them unset
        setIfUnset("sun.net.httpserver.maxRspTime", Long.toString(STREAM_LIFETIME.plus(WRITE_TIMEOUT).toSeconds()));
        setIfUnset("sun.net.httpserver.maxReqTime", Long.toString(WRITE_TIMEOUT.toSeconds()));
    }

    /**
     * @param host the address to bind; 127.0.0.1 keeps the page to this machine
     * @param maxClients event streams served at once; more are refused with 503
     * @param allowedHosts Host header names accepted besides localhost, 127.0.0.1, [::1] and the bound host
     * @param token when not null, every request must carry it (?token= once, then a cookie; or a Bearer header)
     * @param tls when not null, HTTPS with this context
     */
    public record Settings(String host, int port, Duration pushEvery, int maxClients, Set<String> allowedHosts, String token, SSLContext tls) {

        public static final int DEFAULT_MAX_CLIENTS = 1024;

        public Settings {
            allowedHosts = Set.copyOf(allowedHosts);
        }

        public static Settings local(String host, int port, Duration pushEvery) {
            return new Settings(host, port, pushEvery, DEFAULT_MAX_CLIENTS, Set.of(), null, null);
        }
    }

    private final HttpServer server;
    private final DashboardState state;
    private final Settings settings;
    private final Set<String> allowedHosts;
    private final ScheduledExecutorService pusher;
    private final ExecutorService handlers;
    private final Set<BlockingQueue<String>> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger streams = new AtomicInteger();
    private volatile boolean closed;

    private DashboardServer(HttpServer server, DashboardState state, Settings settings, ExecutorService handlers, ScheduledExecutorService pusher) {
        this.server = server;
        this.state = state;
        this.settings = settings;
        this.handlers = handlers;
        this.pusher = pusher;
        Set<String> hosts = new HashSet<>(List.of("localhost", "127.0.0.1", "[::1]"));
        hosts.add(settings.host().toLowerCase(Locale.ROOT));
        settings.allowedHosts().forEach(host -> hosts.add(host.toLowerCase(Locale.ROOT)));
        this.allowedHosts = hosts;
    }

    public static DashboardServer start(String host, int port, DashboardState state, Duration pushEvery) throws IOException {
        return start(Settings.local(host, port, pushEvery), state);
    }

    public static DashboardServer start(Settings settings, DashboardState state) throws IOException {
        InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
        HttpServer server;
        if (settings.tls() == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(settings.tls()));
            server = https;
        }
        // a thread per event stream (their number capped in events()) and short-lived ones for pages
        ExecutorService handlers = Executors.newCachedThreadPool(daemon("mmstream-dashboard-http"));
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor(daemon("mmstream-dashboard-push"));
        DashboardServer dashboard = new DashboardServer(server, state, settings, handlers, pusher);
        server.setExecutor(handlers);
        server.createContext("/events", exchange -> dashboard.guarded(exchange, dashboard::events));
        server.createContext("/search", exchange -> dashboard.guarded(exchange, dashboard::search));
        server.createContext("/audio", exchange -> dashboard.guarded(exchange, dashboard::audio));
        server.createContext("/", exchange -> dashboard.guarded(exchange, dashboard::asset));
        server.start();
        long every = settings.pushEvery().toMillis();
        pusher.scheduleAtFixedRate(dashboard::push, every, every, TimeUnit.MILLISECONDS);
        return dashboard;
    }

    public URI url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
        return URI.create((settings.tls() == null ? "http" : "https") + "://" + host + ":" + address.getPort() + "/");
    }

    /** Browsers connected now. */
    public int clients() {
        return clients.size();
    }

    private void push() {
        try {
            String updates = state.updatesJson(System.currentTimeMillis());
            if (updates == null) {
                return;
            }
            String message = "event: update\ndata: " + updates + "\n\n";
            for (BlockingQueue<String> client : clients) {
                if (!client.offer(message)) {
                    // too slow: drop what it has not read and let it reconnect to a snapshot
                    client.clear();
                    client.offer(CLOSE);
                }
            }
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: the page would freeze
            LOG.error("dashboard push failed: {}", e.toString());
        }
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** The Host and the token are checked before anything is served. */
    private void guarded(HttpExchange exchange, Handler handler) throws IOException {
        String host = hostName(exchange.getRequestHeaders().getFirst("Host"));
        if (host == null || !allowedHosts.contains(host)) {
            refuse(exchange, 421, "Host '" + host + "' is not one this dashboard serves (--allowed-host adds one)");
            return;
        }
        if (settings.token() != null && !authorised(exchange)) {
            refuse(exchange, 401, "a token is needed: open the page as /?token=...");
            return;
        }
        handler.handle(exchange);
    }

    /** The host part of a Host header, lower case, without its port; IPv6 literals keep their brackets. */
    static String hostName(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String host = header.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? null : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private boolean authorised(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=") && sameToken(java.net.URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8))) {
                    // the page's own requests (the event stream) then carry it as a cookie no script can read
                    exchange.getResponseHeaders().add("Set-Cookie", TOKEN_COOKIE + "=" + settings.token()
                            + "; Path=/; HttpOnly; SameSite=Strict" + (settings.tls() == null ? "" : "; Secure"));
                    return true;
                }
            }
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.startsWith("Bearer ") && sameToken(authorization.substring(7).strip())) {
            return true;
        }
        for (String cookies : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String cookie : cookies.split(";")) {
                String trimmed = cookie.strip();
                if (trimmed.startsWith(TOKEN_COOKIE + "=") && sameToken(trimmed.substring(TOKEN_COOKIE.length() + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean sameToken(String candidate) {
        return MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8), settings.token().getBytes(StandardCharsets.UTF_8));
    }

    private static void refuse(HttpExchange exchange, int status, String why) throws IOException {
        try (exchange) {
            byte[] body = (why + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** GET /search?q=WORDS[&k=10]: the recent windows most like the words, as JSON. */
    private void search(HttpExchange exchange) throws IOException {
        WindowSearch search = state.search();
        if (!exchange.getRequestMethod().equals("GET")) {
            refuse(exchange, 405, "GET only");
            return;
        }
        if (search == null) {
            refuse(exchange, 503, "search is off: this dashboard has no text model to embed words with (--text-model)");
            return;
        }
        String words = null;
        int k = 10;
        String query = exchange.getRequestURI().getRawQuery();
        for (String pair : query == null ? new String[0] : query.split("&")) {
            String value = java.net.URLDecoder.decode(pair.substring(pair.indexOf('=') + 1), StandardCharsets.UTF_8);
            if (pair.startsWith("q=")) {
                words = value.strip();
            } else if (pair.startsWith("k=")) {
                try {
                    k = Math.max(1, Math.min(50, Integer.parseInt(value)));
                } catch (NumberFormatException e) {
                    refuse(exchange, 400, "k='" + value + "': must be a whole number");
                    return;
                }
            }
        }
        if (words == null || words.isEmpty() || words.length() > 500) {
            refuse(exchange, 400, "q: the words to search for (1 to 500 characters)");
            return;
        }
        WindowSearch.Found found = search.search(words, k);
        var body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        body.put("query", words);
        body.put("windows", found.windows());
        var hits = body.putArray("hits");
        for (io.mmstream.search.WindowIndex.Hit hit : found.hits()) {
            hits.addObject().put("stream", hit.streamId()).put("start", hit.startMicros() / 1000).put("end", hit.endMicros() / 1000)
                    .put("similarity", Math.round(hit.similarity() * 1000) / 1000.0);
        }
        respond(exchange, "application/json; charset=utf-8", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** GET /audio?stream=ID: the stream's last seconds of separated audio, as WAV. */
    private void audio(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            refuse(exchange, 405, "GET only");
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        String stream = null;
        for (String pair : query == null ? new String[0] : query.split("&")) {
            if (pair.startsWith("stream=")) {
                try {
                    stream = java.net.URLDecoder.decode(pair.substring("stream=".length()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    refuse(exchange, 400, "stream: not a URL-encoded stream id");
                    return;
                }
            }
        }
        if (stream == null || stream.isEmpty()) {
            refuse(exchange, 400, "stream: the id of the stream whose separated audio to play");
            return;
        }
        byte[] wav = state.separatedWav(stream);
        if (wav == null) {
            refuse(exchange, 404, "no separated audio of that stream is held (the dashboard keeps the last "
                    + SeparatedAudio.CLIP.toSeconds() + " s of the " + SeparatedAudio.MAX_STREAMS + " streams heard last)");
            return;
        }
        respond(exchange, "audio/wav", wav);
    }

    private static void respond(HttpExchange exchange, String type, byte[] body) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void events(HttpExchange exchange) throws IOException {
        if (streams.incrementAndGet() > settings.maxClients()) {
            streams.decrementAndGet();
            exchange.getResponseHeaders().set("Retry-After", "5");
            refuse(exchange, 503, "the dashboard serves " + settings.maxClients() + " browsers at most");
            return;
        }
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            write(out, "retry: 1000\nevent: snapshot\ndata: " + state.snapshotJson(System.currentTimeMillis()) + "\n\n");
            clients.add(queue);
            long end = System.nanoTime() + STREAM_LIFETIME.toNanos();
            while (!closed && System.nanoTime() < end) {
                String message = queue.poll(Math.min(15_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS);
                if (message == CLOSE) {
                    break;
                }
                write(out, message == null ? ": keep-alive\n\n" : message);
            }
        } catch (IOException | InterruptedException gone) {
            // the browser went away, or its writes stalled and the server's response timer closed the connection
        } finally {
            clients.remove(queue);
            streams.decrementAndGet();
            exchange.close();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void asset(HttpExchange exchange) throws IOException {
        try (exchange) {
            String name = ASSETS.get(exchange.getRequestURI().getPath());
            InputStream in = name == null ? null : DashboardServer.class.getResourceAsStream("/dashboard/" + name);
            if (in == null || !exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body;
            try (in) {
                body = in.readAllBytes();
            }
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
            // only our own script and style may run, and no other site may frame the page: a stream id can never
            // become markup or code, and a click can never be stolen
            headers.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
            headers.set("X-Frame-Options", "DENY");
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("Referrer-Policy", "no-referrer");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        closed = true;
        pusher.shutdownNow();
        clients.forEach(client -> client.offer(CLOSE));
        server.stop(0);
        handlers.shutdownNow();
    }

    private static void setIfUnset(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
