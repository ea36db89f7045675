package shortsmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import shortsmith.core.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A ComfyUI server on loopback for tests, following the routes and messages of ComfyUI's own
 * {@code server.py} and {@code execution.py}: {@code POST /prompt} (a client's {@code prompt_id}
 * honoured; 400 {@code {error, node_errors}} for a workflow that fails validation), {@code GET
 * /history/{id}}, {@code GET|POST /queue}, {@code POST /interrupt} (with a {@code prompt_id}: only
 * that prompt), {@code GET /view}, and the websocket {@code /ws?clientId=} with {@code status},
 * {@code execution_start}, {@code executing}, {@code progress}, {@code executed},
 * {@code execution_success}, {@code execution_error} and {@code execution_interrupted}. One prompt
 * runs at a time; {@link #restart(long)} goes down for a while (every connection dropped, the
 * websockets too, new ones refused) and comes back with its queue and history forgotten, as a
 * restarted server does.
 */
public final class ComfyStandIn implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String method, String path, String query, String body) {}

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Called with each accepted POST /prompt body before it is queued (tests check what was on disk then). */
    public volatile Consumer<JsonNode> onPrompt = p -> {};
    public volatile long runMillis = 400;
    public volatile int steps = 4;
    public volatile boolean websocket = true;
    private final byte[] image;
    private final byte[] audio;
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
    private final List<Object[]> pending = new ArrayList<>();          // [number, id, prompt, extra, outputs]
    private volatile Object[] running;
    private final Map<String, JsonNode> history = new ConcurrentHashMap<>();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private volatile boolean interruptRequested;
    private volatile long downUntil = Long.MIN_VALUE;
    private int restarts;
    private int number;

    public ComfyStandIn(byte[] image, byte[] audio) throws IOException {
        this.image = image;
        this.audio = audio;
        Thread.ofVirtual().start(this::accept);
        Thread.ofVirtual().start(this::work);
    }

    public String base() { return "http://127.0.0.1:" + socket.getLocalPort(); }

    public List<Request> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    /** Queues a prompt of another client, to check that nobody else's work is touched. */
    public synchronized String queueForeign() {
        String id = UUID.randomUUID().toString();
        pending.add(new Object[] {number++, id, Json.MAPPER.createObjectNode(), Map.of("client_id", "someone-else"), List.of()});
        return id;
    }

    public synchronized boolean isQueuedOrRunning(String id) {
        return (running != null && running[1].equals(id)) || pending.stream().anyMatch(p -> p[1].equals(id));
    }

    public JsonNode historyOf(String id) { return history.get(id); }

    /** The id of the prompt running now, or null. */
    public synchronized String runningPrompt() { return running == null ? null : (String) running[1]; }

    /** Forgets everything, as a restarted server does. */
    public void restart() { restart(0); }

    /**
     * Restarts: the websockets drop, for {@code downMillis} every connection is closed at once
     * (the process is gone), then the server answers again knowing nothing of what it had queued,
     * run or finished.
     */
    public void restart(long downMillis) {
        synchronized (this) {
            downUntil = System.nanoTime() + downMillis * 1_000_000L;
            pending.clear();
            history.clear();
            interruptRequested = running != null;
            running = null;
            restarts++;
        }
        for (Socket s : sockets.values()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // gone already
            }
        }
        sockets.clear();
    }

    /** How many times it restarted. */
    public synchronized int restarts() { return restarts; }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            if (System.nanoTime() < downUntil) {
                s.close();                                        // not up yet
                return;
            }
            InputStream in = s.getInputStream();
            var head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    s.close();
                    return;
                }
                head.write(c);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            String[] first = lines[0].split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) headers.put(lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).strip());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            String target = first[1];
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
            requests.add(new Request(first[0], path, query, body));
            if (path.equals("/ws")) {
                if (websocket && "websocket".equalsIgnoreCase(headers.get("upgrade"))) {
                    upgrade(s, headers.get("sec-websocket-key"), param(query, "clientId"));
                    return;
                }
                respond(s, 404, "text/plain", "no websocket here".getBytes());
                return;
            }
            route(s, first[0], path, query, body);
        } catch (Exception e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // gone
            }
        }
    }

    private void route(Socket s, String method, String path, String query, String body) throws Exception {
        if (method.equals("POST") && path.equals("/prompt")) {
            JsonNode json = Json.MAPPER.readTree(body);
            JsonNode prompt = json.path("prompt");
            if (!prompt.isObject()) {
                json(s, 400, "{\"error\": \"no prompt\", \"node_errors\": []}");
                return;
            }
            for (var node : prompt.properties()) {
                JsonNode ckpt = node.getValue().path("inputs").path("ckpt_name");
                if (ckpt.isTextual() && ckpt.asText().startsWith("missing")) {
                    json(s, 400, "{\"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\": \"Prompt outputs failed validation\","
                            + " \"details\": \"\", \"extra_info\": {}}, \"node_errors\": {\"" + node.getKey() + "\": {\"errors\": [{\"type\": "
                            + "\"value_not_in_list\", \"message\": \"Value not in list\", \"details\": \"ckpt_name: '" + ckpt.asText()
                            + "' not in ['flux1-dev.safetensors']\", \"extra_info\": {}}], \"dependent_outputs\": [\"9\"], \"class_type\": \""
                            + node.getValue().path("class_type").asText() + "\"}}}");
                    return;
                }
            }
            onPrompt.accept(json);
            String id = json.hasNonNull("prompt_id") ? json.get("prompt_id").asText() : UUID.randomUUID().toString();
            int n;
            synchronized (this) {
                n = number++;
                pending.add(new Object[] {n, id, prompt, Map.of("client_id", json.path("client_id").asText("")), List.of()});
            }
            json(s, 200, "{\"prompt_id\": \"" + id + "\", \"number\": " + n + ", \"node_errors\": {}}");
        } else if (method.equals("GET") && path.startsWith("/history/")) {
            String id = URLDecoder.decode(path.substring("/history/".length()), StandardCharsets.UTF_8);
            JsonNode h = history.get(id);
            ObjectNode out = Json.MAPPER.createObjectNode();
            if (h != null) out.set(id, h);
            json(s, 200, Json.write(out));
        } else if (method.equals("GET") && path.equals("/queue")) {
            synchronized (this) {
                json(s, 200, Json.write(Map.of("queue_running", running == null ? List.of() : List.of(List.of(running)),
                        "queue_pending", pending.stream().map(List::of).toList())));
            }
        } else if (method.equals("POST") && path.equals("/queue")) {
            JsonNode json = Json.MAPPER.readTree(body);
            synchronized (this) {
                for (JsonNode id : json.path("delete")) pending.removeIf(p -> p[1].equals(id.asText()));
            }
            respond(s, 200, "text/plain", new byte[0]);
        } else if (method.equals("POST") && path.equals("/interrupt")) {
            JsonNode json = body.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
            synchronized (this) {
                String id = json.path("prompt_id").asText("");
                if (running != null && (id.isEmpty() || running[1].equals(id))) interruptRequested = true;
            }
            respond(s, 200, "text/plain", new byte[0]);
        } else if (method.equals("GET") && path.equals("/view")) {
            byte[] file = files.get(param(query, "subfolder") + "/" + param(query, "filename"));
            if (file == null || !"output".equals(param(query, "type"))) respond(s, 404, "text/plain", "404: Not Found".getBytes());
            else respond(s, 200, param(query, "filename").endsWith(".png") ? "image/png" : "audio/wav", file);
        } else {
            respond(s, 404, "text/plain", "404: Not Found".getBytes());
        }
    }

    /** Runs queued prompts one at a time, telling every websocket client what happens, as ComfyUI does. */
    private void work() {
        while (!socket.isClosed()) {
            Object[] job;
            synchronized (this) {
                job = pending.isEmpty() ? null : pending.removeFirst();
                running = job;
                interruptRequested = false;
            }
            if (job == null) {
                sleep(20);
                continue;
            }
            String id = (String) job[1];
            JsonNode prompt = (JsonNode) job[2];
            var messages = new ArrayList<Object>();
            broadcast("execution_start", Map.of("prompt_id", id));
            messages.add(List.of("execution_start", Map.of("prompt_id", id)));
            String sampler = null, save = null, crash = null;
            for (var node : prompt.properties()) {
                String type = node.getValue().path("class_type").asText();
                if (type.startsWith("KSampler")) sampler = node.getKey();
                if (type.startsWith("Save")) save = node.getKey();
                for (var input : node.getValue().path("inputs").properties()) {
                    if (input.getValue().asText("").contains("CRASH")) crash = node.getKey();
                }
            }
            String node = sampler != null ? sampler : save != null ? save : "1";
            broadcast("executing", Map.of("node", node, "display_node", node, "prompt_id", id));
            boolean interrupted = false;
            for (int step = 1; step <= steps && !interrupted; step++) {
                sleep(runMillis / steps);
                if (running != job) break;                      // restarted: this execution no longer exists
                broadcast("progress", Map.of("value", step, "max", steps, "prompt_id", id, "node", node));
                interrupted = interruptRequested;
            }
            if (running != job) continue;
            var entry = new LinkedHashMap<String, Object>();
            entry.put("prompt", List.of(job[0], id, prompt, job[3], job[4]));
            var outputs = new LinkedHashMap<String, Object>();
            String status;
            if (interrupted) {
                var data = Map.of("prompt_id", id, "node_id", node, "node_type", "KSampler", "executed", List.of());
                broadcast("execution_interrupted", data);
                messages.add(List.of("execution_interrupted", data));
                status = "error";
            } else if (crash != null) {
                var data = Map.of("prompt_id", id, "node_id", crash, "node_type", prompt.path(crash).path("class_type").asText(),
                        "exception_message", "CUDA out of memory. Tried to allocate 2.00 GiB", "exception_type", "torch.OutOfMemoryError",
                        "traceback", List.of(), "executed", List.of());
                broadcast("execution_error", data);
                messages.add(List.of("execution_error", data));
                status = "error";
            } else if (save != null) {
                boolean speech = prompt.path(save).path("class_type").asText().contains("Audio");
                String filename = (speech ? "ComfyUI_" + number + "_.wav" : "ComfyUI_" + number + "_.png");
                String subfolder = speech ? "audio" : "";
                files.put(subfolder + "/" + filename, speech ? audio : image);
                var file = Map.of("filename", filename, "subfolder", subfolder, "type", "output");
                outputs.put(save, Map.of(speech ? "audio" : "images", List.of(file)));
                broadcast("executed", Map.of("node", save, "display_node", save, "output", outputs.get(save), "prompt_id", id));
                broadcast("execution_success", Map.of("prompt_id", id));
                messages.add(List.of("execution_success", Map.of("prompt_id", id)));
                status = "success";
            } else {
                broadcast("execution_success", Map.of("prompt_id", id));
                messages.add(List.of("execution_success", Map.of("prompt_id", id)));
                status = "success";
            }
            entry.put("outputs", outputs);
            entry.put("status", Map.of("status_str", status, "completed", status.equals("success"), "messages", messages));
            synchronized (this) {
                if (running == job) history.put(id, Json.MAPPER.valueToTree(entry));   // not when restarted meanwhile
                running = null;
            }
        }
    }

    private void broadcast(String type, Object data) {
        byte[] text = Json.write(Map.of("type", type, "data", data)).getBytes(StandardCharsets.UTF_8);
        for (var e : sockets.entrySet()) {
            try {
                frame(e.getValue().getOutputStream(), text);
            } catch (IOException gone) {
                sockets.remove(e.getKey());
            }
        }
    }

    private void upgrade(Socket s, String key, String clientId) throws Exception {
        String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        sockets.put(clientId.isEmpty() ? UUID.randomUUID().toString() : clientId, s);
        frame(out, Json.write(Map.of("type", "status", "data", Map.of("status", Map.of("exec_info", Map.of("queue_remaining", pending.size())),
                "sid", clientId))).getBytes(StandardCharsets.UTF_8));
        try (InputStream in = s.getInputStream()) {
            while (in.read() >= 0) {
                // the client's frames (close, pong) are not needed here
            }
        } finally {
            sockets.values().remove(s);
        }
    }

    private static synchronized void frame(OutputStream out, byte[] payload) throws IOException {
        var f = new ByteArrayOutputStream();
        f.write(0x81);
        if (payload.length < 126) f.write(payload.length);
        else if (payload.length < 65536) {
            f.write(126);
            f.write(payload.length >> 8);
            f.write(payload.length & 0xFF);
        } else {
            f.write(127);
            for (int i = 7; i >= 0; i--) f.write((int) ((long) payload.length >> (8 * i)) & 0xFF);
        }
        f.write(payload);
        out.write(f.toByteArray());
        out.flush();
    }

    private static void json(Socket s, int status, String body) throws IOException {
        respond(s, status, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(Socket s, int status, String type, byte[] body) throws IOException {
        try (s) {
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        }
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return "";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : sockets.values()) s.close();
    }
}
