package shortsmith.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A provider on loopback for tests: the JDK's HTTP server with one handler that sees every request
 * (recorded with its time) and answers as the test scripts it — including 429s, 5xx, slow answers.
 */
public final class FakeServer implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String method, String path, String query, Map<String, List<String>> headers, String body, long nanos, byte[] raw) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().getFirst()).orElse(null);
        }
    }

    /** What to answer. */
    public record Answer(int status, String contentType, byte[] body, Map<String, String> headers, long delayMillis) {
        public static Answer json(int status, String json) { return new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of(), 0); }

        public static Answer json(String json) { return json(200, json); }

        public static Answer bytes(String type, byte[] body) { return new Answer(200, type, body, Map.of(), 0); }

        public Answer withHeader(String name, String value) {
            var h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Answer(status, contentType, body, h, delayMillis);
        }

        public Answer after(long millis) { return new Answer(status, contentType, body, headers, millis); }
    }

    @FunctionalInterface
    public interface Handler {
        Answer answer(Request r) throws Exception;
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    public FakeServer(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> serve(exchange, handler));
        server.start();
    }

    public String base() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    public List<Request> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    private void serve(HttpExchange ex, Handler handler) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            var r = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getQuery(),
                    Map.copyOf(ex.getRequestHeaders()), new String(raw, StandardCharsets.UTF_8), System.nanoTime(), raw);
            requests.add(r);
            Answer a;
            try {
                a = handler.answer(r);
            } catch (Exception | AssertionError e) {
                a = Answer.json(500, "{\"error\":{\"message\":\"test server: " + e + "\"}}");
            }
            if (a.delayMillis() > 0) Thread.sleep(a.delayMillis());
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
            if (a.body().length > 0) ex.getResponseBody().write(a.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // the client went away (a timeout test): nothing to answer
        }
    }

    @Override
    public void close() { server.stop(0); }
}
