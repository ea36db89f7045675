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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * YouTube and Google's OAuth on loopback for tests, one raw HTTP/1.1 server (so it can drop a
 * connection in the middle of a request body), speaking what the Data API v3 and Google's OAuth
 * documents:
 * <ul>
 * <li>{@code POST /upload/youtube/v3/videos?uploadType=resumable&part=…} with the video resource,
 * {@code X-Upload-Content-Length} and {@code X-Upload-Content-Type}: 200 and the session in
 * {@code Location}; {@code PUT} to the session with {@code Content-Range: bytes A-B/TOTAL}: 308 with
 * {@code Range: bytes=0-N} (none while nothing is held), chunks that are not multiples of 256 KiB
 * (but the last) refused with 400 as YouTube does, a chunk that starts past what is held refused;
 * {@code Content-Range: bytes *}{@code /TOTAL} asks the status; 201 with the video resource when
 * complete (200 when asked again later); an unknown session 404, an expired one 404 or 410;</li>
 * <li>{@code POST /upload/youtube/v3/captions?uploadType=multipart&part=snippet} (multipart/related:
 * the caption resource, then the file), {@code GET /youtube/v3/captions} and
 * {@code GET /youtube/v3/videos?part=status,processingDetails} (processing succeeds after a few
 * polls, or fails or is rejected when told);</li>
 * <li>{@code GET /o/oauth2/v2/auth} (consent given at once: a 302 to the loopback redirect with
 * {@code code} and {@code state}; PKCE S256 required) and {@code POST /token}
 * ({@code authorization_code} with the verifier checked against the challenge, {@code refresh_token},
 * {@code invalid_grant}, {@code invalid_client});</li>
 * <li>quotas: {@code videos.insert} in its own bucket, 10,000 units for the rest (captions.insert 400,
 * captions.list 50, videos.list 1), {@code quotaExceeded} past them.</li>
 * </ul>
 * Faults a test can order: drop the connection in the middle of the next chunk, answer 503, lose the
 * final answer after storing the video, stall, expire the session, answer 401 once, slow chunks.
 */
public final class YouTubeStandIn implements AutoCloseable {
    public static final int QUANTUM = 256 * 1024;

    /** One request as the server saw it (the form body only for the token endpoint: it carries the secrets under test). */
    public record Request(String method, String path, String query, Map<String, String> headers, long bodyBytes, String form, long nanos) {
        public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    /** A video on the "channel": its id, the resource as stored, and the bytes it was made of. */
    public record Video(String id, ObjectNode resource, byte[] bytes, String session) {}

    /** A caption track: the video, language, name and the file. */
    public record Caption(String id, String videoId, String language, String name, byte[] file) {}

    private static final class Session {
        final String id;
        final long total;
        final String type;
        final ObjectNode resource;
        final ByteArrayOutputStream stored = new ByteArrayOutputStream();
        volatile boolean expired;
        volatile String videoId;

        Session(String id, long total, String type, ObjectNode resource) {
            this.id = id;
            this.total = total;
            this.type = type;
            this.resource = resource;
        }
    }

    private record Code(String clientId, String redirect, String challenge, String scope) {}

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final String clientId = "1234-standin.apps.googleusercontent.com";
    public final String clientSecret = "GOCSPX-standin-" + UUID.randomUUID().toString().substring(0, 8);
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Video> videos = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final List<Caption> captions = new CopyOnWriteArrayList<>();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, Long> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, Integer> polls = new ConcurrentHashMap<>();
    private final AtomicInteger inserts = new AtomicInteger();
    private final AtomicInteger units = new AtomicInteger();

    /** Daily limits (the defaults are YouTube's). */
    public volatile int videoInsertLimit = 100;
    public volatile int unitLimit = 10_000;
    /** Faults: each applies to the next matching request, then clears itself (except the slow and expiry settings). */
    public volatile boolean dropNextChunk;
    public final AtomicInteger unavailable = new AtomicInteger();
    public volatile boolean loseFinalAnswer;
    public volatile long stallNextChunkMillis;
    public volatile boolean unauthorizedOnce;
    public volatile boolean rejectNextUploadLimit;
    public volatile long chunkDelayMillis;
    public volatile int expiredStatus = 404;
    public volatile long accessTokenSeconds = 3599;
    public volatile int processingPolls = 2;
    public volatile String rejectProcessing;
    /** Redirect session creation (307) to another origin, or give sessions an address there. */
    public volatile String redirectSessionsTo;
    public volatile String sessionsOn;

    public YouTubeStandIn() throws IOException {
        Thread.ofVirtual().start(this::accept);
    }

    public String base() { return "http://127.0.0.1:" + socket.getLocalPort(); }

    /** The settings that point shortsmith here, with this client (a sign-in is still needed: {@link #refreshToken()} or --login). */
    public Map<String, String> env() {
        var env = new LinkedHashMap<String, String>();
        env.put("YOUTUBE_API_BASE", base() + "/youtube/v3");
        env.put("YOUTUBE_UPLOAD_BASE", base() + "/upload/youtube/v3");
        env.put("OAUTH_AUTH_URL", base() + "/o/oauth2/v2/auth");
        env.put("OAUTH_TOKEN_URL", base() + "/token");
        env.put("YOUTUBE_CLIENT_ID", clientId);
        env.put("YOUTUBE_CLIENT_SECRET", clientSecret);
        return env;
    }

    /** A refresh token as if the user had signed in (what YOUTUBE_REFRESH_TOKEN holds on a machine without a browser). */
    public String refreshToken() {
        String t = "1//standin-refresh-" + UUID.randomUUID();
        refreshTokens.put(t, true);
        return t;
    }

    public void revoke(String refreshToken) { refreshTokens.put(refreshToken, false); }

    public List<Video> videos() { return List.copyOf(videos.values()); }

    public List<Caption> captions() { return List.copyOf(captions); }

    public int sessionsStarted() { return sessions.size(); }

    /** Bytes the session of the only video in progress holds (for kill tests). */
    public long held(String sessionId) {
        Session s = sessions.get(sessionId);
        return s == null ? -1 : s.stored.size();
    }

    /** Expires every session (as a week going by would). */
    public void expireSessions() { sessions.values().forEach(s -> s.expired = true); }

    public List<Request> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    /** Every chunk PUT (not status queries), as "A-B/T". */
    public List<String> chunkRanges() {
        return requests("PUT", "/upload/youtube/v3/videos").stream().map(r -> r.header("content-range")).filter(c -> c != null && !c.contains("*"))
                .map(c -> c.replace("bytes ", "")).toList();
    }

    // --- the server -------------------------------------------------------------------------

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

    private record Head(String method, String path, String query, Map<String, String> headers) {}

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                Head h = readHead(in);
                if (h == null) return;
                if (!handle(h, in, out, s)) return;
            }
        } catch (IOException | InterruptedException ignored) {
            // the client went away, or a fault closed the connection
        }
    }

    private static Head readHead(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        var lines = new ArrayList<String>();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) return null;
            if (c == '\n' && prev == '\r') {
                byte[] b = line.toByteArray();
                String l = new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
                if (l.isEmpty()) break;
                lines.add(l);
                line.reset();
            } else {
                line.write(c);
            }
            prev = c;
        }
        String[] first = lines.getFirst().split(" ");
        String target = first[1];
        int q = target.indexOf('?');
        var headers = new LinkedHashMap<String, String>();
        for (String l : lines.subList(1, lines.size())) {
            int colon = l.indexOf(':');
            if (colon > 0) headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return new Head(first[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1), headers);
    }

    private static byte[] readBody(Head h, InputStream in, long limit) throws IOException {
        if ("chunked".equalsIgnoreCase(h.headers().get("transfer-encoding"))) {
            var out = new ByteArrayOutputStream();
            while (true) {
                var size = new StringBuilder();
                for (int c; (c = in.read()) != '\n'; ) {
                    if (c < 0) throw new IOException("eof");
                    if (c != '\r') size.append((char) c);
                }
                int n = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
                if (n == 0) {
                    in.read();
                    in.read();
                    return out.toByteArray();
                }
                out.write(in.readNBytes(n));
                in.read();
                in.read();
            }
        }
        long n = Long.parseLong(h.headers().getOrDefault("content-length", "0"));
        return in.readNBytes((int) Math.min(n, limit));
    }

    /** Handles one request; false when the connection is to be closed. */
    private boolean handle(Head h, InputStream in, OutputStream out, Socket s) throws IOException, InterruptedException {
        String path = h.path();
        if (h.method().equals("PUT") && path.equals("/upload/youtube/v3/videos")) return chunk(h, in, out, s);
        byte[] body = readBody(h, in, 64 << 20);
        String form = path.equals("/token") ? new String(body, StandardCharsets.UTF_8) : null;
        requests.add(new Request(h.method(), path, h.query(), h.headers(), body.length, form, System.nanoTime()));
        Map<String, String> q = query(h.query());
        if (path.equals("/o/oauth2/v2/auth") && h.method().equals("GET")) return consent(q, out);
        if (path.equals("/token") && h.method().equals("POST")) return token(query(form), out);
        if (!authorized(h, out)) return false;
        if (path.equals("/upload/youtube/v3/videos") && h.method().equals("POST")) return startSession(h, q, body, out);
        if (path.equals("/upload/youtube/v3/captions") && h.method().equals("POST")) return insertCaption(h, body, out);
        if (path.equals("/youtube/v3/captions") && h.method().equals("GET")) return listCaptions(q, out);
        if (path.equals("/youtube/v3/videos") && h.method().equals("GET")) return listVideos(q, out);
        return answer(out, 404, "application/json", error(404, "notFound", "Not Found"), Map.of());
    }

    private boolean authorized(Head h, OutputStream out) throws IOException {
        String auth = h.headers().getOrDefault("authorization", "");
        String token = auth.startsWith("Bearer ") ? auth.substring(7) : "";
        Long expires = accessTokens.get(token);
        boolean ok = expires != null && System.nanoTime() < expires;
        if (ok && unauthorizedOnce) {
            unauthorizedOnce = false;
            ok = false;
        }
        if (ok) return true;
        answer(out, 401, "application/json", error(401, "authError", "Request had invalid authentication credentials."),
                Map.of("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""));
        return false;
    }

    private boolean startSession(Head h, Map<String, String> q, byte[] body, OutputStream out) throws IOException {
        if (!"resumable".equals(q.get("uploadType"))) return answer(out, 400, "application/json", error(400, "badRequest", "uploadType=resumable expected"), Map.of());
        if (redirectSessionsTo != null) {
            return answer(out, 307, "text/plain", new byte[0], Map.of("Location", redirectSessionsTo + "/upload/youtube/v3/videos?" + h.query()));
        }
        if (rejectNextUploadLimit) {
            rejectNextUploadLimit = false;
            return answer(out, 400, "application/json", error(400, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload.",
                    "youtube.video"), Map.of());
        }
        if (inserts.incrementAndGet() > videoInsertLimit) {
            return answer(out, 403, "application/json", error(403, "quotaExceeded",
                    "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.", "youtube.quota"), Map.of());
        }
        long total;
        try {
            total = Long.parseLong(h.headers().getOrDefault("x-upload-content-length", ""));
        } catch (NumberFormatException e) {
            return answer(out, 400, "application/json", error(400, "badRequest", "X-Upload-Content-Length is required"), Map.of());
        }
        String type = h.headers().getOrDefault("x-upload-content-type", "");
        if (!type.startsWith("video/") && !type.equals("application/octet-stream")) {
            return answer(out, 400, "application/json", error(400, "badRequest", "unsupported media type " + type), Map.of());
        }
        JsonNode video = Json.MAPPER.readTree(body);
        JsonNode snippet = video.path("snippet"), status = video.path("status");
        String title = snippet.path("title").asText("");
        if (title.isBlank() || title.codePointCount(0, title.length()) > 100 || title.contains("<") || title.contains(">")) {
            return answer(out, 400, "application/json", error(400, "invalidTitle", "The request metadata specifies an invalid or empty video title."), Map.of());
        }
        if (snippet.path("description").asText("").getBytes(StandardCharsets.UTF_8).length > 5000) {
            return answer(out, 400, "application/json", error(400, "invalidDescription", "The request metadata specifies an invalid video description."), Map.of());
        }
        if (status.has("publishAt") && !"private".equals(status.path("privacyStatus").asText())) {
            return answer(out, 400, "application/json", error(400, "invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time."), Map.of());
        }
        String id = "standin-" + UUID.randomUUID().toString().replace("-", "");
        sessions.put(id, new Session(id, total, type, (ObjectNode) video));
        return answer(out, 200, "application/json", new byte[0],
                Map.of("Location", (sessionsOn == null ? base() : sessionsOn) + "/upload/youtube/v3/videos?uploadType=resumable&upload_id=" + id + "&part=snippet,status"));
    }

    /** A PUT to a session: a chunk, or a status query. */
    private boolean chunk(Head h, InputStream in, OutputStream out, Socket s) throws IOException, InterruptedException {
        Map<String, String> q = query(h.query());
        String range = h.headers().getOrDefault("content-range", "");
        long length = Long.parseLong(h.headers().getOrDefault("content-length", "0"));
        requests.add(new Request("PUT", h.path(), h.query(), h.headers(), length, null, System.nanoTime()));
        if (!authorizedQuiet(h)) {
            readBody(h, in, length);
            return answer(out, 401, "application/json", error(401, "authError", "Request had invalid authentication credentials."), Map.of());
        }
        Session session = sessions.get(q.getOrDefault("upload_id", ""));
        if (session == null || session.expired) {
            readBody(h, in, length);
            return answer(out, session == null ? 404 : expiredStatus, "application/json", error(session == null ? 404 : expiredStatus, "notFound",
                    "The upload session was not found."), Map.of());
        }
        var status = java.util.regex.Pattern.compile("bytes \\*/(\\d+)").matcher(range);
        if (status.matches()) {
            if (Long.parseLong(status.group(1)) != session.total) return answer(out, 400, "application/json", error(400, "badRequest", "wrong total"), Map.of());
            return sessionState(session, out, 200);
        }
        var m = java.util.regex.Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)").matcher(range);
        if (!m.matches()) {
            readBody(h, in, length);
            return answer(out, 400, "application/json", error(400, "badRequest", "Content-Range is required"), Map.of());
        }
        long a = Long.parseLong(m.group(1)), b = Long.parseLong(m.group(2)), t = Long.parseLong(m.group(3));
        long n = b - a + 1;
        String problem = t != session.total ? "the total does not match X-Upload-Content-Length"
                : n != length ? "Content-Range and Content-Length disagree"
                : b + 1 < t && n % QUANTUM != 0 ? "Invalid request. The number of bytes uploaded is required to be a multiple of 262144 bytes, except for the last request."
                : a > session.stored.size() ? "the chunk starts at " + a + " but the session holds " + session.stored.size() + " bytes"
                : b >= t ? "the range ends past the total" : null;
        if (problem != null) {
            readBody(h, in, length);
            return answer(out, 400, "application/json", error(400, "badRequest", problem), Map.of());
        }
        if (unavailable.get() > 0 && unavailable.getAndDecrement() > 0) {
            readBody(h, in, length);
            return answer(out, 503, "application/json", error(503, "backendError", "Backend Error"), Map.of());
        }
        if (chunkDelayMillis > 0) Thread.sleep(chunkDelayMillis);
        if (dropNextChunk) {
            dropNextChunk = false;
            byte[] part = in.readNBytes((int) (n / 2));
            store(session, a, part, true);
            reset(s);
            return false;
        }
        if (stallNextChunkMillis > 0) {
            long stall = stallNextChunkMillis;
            stallNextChunkMillis = 0;
            byte[] part = in.readNBytes((int) (n / 2));
            store(session, a, part, true);
            Thread.sleep(stall);
            reset(s);
            return false;
        }
        byte[] bytes = in.readNBytes((int) n);
        if (bytes.length < n) return false;
        store(session, a, bytes, false);
        if (loseFinalAnswer && session.videoId != null) {
            loseFinalAnswer = false;
            reset(s);
            return false;
        }
        return sessionState(session, out, 201);
    }

    private boolean authorizedQuiet(Head h) {
        String auth = h.headers().getOrDefault("authorization", "");
        Long expires = accessTokens.get(auth.startsWith("Bearer ") ? auth.substring(7) : "");
        boolean ok = expires != null && System.nanoTime() < expires;
        if (ok && unauthorizedOnce) {
            unauthorizedOnce = false;
            return false;
        }
        return ok;
    }

    /** Keeps the bytes of a chunk from {@code at}: what the session lacks; a broken chunk keeps only whole 256 KiB pieces, as a server persists them. */
    private synchronized void store(Session session, long at, byte[] bytes, boolean broken) {
        long have = session.stored.size();
        int from = (int) (have - at);
        int to = bytes.length;
        if (broken) to = (int) (((at + to) / QUANTUM) * QUANTUM - at);
        if (to > from && from >= 0) session.stored.write(bytes, from, to - from);
        if (session.stored.size() == session.total && session.videoId == null) {
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(UUID.randomUUID().toString().getBytes()).substring(0, 11);
            ObjectNode resource = session.resource.deepCopy();
            resource.put("kind", "youtube#video").put("etag", "standin").put("id", id);
            resource.withObjectProperty("snippet").put("publishedAt", Instant.now().toString()).put("channelId", "UCstandin");
            resource.withObjectProperty("status").put("uploadStatus", "uploaded").put("license", "youtube").put("embeddable", true);
            session.videoId = id;
            videos.put(id, new Video(id, resource, session.stored.toByteArray(), session.id));
        }
    }

    private boolean sessionState(Session session, OutputStream out, int doneStatus) throws IOException {
        if (session.videoId != null) {
            return answer(out, session.stored.size() == session.total && doneStatus == 201 ? 201 : 200, "application/json",
                    Json.write(videos.get(session.videoId).resource()).getBytes(StandardCharsets.UTF_8), Map.of());
        }
        long held = session.stored.size();
        return answer(out, 308, "text/plain", new byte[0], held == 0 ? Map.of() : Map.of("Range", "bytes=0-" + (held - 1)));
    }

    private boolean insertCaption(Head h, byte[] body, OutputStream out) throws IOException {
        if (units.addAndGet(400) > unitLimit) {
            return answer(out, 403, "application/json", error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.",
                    "youtube.quota"), Map.of());
        }
        String type = h.headers().getOrDefault("content-type", "");
        var bm = java.util.regex.Pattern.compile("multipart/related;\\s*boundary=\"?([^\";]+)\"?").matcher(type);
        if (!bm.find()) return answer(out, 400, "application/json", error(400, "badRequest", "multipart/related expected, got " + type), Map.of());
        List<byte[]> parts = multipart(body, bm.group(1));
        if (parts.size() != 2) return answer(out, 400, "application/json", error(400, "badRequest", parts.size() + " parts; expected metadata and media"), Map.of());
        byte[] meta = parts.get(0), file = parts.get(1);
        JsonNode snippet = Json.MAPPER.readTree(bodyOf(meta)).path("snippet");
        String videoId = snippet.path("videoId").asText(""), language = snippet.path("language").asText(""), name = snippet.path("name").asText("");
        if (!videos.containsKey(videoId)) return answer(out, 404, "application/json", error(404, "videoNotFound", "The video was not found."), Map.of());
        if (language.isBlank()) return answer(out, 400, "application/json", error(400, "invalidMetadata", "snippet.language is required"), Map.of());
        byte[] content = bodyOf(file);
        if (content.length == 0) return answer(out, 400, "application/json", error(400, "contentRequired", "The caption file is empty."), Map.of());
        String id = "AUieDa" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        captions.add(new Caption(id, videoId, language, name, content));
        var r = Json.MAPPER.createObjectNode().put("kind", "youtube#caption").put("id", id);
        r.putObject("snippet").put("videoId", videoId).put("language", language).put("name", name).put("trackKind", "standard").put("isDraft", false)
                .put("status", "serving").put("lastUpdated", Instant.now().toString());
        return answer(out, 200, "application/json", Json.write(r).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** The parts of a multipart body, each with its headers. */
    private static List<byte[]> multipart(byte[] body, String boundary) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        var parts = new ArrayList<byte[]>();
        int i = indexOf(body, delim, 0);
        while (i >= 0) {
            int start = i + delim.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') break;
            start += 2;                                          // CRLF after the boundary
            int next = indexOf(body, delim, start);
            if (next < 0) break;
            parts.add(java.util.Arrays.copyOfRange(body, start, next - 2));   // CRLF before the next boundary
            i = next;
        }
        return parts;
    }

    private static byte[] bodyOf(byte[] part) {
        int at = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        return at < 0 ? part : java.util.Arrays.copyOfRange(part, at + 4, part.length);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private boolean listCaptions(Map<String, String> q, OutputStream out) throws IOException {
        if (units.addAndGet(50) > unitLimit) return answer(out, 403, "application/json", error(403, "quotaExceeded", "quota", "youtube.quota"), Map.of());
        var r = Json.MAPPER.createObjectNode().put("kind", "youtube#captionListResponse");
        var items = r.putArray("items");
        for (Caption c : captions) {
            if (!c.videoId().equals(q.get("videoId"))) continue;
            var item = items.addObject().put("kind", "youtube#caption").put("id", c.id());
            item.putObject("snippet").put("videoId", c.videoId()).put("language", c.language()).put("name", c.name()).put("trackKind", "standard");
        }
        return answer(out, 200, "application/json", Json.write(r).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private boolean listVideos(Map<String, String> q, OutputStream out) throws IOException {
        if (units.addAndGet(1) > unitLimit) return answer(out, 403, "application/json", error(403, "quotaExceeded", "quota", "youtube.quota"), Map.of());
        var r = Json.MAPPER.createObjectNode().put("kind", "youtube#videoListResponse");
        var items = r.putArray("items");
        Video v = videos.get(q.getOrDefault("id", ""));
        if (v != null) {
            int n = polls.merge(v.id(), 1, Integer::sum);
            var item = items.addObject().put("kind", "youtube#video").put("id", v.id());
            ObjectNode st = v.resource().path("status").deepCopy();
            var pd = item.putObject("processingDetails");
            if (n >= processingPolls && rejectProcessing != null) {
                st.put("uploadStatus", "rejected").put("rejectionReason", rejectProcessing);
                pd.put("processingStatus", "terminated");
            } else if (n >= processingPolls) {
                st.put("uploadStatus", "processed");
                pd.put("processingStatus", "succeeded");
            } else {
                pd.put("processingStatus", "processing");
                pd.putObject("processingProgress").put("partsTotal", "10").put("partsProcessed", String.valueOf(n * 10 / processingPolls))
                        .put("timeLeftMs", String.valueOf((processingPolls - n) * 1000));
            }
            item.set("status", st);
        }
        return answer(out, 200, "application/json", Json.write(r).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private boolean consent(Map<String, String> q, OutputStream out) throws IOException {
        String redirect = q.getOrDefault("redirect_uri", "");
        if (!clientId.equals(q.get("client_id"))) return answer(out, 400, "text/plain", bytes("Error 401: invalid_client"), Map.of());
        if (!redirect.matches("http://127\\.0\\.0\\.1:\\d+/?")) return answer(out, 400, "text/plain", bytes("Error 400: redirect_uri_mismatch"), Map.of());
        if (!"S256".equals(q.get("code_challenge_method")) || q.getOrDefault("code_challenge", "").length() < 43) {
            return answer(out, 400, "text/plain", bytes("Error 400: invalid_request (PKCE S256 required by this stand-in)"), Map.of());
        }
        if (!"code".equals(q.get("response_type")) || !q.getOrDefault("scope", "").contains("youtube.upload")) {
            return answer(out, 400, "text/plain", bytes("Error 400: invalid_request"), Map.of());
        }
        String code = "4/standin-code-" + UUID.randomUUID();
        codes.put(code, new Code(q.get("client_id"), redirect, q.get("code_challenge"), q.get("scope")));
        String location = redirect + "?state=" + enc(q.getOrDefault("state", "")) + "&code=" + enc(code) + "&scope=" + enc(q.get("scope"));
        return answer(out, 302, "text/html", new byte[0], Map.of("Location", location));
    }

    private boolean token(Map<String, String> f, OutputStream out) throws IOException {
        if (!clientId.equals(f.get("client_id")) || !clientSecret.equals(f.get("client_secret"))) {
            return answer(out, 401, "application/json", bytes("{\"error\":\"invalid_client\",\"error_description\":\"The OAuth client was not found.\"}"), Map.of());
        }
        var r = Json.MAPPER.createObjectNode();
        switch (f.getOrDefault("grant_type", "")) {
            case "authorization_code" -> {
                Code c = codes.remove(f.getOrDefault("code", ""));
                String verifier = f.getOrDefault("code_verifier", "");
                if (c == null || !c.redirect().equals(f.get("redirect_uri")) || !c.challenge().equals(s256(verifier))) {
                    return answer(out, 400, "application/json", bytes("{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}"), Map.of());
                }
                r.put("refresh_token", refreshToken()).put("scope", c.scope());
            }
            case "refresh_token" -> {
                if (!Boolean.TRUE.equals(refreshTokens.get(f.getOrDefault("refresh_token", "")))) {
                    return answer(out, 400, "application/json", bytes("{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}"), Map.of());
                }
                r.put("scope", "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.force-ssl");
            }
            default -> {
                return answer(out, 400, "application/json", bytes("{\"error\":\"unsupported_grant_type\"}"), Map.of());
            }
        }
        String access = "ya29.standin-" + UUID.randomUUID();
        accessTokens.put(access, System.nanoTime() + accessTokenSeconds * 1_000_000_000L);
        r.put("access_token", access).put("expires_in", accessTokenSeconds).put("token_type", "Bearer");
        return answer(out, 200, "application/json", Json.write(r).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Every access token issued so far (tests look for them in output). */
    public List<String> accessTokens() { return List.copyOf(accessTokens.keySet()); }

    public List<String> refreshTokens() { return List.copyOf(refreshTokens.keySet()); }

    /** Every secret this server has handed out or holds: access and refresh tokens, the client secret (none may show in any output). */
    public List<String> secrets() {
        var all = new ArrayList<>(accessTokens.keySet());
        all.addAll(refreshTokens.keySet());
        all.add(clientSecret);
        return all;
    }

    static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] error(int code, String reason, String message) { return error(code, reason, message, "youtube.api"); }

    private static byte[] error(int code, String reason, String message, String domain) {
        var r = Json.MAPPER.createObjectNode();
        var e = r.putObject("error").put("code", code).put("message", message);
        e.putArray("errors").addObject().put("message", message).put("domain", domain).put("reason", reason);
        return Json.write(r).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean answer(OutputStream out, int status, String type, byte[] body, Map<String, String> headers) throws IOException {
        var sb = new StringBuilder("HTTP/1.1 ").append(status).append(status == 308 ? " Resume Incomplete" : status == 200 ? " OK" : " Status").append("\r\n");
        sb.append("Content-Type: ").append(type).append("\r\nContent-Length: ").append(body.length).append("\r\nConnection: close\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        return false;
    }

    /** Closes with a TCP reset, as a dropped connection looks to the client. */
    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static Map<String, String> query(String raw) {
        var out = new LinkedHashMap<String, String>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Override
    public void close() throws IOException { socket.close(); }

    /**
     * Runs the stand-in alone, for trying publish by hand: prints the settings (with a refresh token)
     * as shell exports, then what it holds each time a line is read on stdin, until stdin ends.
     */
    public static void main(String... args) throws Exception {
        try (var standIn = new YouTubeStandIn()) {
            standIn.env().forEach((k, v) -> System.out.println("export " + k + "=" + v));
            System.out.println("export YOUTUBE_REFRESH_TOKEN=" + standIn.refreshToken());
            System.out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            while (in.readLine() != null) System.out.println(standIn.describe());
            System.out.println(standIn.describe());
        }
    }

    /** What the stand-in holds: each video (its bytes' SHA-256, snippet and status), its caption tracks, and the sessions started. */
    public String describe() throws Exception {
        var r = Json.MAPPER.createObjectNode();
        r.put("sessionsStarted", sessions.size()).put("videosInsertCalls", inserts.get()).put("unitsUsed", units.get());
        var vs = r.putArray("videos");
        for (Video v : videos.values()) {
            var o = vs.addObject().put("id", v.id()).put("bytes", v.bytes().length)
                    .put("sha256", java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v.bytes())));
            o.set("snippet", v.resource().path("snippet"));
            o.set("status", v.resource().path("status"));
            var cs = o.putArray("captions");
            for (Caption c : captions) {
                if (c.videoId().equals(v.id())) {
                    cs.addObject().put("id", c.id()).put("language", c.language()).put("name", c.name()).put("bytes", c.file().length)
                            .put("firstLines", new String(c.file(), StandardCharsets.UTF_8).lines().limit(3).reduce((a, b) -> a + " | " + b).orElse(""));
                }
            }
        }
        return Json.write(r);
    }
}
