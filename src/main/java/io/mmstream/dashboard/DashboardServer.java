package io.mmstream.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The live page over HTTP: static assets from the jar and a server-sent event stream. A browser gets a snapshot
 * on connect, then one update message per push interval holding every stream that changed. Each browser has a
 * small queue; one that cannot keep up is disconnected (its EventSource reconnects and starts from a fresh
 * snapshot), so a slow or gone browser never holds up the others or the Kafka feed.
 */
public final class DashboardServer implements AutoCloseable {

    private static final int CLIENT_QUEUE = 16;
    private static final String CLOSE = "";
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    private final HttpServer server;
    private final DashboardState state;
    private final ScheduledExecutorService pusher;
    private final ExecutorService handlers;
    private final Set<BlockingQueue<String>> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private DashboardServer(HttpServer server, DashboardState state, ExecutorService handlers, ScheduledExecutorService pusher) {
        this.server = server;
        this.state = state;
        this.handlers = handlers;
        this.pusher = pusher;
    }

    /** @param host the address to bind; 127.0.0.1 keeps the page to this machine */
    public static DashboardServer start(String host, int port, DashboardState state, Duration pushEvery) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        ExecutorService handlers = Executors.newCachedThreadPool(daemon("mmstream-dashboard-http"));
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor(daemon("mmstream-dashboard-push"));
        DashboardServer dashboard = new DashboardServer(server, state, handlers, pusher);
        server.setExecutor(handlers);
        server.createContext("/events", dashboard::events);
        server.createContext("/", dashboard::asset);
        server.start();
        pusher.scheduleAtFixedRate(dashboard::push, pushEvery.toMillis(), pushEvery.toMillis(), TimeUnit.MILLISECONDS);
        return dashboard;
    }

    public URI url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
        return URI.create("http://" + host + ":" + address.getPort() + "/");
    }

    /** Browsers connected now. */
    public int clients() {
        return clients.size();
    }

    private void push() {
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
    }

    private void events(HttpExchange exchange) throws IOException {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            write(out, "retry: 1000\nevent: snapshot\ndata: " + state.snapshotJson(System.currentTimeMillis()) + "\n\n");
            clients.add(queue);
            while (!closed) {
                String message = queue.poll(15, TimeUnit.SECONDS);
                if (message == CLOSE) {
                    break;
                }
                write(out, message == null ? ": keep-alive\n\n" : message);
            }
        } catch (IOException | InterruptedException gone) {
            // the browser went away; nothing to clean up beyond its queue
        } finally {
            clients.remove(queue);
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
            // only our own script and style may run: a stream id can never become markup or code
            headers.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
            headers.set("X-Content-Type-Options", "nosniff");
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
