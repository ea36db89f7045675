package shortsmith.publish;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Secrets;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.providers.Http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * The YouTube Data API v3 calls publish makes: {@code videos.insert} through the resumable upload
 * protocol (a session made with the video resource; bytes in PUTs with {@code Content-Range};
 * {@code 308} with or without {@code Range} while incomplete; an empty PUT with
 * {@code Content-Range: bytes *}{@code /TOTAL} asks how far it got), {@code captions.insert}
 * (multipart), {@code captions.list} and {@code videos.list}. The access token goes only to the
 * API's and the upload's origins (each an {@link Http} whose key origin is that base); a 401
 * renews it once.
 */
public final class YouTube {
    private final Http api;
    private final Http upload;
    private final URI apiBase;
    private final URI uploadBase;
    private final OAuth.Tokens tokens;

    YouTube(Http api, Http upload, URI apiBase, URI uploadBase, OAuth.Tokens tokens) {
        this.api = api;
        this.upload = upload;
        this.apiBase = apiBase;
        this.uploadBase = uploadBase;
        this.tokens = tokens;
    }

    public static YouTube of(Settings settings, OAuth.Tokens tokens) {
        URI api = URI.create(settings.youtube().apiBase() + "/"), up = URI.create(settings.youtube().uploadBase() + "/");
        return new YouTube(Http.of("YouTube", settings, api), Http.of("YouTube", settings, up), api, up, tokens);
    }

    /** What an upload session says: complete (with the video resource) or how many bytes it holds. */
    record Session(long held, JsonNode video) {
        boolean complete() { return video != null; }
    }

    /** The session's address was refused as unknown (404) or gone (410): it expired, and its bytes with it. */
    static final class SessionGone extends ShortsmithException {
        SessionGone(int status) { super(ExitCode.PROVIDER, "YouTube no longer knows the upload session (HTTP " + status + "): it expired"); }
    }

    /**
     * Starts a resumable upload of {@code size} bytes of {@code type} with the video resource; the
     * session's address, which must be on the upload origin (the token goes nowhere else).
     */
    URI startUpload(Map<String, Object> resource, long size, String type, boolean notifySubscribers) throws InterruptedException {
        URI uri = uploadBase.resolve("videos?uploadType=resumable&part=snippet,status" + (notifySubscribers ? "" : "&notifySubscribers=false"));
        var headers = Map.of("X-Upload-Content-Length", Long.toString(size), "X-Upload-Content-Type", type);
        byte[] body = Json.write(resource).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = upload.withRetries(() -> call("videos.insert", upload, "POST", uri, headers,
                new Http.Payload("application/json; charset=UTF-8", body), Http.Kind.FREE), (n, e, wait) -> {});
        String location = r.headers().firstValue("Location").orElse("");
        URI session;
        try {
            session = uploadBase.resolve(new URI(location));
        } catch (java.net.URISyntaxException e) {
            throw new ShortsmithException(ExitCode.PROVIDER, "YouTube started the upload without a usable session address (Location)");
        }
        if (location.isBlank() || !sameOrigin(session, uploadBase)) {
            throw new ShortsmithException(ExitCode.PROVIDER, "YouTube started the upload with a session address "
                    + (location.isBlank() ? "missing" : "on another origin (" + session.getHost() + ")") + "; nothing was sent");
        }
        Secrets.register(session.toString());   // the address lets whoever holds it add bytes: kept out of messages
        return session;
    }

    /** Sends {@code chunk} at {@code offset} of {@code total}; {@code sent} hears the bytes that left so far. */
    Session put(URI session, byte[] chunk, long offset, long total, String type, LongConsumer sent) throws InterruptedException {
        var headers = Map.of("Content-Range", "bytes " + offset + "-" + (offset + chunk.length - 1) + "/" + total);
        return session(call("the upload", upload, "PUT", session, headers, new Http.Payload(type, chunk, sent), Http.Kind.UPLOAD), total);
    }

    /** Asks the session how far it got (an empty PUT with {@code Content-Range: bytes *}{@code /TOTAL}). */
    Session query(URI session, long total) throws InterruptedException {
        return session(call("the upload", upload, "PUT", session, Map.of("Content-Range", "bytes */" + total), null, Http.Kind.UPLOAD), total);
    }

    private static final Pattern RANGE = Pattern.compile("bytes=0-(\\d{1,18})");

    private static Session session(HttpResponse<byte[]> r, long total) {
        if (r.statusCode() == 308) {
            Optional<String> range = r.headers().firstValue("Range");
            if (range.isEmpty()) return new Session(0, null);           // nothing received yet
            var m = RANGE.matcher(range.get().strip());
            long held = m.matches() ? Long.parseLong(m.group(1)) + 1 : -1;
            if (held < 0 || held > total) {
                throw new ShortsmithException(ExitCode.PROVIDER, "YouTube's upload answer has an unusable Range header (" + range.get().strip()
                        + " of " + total + " bytes)");
            }
            return new Session(held, null);
        }
        JsonNode video = json(r.body());
        if (!video.path("id").isTextual() || video.path("id").asText().isBlank()) {
            throw new ShortsmithException(ExitCode.PROVIDER, "YouTube finished the upload (HTTP " + r.statusCode() + ") without a video id");
        }
        return new Session(total, video);
    }

    /** Uploads a caption track for {@code videoId} (captions.insert, multipart: the caption resource, then the file). */
    JsonNode insertCaption(String videoId, String language, String name, byte[] file) throws InterruptedException {
        URI uri = uploadBase.resolve("captions?uploadType=multipart&part=snippet");
        var snippet = Map.of("snippet", Map.of("videoId", videoId, "language", language, "name", name, "isDraft", false));
        String boundary = "shortsmith-" + OAuth.random(18);
        var body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" + Json.write(snippet) + "\r\n--" + boundary
                + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var payload = new Http.Payload("multipart/related; boundary=" + boundary, body.toByteArray());
        return json(call("captions.insert", upload, "POST", uri, Map.of(), payload, Http.Kind.PAID).body());
    }

    /** The video's caption tracks (captions.list). */
    List<JsonNode> captions(String videoId) throws InterruptedException {
        URI uri = apiBase.resolve("captions?part=snippet&videoId=" + OAuth.enc(videoId));
        JsonNode answer = api.withRetries(() -> json(call("captions.list", api, "GET", uri, Map.of(), null, Http.Kind.FREE).body()), (n, e, w) -> {});
        var items = new java.util.ArrayList<JsonNode>();
        answer.path("items").forEach(items::add);
        return items;
    }

    /** The video's status and processing details (videos.list?part=status,processingDetails), or empty when YouTube has none. */
    Optional<JsonNode> video(String videoId) throws InterruptedException {
        URI uri = apiBase.resolve("videos?part=status,processingDetails&id=" + OAuth.enc(videoId));
        JsonNode answer = api.withRetries(() -> json(call("videos.list", api, "GET", uri, Map.of(), null, Http.Kind.FREE).body()), (n, e, w) -> {});
        JsonNode first = answer.path("items").path(0);
        return first.isObject() ? Optional.of(first) : Optional.empty();
    }

    /** One request with the current access token; a 401 renews the token and sends it once more. YouTube's refusals said in words. */
    private HttpResponse<byte[]> call(String what, Http http, String method, URI uri, Map<String, String> headers, Http.Payload body, Http.Kind kind)
            throws InterruptedException {
        String token = tokens.current();
        try {
            try {
                return http.send(method, uri, authorized(headers, token), body, kind);
            } catch (Http.ProviderException e) {
                if (e.status() != 401) throw e;
                return http.send(method, uri, authorized(headers, tokens.renew(token)), body, kind);
            }
        } catch (Http.ProviderException e) {
            if ((e.status() == 404 || e.status() == 410) && what.equals("the upload")) throw new SessionGone(e.status());
            throw refused(what, e);
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme())) && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
                && port(a) == port(b);
    }

    private static int port(URI u) { return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80; }

    private static Map<String, String> authorized(Map<String, String> headers, String token) {
        var h = new HashMap<>(headers);
        h.put("Authorization", "Bearer " + token);
        return h;
    }

    /**
     * YouTube's refusal of {@code what} in words: its error reason and message; a daily limit as
     * {@link Quota}. Failures with no answer (a broken connection, a timeout) stay as they are, with
     * whether they may be tried again.
     */
    static RuntimeException refused(String what, Http.ProviderException e) {
        JsonNode error = json(e.body()).path("error");
        if (!error.isObject()) return e;
        String reason = error.path("errors").path(0).path("reason").asText("");
        if (Quota.REASONS.contains(reason)) return Quota.exceeded(what, reason);
        String message = error.path("message").asText("").replaceAll("<[^>]*>", "").replaceAll("\\s+", " ").strip();
        if (e.retryable()) return e;
        return new ShortsmithException(ExitCode.PROVIDER, "YouTube refused " + what + " (HTTP " + e.status() + (reason.isBlank() ? "" : ", " + reason)
                + "): " + (message.isBlank() ? "no details" : message));
    }

    /** A JSON answer, or a missing node when it is not JSON. */
    static JsonNode json(byte[] body) {
        try {
            JsonNode n = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
            return n == null ? Json.MAPPER.missingNode() : n;
        } catch (IOException e) {
            return Json.MAPPER.missingNode();
        }
    }

    @Override
    public String toString() { return "YouTube[api " + apiBase + ", upload " + uploadBase + "]"; }
}
