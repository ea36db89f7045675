package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import shortsmith.concurrency.Retry;
import shortsmith.core.Json;
import shortsmith.core.ServiceKey;
import shortsmith.core.Settings;
import shortsmith.core.Shutdown;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * ComfyUI's server as a provider of pictures and narration, through its own API:
 * {@code POST /prompt {prompt, client_id, prompt_id}} (the prompt id is chosen here and on disk
 * before the request goes), {@code GET /history/{id}}, {@code GET /queue}, {@code GET /view},
 * {@code POST /queue {"delete": [...]}}, {@code POST /interrupt {"prompt_id"}} and the websocket
 * {@code /ws?clientId=} for progress. A scene is never queued twice: after a kill the next run asks
 * the history (finished: download) and the queue (waiting or running: wait for it), and queues again
 * only when the server has never heard of the prompt (it restarted). Ctrl-C deletes our prompt from
 * the queue or interrupts it when it is ours and running, never other clients' work.
 */
final class ComfyUi {
    /** Prompts this process is waiting for: cancelled if the JVM stops. */
    private static final Set<Active> ACTIVE = ConcurrentHashMap.newKeySet();

    private record Active(ComfyUi server, String promptId) {}

    static {
        Shutdown.onStop(() -> ACTIVE.forEach(a -> a.server().cancel(a.promptId())));
    }

    private final URI base;
    private final Http http;
    private final Http quick;
    private final Map<String, String> headers;
    private final String clientId = UUID.randomUUID().toString();

    ComfyUi(URI base, Settings.Secret key, Http http, Http quick) {
        this.base = base;
        this.http = http;
        this.quick = quick;
        this.headers = Http.bearer(key);
    }

    /** The server COMFYUI_URL names, with COMFYUI_API_KEY as a bearer token when set. */
    static ComfyUi of(Settings settings) {
        var c = settings.providers().comfyui();
        URI base = Http.base(c.url(), "http://127.0.0.1:8188");
        var quick = new Http("comfyui", base, Duration.ofSeconds(2), Retry.policy().withAttempts(1));
        return new ComfyUi(base, c.key(), Http.of("comfyui", settings, base), quick);
    }

    URI base() { return base; }

    /** The server as a service: pictures and narration on one ComfyUI are one service, whichever asks. */
    ServiceKey service() { return ServiceKey.of("comfyui", base.toString()); }

    /** Where a prompt is, as the server tells it. */
    sealed interface Where {
        record Done(JsonNode entry) implements Where {}

        record Queued(boolean running) implements Where {}

        record Unknown() implements Where {}
    }

    Where whereIs(String id) throws InterruptedException {
        JsonNode entry = http.withRetries(() -> http.getJson(base.resolve("history/" + enc(id)), headers), (n, e, w) -> {}).path(id);
        if (entry.isObject()) return new Where.Done(entry);
        JsonNode queue = http.withRetries(() -> http.getJson(base.resolve("queue"), headers), (n, e, w) -> {});
        if (holds(queue.path("queue_running"), id)) return new Where.Queued(true);
        if (holds(queue.path("queue_pending"), id)) return new Where.Queued(false);
        return new Where.Unknown();
    }

    /** Queue entries are {@code [number, prompt_id, prompt, extra_data, outputs]}. */
    private static boolean holds(JsonNode list, String id) {
        for (JsonNode item : list) if (item.path(1).asText("").equals(id)) return true;
        return false;
    }

    /**
     * Runs {@code workflow} (placeholders filled) for one scene and returns the file its output node
     * saved ({@code kind}: "images" or "audio"). {@code jobName} and {@code requestKey} tie the prompt
     * to the scene's request in the run's job records.
     */
    byte[] run(String jobName, String requestKey, ObjectNode workflow, String kind, String outputNode, String outputSetting,
               List<String> types, ImageProvider.Context c) throws InterruptedException {
        var saved = c.jobs().find(jobName, requestKey).filter(Jobs.Job::wasSubmitted);
        String id;
        // A prompt the server forgot (it restarted) is queued again once in a run, under its own id.
        var queuedAgain = new java.util.concurrent.atomic.AtomicBoolean();
        if (saved.isPresent()) {
            id = saved.get().id();
            switch (whereIs(id)) {
                case Where.Done d when interrupted(d.entry()) -> id = queueNew(jobName, requestKey, workflow, c, "was interrupted: queueing it again");
                case Where.Done d -> c.status().accept("prompt " + shortId(id) + " is finished");
                case Where.Queued q -> c.status().accept("prompt " + shortId(id) + " is " + (q.running() ? "running" : "waiting") + " in ComfyUI's queue");
                case Where.Unknown u -> queueAgain(workflow, id, queuedAgain, c, "does not know");
            }
        } else {
            id = queueNew(jobName, requestKey, workflow, c, null);
        }
        var active = new Active(this, id);
        ACTIVE.add(active);
        String promptId = id;
        try (var events = Events.open(this, promptId, c.status())) {
            long[] queueAsked = {System.nanoTime()};
            JsonNode entry = http.poll(promptId, () -> {
                events.failure().ifPresent(f -> { throw f; });
                JsonNode h = history(promptId);
                if (h.isObject()) {
                    failIfFailed(promptId, h);
                    return Optional.of(h);
                }
                // Not finished: still queued? Asked when the websocket came back after a drop (the
                // server may have restarted), else every few seconds. The history is asked again
                // after the queue: a prompt that just finished leaves the queue for the history.
                boolean cameBack = events.reconnected();
                if (cameBack || System.nanoTime() - queueAsked[0] > QUEUE_CHECK.toNanos()) {
                    queueAsked[0] = System.nanoTime();
                    if (!inQueue(promptId) && !history(promptId).isObject()) {
                        queueAgain(workflow, promptId, queuedAgain, c, cameBack ? "came back without" : "no longer knows");
                    }
                }
                return Optional.empty();
            }, c.ticker(), Http.retryStatus(c.status()));
            JsonNode file = outputFile(entry, kind, outputNode, outputSetting, promptId);
            c.status().accept("downloading " + file.path("filename").asText());
            String view = base.resolve("view?filename=" + enc(file.path("filename").asText()) + "&subfolder=" + enc(file.path("subfolder").asText(""))
                    + "&type=" + enc(file.path("type").asText("output"))).toString();
            return http.download(view, types, headers);
        } finally {
            ACTIVE.remove(active);
        }
    }

    /** How often a prompt not yet in the history is looked for in the queue. */
    static final Duration QUEUE_CHECK = Duration.ofSeconds(2);

    private JsonNode history(String id) throws InterruptedException {
        return http.getJson(base.resolve("history/" + enc(id)), headers).path(id);
    }

    private boolean inQueue(String id) throws InterruptedException {
        JsonNode queue = http.getJson(base.resolve("queue"), headers);
        return holds(queue.path("queue_running"), id) || holds(queue.path("queue_pending"), id);
    }

    /**
     * The server has forgotten prompt {@code id} (it restarted: its queue and history are gone).
     * It is our own server, so nothing is billed: queued again at once, under the same id, once in
     * a run; forgotten a second time, the scene fails and the next run queues it anew.
     */
    private void queueAgain(ObjectNode workflow, String id, java.util.concurrent.atomic.AtomicBoolean queuedAgain, ImageProvider.Context c,
                            String how) throws InterruptedException {
        if (!queuedAgain.compareAndSet(false, true)) {
            throw new Http.ProviderException("comfyui: the server forgot prompt " + id + " again after it was queued once more (restarting"
                    + " again?); run again when it is up to queue it anew", 0, false, null);
        }
        c.status().accept("ComfyUI " + how + " prompt " + shortId(id) + " (restarted?): queued it again");
        queue(workflow, id);
    }

    /** Whether a prompt queued now would outlive the run: Ctrl-C began, and its cancel may have looked at the queue already. */
    private void cancelIfStopping(String id) {
        if (Shutdown.stopping()) cancel(id);
    }

    private String queueNew(String jobName, String requestKey, ObjectNode workflow, ImageProvider.Context c, String why) throws InterruptedException {
        String id = UUID.randomUUID().toString();
        c.jobs().save(jobName, Jobs.Job.submitted("comfyui", requestKey, id, null));   // on disk before the request goes
        c.status().accept(why == null ? "queueing" : "prompt " + why);
        queue(workflow, id);
        return id;
    }

    /**
     * {@code POST /prompt}; a refused workflow is one line naming the node and its first error.
     * Nothing is queued once the run is stopping, and a prompt queued as it began to stop is
     * taken out again, so Ctrl-C leaves nothing of ours on the server.
     */
    void queue(ObjectNode workflow, String id) throws InterruptedException {
        Shutdown.check();
        try {
            post(workflow, id);
        } finally {
            cancelIfStopping(id);
        }
    }

    private void post(ObjectNode workflow, String id) throws InterruptedException {
        var body = new LinkedHashMap<String, Object>();
        body.put("prompt", workflow);
        body.put("client_id", clientId);
        body.put("prompt_id", id);
        try {
            http.withRetries(() -> http.postJson(base.resolve("prompt"), headers, body, Http.Kind.PAID), (n, e, w) -> {});
        } catch (Http.MaybeBilled e) {
            // The answer never came: the server may still have taken it. Ask before failing.
            if (whereIs(id) instanceof Where.Unknown) {
                throw new Http.ProviderException("comfyui: prompt " + id + " was sent but the server does not know it ("
                        + e.getMessage().replaceFirst(";.*", "") + "); run again to queue it", 0, false, null);
            }
        } catch (Http.ProviderException e) {
            if (e.status() == 400) throw refused(e.body());
            throw e;
        }
    }

    /** ComfyUI's 400: {@code {error: {message, details}, node_errors: {id: {class_type, errors: [{message, details}]}}}}. */
    static Http.ProviderException refused(byte[] body) {
        String why;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            var nodes = root.path("node_errors");
            var first = nodes.isObject() && !nodes.isEmpty() ? nodes.properties().iterator().next() : null;
            if (first != null) {
                JsonNode err = first.getValue().path("errors").path(0);
                why = "node " + first.getKey() + " (" + first.getValue().path("class_type").asText("?") + "): " + err.path("message").asText("invalid")
                        + (err.path("details").asText("").isBlank() ? "" : ": " + err.path("details").asText());
            } else {
                JsonNode err = root.path("error");
                why = err.isTextual() ? err.asText() : err.path("message").asText("invalid prompt")
                        + (err.path("details").asText("").isBlank() ? "" : ": " + err.path("details").asText());
            }
        } catch (Exception e) {
            why = Http.excerpt(body);
        }
        return new Http.ProviderException("comfyui refused the workflow: " + why.replaceAll("\\s+", " ").strip(), 400, false, null);
    }

    private static boolean interrupted(JsonNode entry) {
        for (JsonNode m : entry.path("status").path("messages")) if (m.path(0).asText().equals("execution_interrupted")) return true;
        return false;
    }

    /** A finished prompt that failed: the node and ComfyUI's exception message, or "interrupted". */
    static void failIfFailed(String id, JsonNode entry) {
        for (JsonNode m : entry.path("status").path("messages")) {
            String type = m.path(0).asText();
            if (type.equals("execution_error")) throw executionError(m.path(1));
            if (type.equals("execution_interrupted")) throw interruption(id, m.path(1));
        }
        if (entry.path("status").path("status_str").asText("success").equals("error")) {
            throw new Http.ProviderException("comfyui: prompt " + id + " failed (no error message in its history)", 200, false, null);
        }
    }

    static Http.ProviderException executionError(JsonNode data) {
        return new Http.ProviderException("comfyui: node " + data.path("node_id").asText("?") + " (" + data.path("node_type").asText("?") + ") failed: "
                + data.path("exception_message").asText("no message").strip().replaceAll("\\s+", " "), 200, false, null);
    }

    static Http.ProviderException interruption(String id, JsonNode data) {
        return new Http.ProviderException("comfyui: prompt " + id + " was interrupted" + (data.has("node_id") ? " at node " + data.path("node_id").asText() : "")
                + "; run again to queue it again", 200, false, null);
    }

    /** The first file the output node (or, unnamed, the first node with such files) saved. */
    static JsonNode outputFile(JsonNode entry, String kind, String outputNode, String outputSetting, String id) {
        JsonNode outputs = entry.path("outputs");
        if (outputNode != null && !outputNode.isBlank()) {
            JsonNode files = outputs.path(outputNode).path(kind);
            if (files.isArray() && !files.isEmpty()) return files.get(0);
            throw new Http.ProviderException("comfyui: node " + outputNode + " (" + outputSetting + ") saved no " + kind + " for prompt " + id
                    + "; name the node that saves them", 200, false, null);
        }
        for (var node : outputs.properties()) {
            JsonNode files = node.getValue().path(kind);
            if (files.isArray() && !files.isEmpty()) return files.get(0);
        }
        throw new Http.ProviderException("comfyui: prompt " + id + " finished but no node saved " + kind
                + " (add a Save node, or set " + outputSetting + ")", 200, false, null);
    }

    /** Ctrl-C: our prompt out of the queue, or interrupted if it is ours and running; nobody else's. */
    void cancel(String id) {
        try {
            JsonNode queue = quick.getJson(base.resolve("queue"), headers);
            if (holds(queue.path("queue_pending"), id)) quick.post(base.resolve("queue"), headers, Map.of("delete", List.of(id)));
            if (holds(queue.path("queue_running"), id)) quick.post(base.resolve("interrupt"), headers, Map.of("prompt_id", id));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException ignored) {
            // the server is gone too: nothing of ours is left running there
        }
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static String shortId(String id) { return id.length() > 8 ? id.substring(0, 8) : id; }

    /**
     * The websocket's news about one prompt: progress (value/max), the node executing, and failures
     * (execution_error, execution_interrupted), shown on the scene's line. Best effort: when it
     * cannot be opened, the history is polled alone.
     */
    static final class Events implements WebSocket.Listener, AutoCloseable {
        private final ComfyUi server;
        private final String promptId;
        private final Consumer<String> status;
        private final StringBuilder partial = new StringBuilder();
        private volatile Http.ProviderException failure;
        private volatile WebSocket socket;
        /** The socket was open and closed or broke: the server went away, and may come back having forgotten our prompt. */
        private volatile boolean dropped;
        private volatile boolean closed;

        private Events(ComfyUi server, String promptId, Consumer<String> status) {
            this.server = server;
            this.promptId = promptId;
            this.status = status;
        }

        static Events open(ComfyUi server, String promptId, Consumer<String> status) {
            var events = new Events(server, promptId, status);
            try {
                events.socket = events.connect();
            } catch (Exception e) {
                status.accept("no websocket (" + e.getClass().getSimpleName() + "): polling the history");
            }
            return events;
        }

        private WebSocket connect() throws Exception {
            var base = server.base;
            String scheme = base.getScheme().equals("https") ? "wss" : "ws";
            URI ws = URI.create(scheme + "://" + base.getRawAuthority() + base.getRawPath() + "ws?clientId=" + enc(server.clientId));
            var builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(3));
            server.headers.forEach(builder::header);
            return builder.buildAsync(ws, this).get(5, TimeUnit.SECONDS);
        }

        /**
         * Whether the socket dropped and is open again now (one attempt per call while it is down):
         * the server restarted, or its connection broke, and our prompt may be gone.
         */
        boolean reconnected() {
            if (!dropped || closed) return false;
            try {
                partial.setLength(0);
                socket = connect();
                dropped = false;
                status.accept("websocket back: asking ComfyUI for prompt " + shortId(promptId));
                return true;
            } catch (Exception e) {
                return false;   // still down: the polls wait for it
            }
        }

        Optional<Http.ProviderException> failure() { return Optional.ofNullable(failure); }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            if (ws == socket) dropped = true;
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (ws == socket) dropped = true;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                handle(text);
            }
            ws.request(1);
            return null;
        }

        void handle(String text) {
            try {
                JsonNode m = Json.MAPPER.readTree(text);
                JsonNode d = m.path("data");
                if (!d.path("prompt_id").asText("").equals(promptId)) return;
                switch (m.path("type").asText()) {
                    case "progress" -> status.accept("node " + d.path("node").asText("?") + " step " + d.path("value").asInt() + "/" + d.path("max").asInt());
                    case "executing" -> { if (!d.path("node").isNull()) status.accept("node " + d.path("node").asText() + " running"); }
                    case "execution_error" -> failure = executionError(d);
                    case "execution_interrupted" -> failure = interruption(promptId, d);
                    case "execution_success" -> status.accept("finished");
                    default -> { }
                }
            } catch (Exception ignored) {
                // not JSON (binary previews come as binary frames): not for us
            }
        }

        @Override
        public void close() {
            closed = true;
            var s = socket;
            if (s != null) s.abort();
        }
    }
}
