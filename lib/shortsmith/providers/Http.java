package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.concurrency.Retry;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Secrets;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The JDK HttpClient as the providers use it, keeping the toolkit's promises at the network edge:
 * <ul>
 * <li><b>Paid work is sent once.</b> A request that creates paid work ({@link #submit},
 * {@link #submitForBytes}) is sent again only when it provably never reached the server: the
 * connection was refused or never made, the name did not resolve, or the server answered 429 or
 * 503 (it did not take the work). After a timeout, a reset after sending, a 500/502/504 or an
 * unreadable answer it may have been accepted and billed: {@link MaybeBilled}, never retried.
 * Polls and downloads ({@link #getJson}, {@link #download}) retry freely.</li>
 * <li><b>Keys go only to their own API.</b> Headers that carry a key are sent only to the origin of
 * the configured base URL; redirects are followed by hand, and a hop to another origin goes without
 * them (a keyed POST is not sent there at all).</li>
 * <li><b>Every wait is bounded.</b> {@code PROVIDER_TIMEOUT} bounds each whole attempt, body
 * included; {@code PROVIDER_DEADLINE} bounds the retries and polling of a job.</li>
 * <li><b>Headers are data.</b> Retry-After, x-ratelimit-reset and Location are parsed defensively:
 * an odd value is clamped or ignored, never a crash.</li>
 * </ul>
 *
 * <pre>jshell> Http.of("bfl", Settings.load(), URI.create("http://localhost:8080/")).getJson(URI.create("http://localhost:8080/v1/get_result?id=1"), Map.of())</pre>
 */
public final class Http {
    /** Largest answer accepted: a 9:16 PNG or a minute of WAV is far smaller. */
    static final long MAX_DOWNLOAD = 64L << 20;
    static final int MAX_REDIRECTS = 5;
    /** The longest wait a server may ask for before it is treated as "longer than the deadline". */
    static final Duration LONGEST_SERVER_WAIT = Duration.ofDays(1);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

    private final String provider;
    private final URI keyOrigin;
    private final Duration requestTimeout;
    private final Retry retry;

    Http(String provider, URI base, Duration requestTimeout, Retry retry) {
        this.provider = provider;
        this.keyOrigin = origin(base);
        this.requestTimeout = requestTimeout;
        this.retry = retry;
    }

    /** A client for {@code provider} at {@code base} (the only origin its keys go to), with the run's timeouts and deadline. */
    public static Http of(String provider, Settings settings, URI base) {
        var p = settings.providers();
        return new Http(provider, base, p.requestTimeout(), Retry.policy().withDeadline(p.deadline()).withDelays(p.retryDelay(), Duration.ofSeconds(60)));
    }

    String provider() { return provider; }

    /** A provider's address with a trailing slash: the configured base URL, else its own. */
    static URI base(String configured, String fallback) {
        return URI.create((configured == null || configured.isBlank() ? fallback : configured) + "/");
    }

    /** The key, or a usage error naming the setting that is missing. */
    static Settings.Secret requireKey(String setting, Settings.Secret key, String provider) {
        if (!key.isSet()) throw ShortsmithException.usage(setting + " is not set: " + provider + " needs an API key (in .env or the environment),"
                + " or choose the offline provider");
        return key;
    }

    /**
     * The bytes of a base-64 field of a provider's answer. The request was answered, so a field
     * that is not base 64 fails as possibly billed (never sent again on its own).
     */
    static byte[] base64(JsonNode field, String what) {
        try {
            return java.util.Base64.getDecoder().decode(field.asText(""));
        } catch (IllegalArgumentException e) {
            throw new MaybeBilled(what + " is not base 64", 200);
        }
    }

    /** An Authorization header with the key as a bearer token; none without a key (local servers). */
    static Map<String, String> bearer(Settings.Secret key) {
        return key.isSet() ? Map.of("Authorization", "Bearer " + key.value()) : Map.of();
    }

    /** A retry listener that shows each wait as a line of status. */
    static Retry.Listener retryStatus(java.util.function.Consumer<String> status) {
        return (n, e, wait) -> status.accept("retrying in " + seconds(wait) + ": " + e.getMessage());
    }

    /** A duration as people read it: "1.5 s", "120 s", "250 ms". */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        return (ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0)) + " s";
    }

    /** A provider's failure; {@code retryable} when sending it again is safe and may help. */
    public static class ProviderException extends ShortsmithException {
        private final int status;
        private final boolean retryable;
        private final Duration serverWait;
        private byte[] body = new byte[0];

        ProviderException(String message, int status, boolean retryable, Duration serverWait) {
            super(ExitCode.PROVIDER, Secrets.scrub(message));
            this.status = status;
            this.retryable = retryable;
            this.serverWait = serverWait;
        }

        /** The refusal's body, for APIs whose errors carry structure (ComfyUI's node_errors). */
        public byte[] body() { return body; }

        ProviderException withBody(byte[] b) {
            this.body = b == null ? new byte[0] : b;
            return this;
        }

        public int status() { return status; }

        public boolean retryable() { return retryable; }

        public Optional<Duration> serverWait() { return Optional.ofNullable(serverWait); }
    }

    /** A job still running at the provider when the deadline came: it is kept, and the next run polls it again. */
    static final class StillRunning extends ProviderException {
        StillRunning(String message) { super(message, 0, false, null); }
    }

    /**
     * A paid request whose fate is unknown: it may have been accepted and billed, so it is not sent
     * again without the user asking ({@code --force} for that scene).
     */
    static final class MaybeBilled extends ProviderException {
        /** How every such failure ends, so that a summary can find them in a batch's report. */
        static final String NOT_SENT_AGAIN = "the request may have been accepted and billed, so it is not sent again automatically";

        MaybeBilled(String message, int status) {
            super(message + "; " + NOT_SENT_AGAIN, status, false, null);
        }
    }

    /** Retry's view of a failure: provider errors say themselves; anything else is not retried. */
    static Retry.Verdict verdict(Exception e) {
        if (e instanceof ProviderException p && p.retryable()) return Retry.Verdict.againAfter(p.serverWait().orElse(null));
        return Retry.Verdict.giveUp();
    }

    /** Calls {@code attempt} under the retry policy; {@code onRetry} hears about each wait. */
    public <T> T withRetries(Retry.Attempt<T> attempt, Retry.Listener onRetry) throws InterruptedException {
        try {
            return retry.call(attempt, Http::verdict, onRetry);
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ProviderException(provider + ": " + e.getMessage(), 0, false, null);
        }
    }

    /**
     * Whether a request creates paid work (sent once) or only asks (polls, downloads: retried
     * freely); or is a resumable upload's (YouTube): its 308 is the server's answer, not a
     * redirect, and after a failure the session is asked how far it got.
     */
    public enum Kind { PAID, FREE, UPLOAD }

    /** A request body and its content type; {@code sent} (or null) hears how many bytes have left so far. */
    public record Payload(String contentType, byte[] bytes, java.util.function.LongConsumer sent) {
        public Payload(String contentType, byte[] bytes) { this(contentType, bytes, null); }

        public static Payload json(Object value) { return new Payload("application/json", Json.write(value).getBytes(java.nio.charset.StandardCharsets.UTF_8)); }

        HttpRequest.BodyPublisher publisher() {
            if (sent == null) return HttpRequest.BodyPublishers.ofByteArray(bytes);
            int piece = 64 << 10;
            var pieces = new java.util.ArrayList<byte[]>();
            for (int i = 0; i < bytes.length; i += piece) pieces.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece)));
            return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(() -> {
                long[] total = {0};
                return pieces.stream().map(p -> {
                    total[0] += p.length;
                    sent.accept(total[0]);
                    return p;
                }).iterator();
            }), bytes.length);
        }

        @Override
        public String toString() { return "Payload[" + contentType + ", " + bytes.length + " bytes]"; }
    }

    /** A part of a multipart/form-data body: a field, or a file when {@code filename} is set. */
    record Part(String name, String filename, String contentType, byte[] bytes) {
        static Part field(String name, String value) { return new Part(name, null, null, value.getBytes(java.nio.charset.StandardCharsets.UTF_8)); }
    }

    /** A multipart/form-data body (RFC 7578) with a random boundary. */
    static Payload multipart(List<Part> parts) {
        String boundary = "shortsmith-" + java.util.UUID.randomUUID();
        var out = new java.io.ByteArrayOutputStream();
        for (Part p : parts) {
            var head = new StringBuilder("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(p.name()).append('"');
            if (p.filename() != null) head.append("; filename=\"").append(p.filename()).append('"');
            head.append("\r\n");
            if (p.contentType() != null) head.append("Content-Type: ").append(p.contentType()).append("\r\n");
            head.append("\r\n");
            out.writeBytes(head.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.writeBytes(p.bytes());
            out.writeBytes("\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Payload("multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    /** Sends a multipart form that creates paid work (a transcription); the JSON answer. */
    JsonNode submitForm(URI uri, Map<String, String> headers, List<Part> parts) throws InterruptedException {
        return json(send("POST", uri, headers, multipart(parts), Kind.PAID), Kind.PAID);
    }

    /** Sends JSON that creates paid work; the JSON answer. */
    JsonNode submit(URI uri, Map<String, String> headers, Object body) throws InterruptedException {
        var r = send("POST", uri, headers, Payload.json(body), Kind.PAID);
        return json(r, Kind.PAID);
    }

    /** Sends JSON that creates paid work and answers with the result itself (audio): its bytes, of one of {@code types}. */
    byte[] submitForBytes(URI uri, Map<String, String> headers, Object body, List<String> types) throws InterruptedException {
        var r = send("POST", uri, headers, Payload.json(body), Kind.PAID);
        checkType(uri, r, types, Kind.PAID);
        return r.body();
    }

    /** POSTs JSON that creates no paid work (a local server's queue); the JSON answer. A failure after sending is not retried here. */
    JsonNode postJson(URI uri, Map<String, String> headers, Object body, Kind kind) throws InterruptedException {
        return json(send("POST", uri, headers, Payload.json(body), kind), kind);
    }

    /** POSTs JSON and ignores what comes back (ComfyUI's queue deletion and interrupt answer with an empty body). */
    void post(URI uri, Map<String, String> headers, Object body) throws InterruptedException {
        send("POST", uri, headers, Payload.json(body), Kind.FREE);
    }

    JsonNode getJson(URI uri, Map<String, String> headers) throws InterruptedException {
        return json(send("GET", uri, headers, null, Kind.FREE), Kind.FREE);
    }

    /**
     * Downloads a result (http or https only, at most {@link #MAX_DOWNLOAD} bytes, of one of the
     * given content types). {@code headers} go only to the API's own origin (Replicate's file URLs);
     * signed result URLs elsewhere get none. A 403, 404 or 410 means the URL expired: not retryable.
     */
    byte[] download(String url, List<String> types, Map<String, String> headers) throws InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ProviderException(provider + " gave an unusable result URL", 0, false, null);
        }
        if (uri.getScheme() == null || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
            throw new ProviderException(provider + " gave a result URL that is not http(s): " + uri.getScheme(), 0, false, null);
        }
        HttpResponse<byte[]> r;
        try {
            r = send("GET", uri, headers, null, Kind.FREE);
        } catch (ProviderException e) {
            if (List.of(403, 404, 410).contains(e.status())) {
                throw new ProviderException(provider + ": the result URL has expired or is gone (HTTP " + e.status()
                        + "); run again to order a new one", e.status(), false, null);
            }
            throw e;
        }
        checkType(uri, r, types, Kind.FREE);
        return r.body();
    }

    byte[] download(String url, List<String> types) throws InterruptedException { return download(url, types, Map.of()); }

    /**
     * {@code url} (a polling address the API returned) when it is on the key's origin, else
     * {@code fallback} (the API's own route for the same job): the key never follows a job elsewhere.
     */
    URI onKeyOrigin(String url, URI fallback) {
        try {
            if (url != null && !url.isBlank()) {
                URI u = URI.create(url);
                if (u.getHost() != null && isKeyOrigin(u)) return u;
            }
        } catch (IllegalArgumentException ignored) {
            // unusable: ask the API itself
        }
        return fallback;
    }

    /** Whether {@code uri} is on the origin the keys belong to. */
    boolean isKeyOrigin(URI uri) { return origin(uri).equals(keyOrigin); }

    static URI origin(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return URI.create(scheme + "://" + (uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT)) + ":" + port);
    }

    private void checkType(URI uri, HttpResponse<byte[]> r, List<String> types, Kind kind) {
        String type = r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (types.stream().noneMatch(type::startsWith)) {
            String message = provider + ": " + uri.getPath() + " answered with " + (type.isEmpty() ? "no content type" : type)
                    + ", expected " + String.join(" or ", types);
            throw kind == Kind.PAID ? new MaybeBilled(message, r.statusCode()) : new ProviderException(message, r.statusCode(), false, null);
        }
    }

    /**
     * One attempt, redirects included: failures become ProviderExceptions that say whether sending
     * again is safe. Headers carrying a key reach only the key origin.
     */
    public HttpResponse<byte[]> send(String method, URI uri, Map<String, String> headers, Payload body, Kind kind) throws InterruptedException {
        // A paid request sent through Jobs.sendOnce is on record from here until an answer says it was not taken.
        var sending = kind == Kind.PAID && Jobs.SENDING.isBound() ? Jobs.SENDING.get() : null;
        if (sending == null) return sendNow(method, uri, headers, body, kind);
        sending.beforeSend();
        try {
            return sendNow(method, uri, headers, body, kind);
        } catch (MaybeBilled e) {
            throw e;
        } catch (ProviderException e) {
            sending.notSent();
            throw e;
        }
    }

    private HttpResponse<byte[]> sendNow(String method, URI uri, Map<String, String> headers, Payload body, Kind kind) throws InterruptedException {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        URI at = uri;
        String verb = method;
        Payload payload = body;
        for (int hop = 0; ; hop++) {
            var r = once(verb, at, headers, payload, kind, deadline);
            int status = r.statusCode();
            if (status < 300 || status >= 400 || status == 304) return checked(r, kind);
            if (status == 308 && kind == Kind.UPLOAD) return r;   // Resume Incomplete: the bytes the session holds
            URI next = redirect(r, at);
            if (hop >= MAX_REDIRECTS) throw new ProviderException(provider + ": more than " + MAX_REDIRECTS + " redirects from " + uri.getHost(), status, false, null);
            boolean keepsBody = status == 307 || status == 308;
            if (payload != null && (!keepsBody || !isKeyOrigin(next))) {
                // A redirect is the server saying it did not do the work: nothing was billed. A keyed
                // submission is not replayed elsewhere, nor turned into a GET.
                throw new ProviderException(provider + ": " + at.getHost() + " answered a submission with a redirect (HTTP " + status + ") to "
                        + next.getHost() + "; it is not sent there (check the base URL)", status, false, null);
            }
            if (!keepsBody) verb = "GET";
            at = next;
        }
    }

    private URI redirect(HttpResponse<byte[]> r, URI from) {
        String location = r.headers().firstValue("Location").orElse("").strip();
        try {
            URI next = from.resolve(new URI(location));
            if (location.isEmpty() || next.getHost() == null || !List.of("http", "https").contains(String.valueOf(next.getScheme()).toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("not an http(s) address");
            }
            return next;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new ProviderException(provider + ": " + from.getHost() + " answered with a redirect (HTTP " + r.statusCode()
                    + ") to an unusable Location", r.statusCode(), false, null);
        }
    }

    private HttpResponse<byte[]> once(String method, URI uri, Map<String, String> headers, Payload body, Kind kind, long deadline)
            throws InterruptedException {
        long left = deadline - System.nanoTime();
        var b = HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(Math.max(1, left))).header("User-Agent", "shortsmith");
        boolean keyed = isKeyOrigin(uri);
        headers.forEach((k, v) -> {
            if (keyed || Secrets.scrub(v).equals(v)) b.header(k, v);   // a header that carries a key stays on its origin
        });
        if (body != null) b.header("Content-Type", body.contentType()).method(method, body.publisher());
        else b.method(method, HttpRequest.BodyPublishers.noBody());
        CompletableFuture<HttpResponse<byte[]>> call = CLIENT.sendAsync(b.build(), info -> new Capped());
        String where = uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        try {
            return call.get(Math.max(1, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return failed(kind, provider + ": no complete answer from " + where + " within " + seconds(requestTimeout) + " (PROVIDER_TIMEOUT)", 0);
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TooLarge) {
                // The server answered: a paid request was taken (and billed) even though the answer is refused here.
                String message = provider + ": answer larger than " + (MAX_DOWNLOAD >> 20) + " MB";
                if (kind == Kind.PAID) throw new MaybeBilled(message, 0);
                throw new ProviderException(message, 0, false, null);
            }
            if (neverSent(cause)) {
                throw new ProviderException(provider + ": cannot reach " + where + " (" + describe(cause) + ")", 0, true, null);
            }
            if (cause instanceof java.net.http.HttpTimeoutException) {
                return failed(kind, provider + ": no complete answer from " + where + " within " + seconds(requestTimeout) + " (PROVIDER_TIMEOUT)", 0);
            }
            return failed(kind, provider + ": the connection to " + where + " broke (" + describe(cause) + ")", 0);
        }
    }

    /** For a paid request, a failure after sending may have been billed; anything else may be tried again. */
    private HttpResponse<byte[]> failed(Kind kind, String message, int status) {
        if (kind == Kind.PAID) throw new MaybeBilled(message, status);
        throw new ProviderException(message, status, true, null);
    }

    /** The request never left this machine: refused, unresolved, or no connection within the connect timeout. */
    static boolean neverSent(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpConnectTimeoutException || c instanceof ConnectException || c instanceof UnresolvedAddressException
                    || c instanceof java.net.UnknownHostException || c instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null && t.getCause() != null) m = t.getCause().getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private HttpResponse<byte[]> checked(HttpResponse<byte[]> r, Kind kind) {
        int status = r.statusCode();
        if (status >= 200 && status < 300) return r;
        String message = provider + " refused (HTTP " + status + "): " + reason(r.body());
        Duration wait = serverWait(r.headers(), r.body());
        if (wait != null && wait.compareTo(Duration.ofSeconds(1)) >= 0) message += " (asks to wait " + seconds(wait) + ")";
        // 429 and 503: the server did not take the work; 408: it did not receive the whole request.
        if (status == 429 || status == 503 || status == 408) throw new ProviderException(message, status, true, wait).withBody(r.body());
        if (status >= 500) {
            if (kind == Kind.PAID) throw new MaybeBilled(message, status);
            throw new ProviderException(message, status, true, wait).withBody(r.body());
        }
        throw new ProviderException(message, status, false, wait).withBody(r.body());
    }

    private JsonNode json(HttpResponse<byte[]> r, Kind kind) {
        try {
            JsonNode n = Json.MAPPER.readTree(r.body());
            if (n == null || n.isMissingNode()) throw new IOException("empty");
            return n;
        } catch (IOException e) {
            String message = provider + " answered with malformed JSON: " + excerpt(r.body());
            if (kind == Kind.PAID) throw new MaybeBilled(message, r.statusCode());
            throw new ProviderException(message, r.statusCode(), true, null);
        }
    }

    /** The body, at most {@link #MAX_DOWNLOAD} bytes whatever Content-Length says (it is not trusted). */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        public CompletionStage<byte[]> getBody() { return result; }

        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                if (out.size() + (long) b.remaining() > MAX_DOWNLOAD) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        public void onError(Throwable t) { result.completeExceptionally(t); }

        public void onComplete() { result.complete(out.toByteArray()); }
    }

    private static final class TooLarge extends IOException {
        TooLarge() { super("answer larger than " + (MAX_DOWNLOAD >> 20) + " MB"); }
    }

    /** The provider's own words for a failure: error.message, detail, message, or the start of the body. */
    static String reason(byte[] body) {
        if (body == null || body.length == 0) return "no details";
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null) {
                // ElevenLabs and Kokoro-FastAPI put {status or error, message} under detail.
                JsonNode detail = n.path("detail");
                if (detail.path("message").isTextual() && !detail.path("message").asText().isBlank()) {
                    String code = detail.path("status").asText(detail.path("error").asText(""));
                    return oneLine((code.isBlank() ? "" : code + ": ") + detail.path("message").asText());
                }
                for (JsonNode candidate : List.of(n.path("error").path("message"), n.path("detail"), n.path("message"), n.path("error"))) {
                    if (candidate.isTextual() && !candidate.asText().isBlank()) return oneLine(candidate.asText());
                    if (candidate.isArray() && !candidate.isEmpty()) return oneLine(candidate.get(0).path("msg").asText(candidate.toString()));
                }
            }
        } catch (IOException ignored) {
            // not JSON: show the text
        }
        return excerpt(body);
    }

    static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 300), java.nio.charset.StandardCharsets.UTF_8);
        return oneLine(text);
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    private static final Pattern GO_DURATION = Pattern.compile("(?:(\\d+(?:\\.\\d+)?)h)?(?:(\\d+(?:\\.\\d+)?)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+(?:\\.\\d+)?)ms)?");

    /**
     * The wait a server asked for: Retry-After (seconds or an HTTP date), x-ratelimit-reset
     * (seconds, an epoch time in seconds or milliseconds, or a duration such as 1m30s), or Gemini's
     * RetryInfo.retryDelay. Whatever the value, the answer is null (unreadable: ignored) or between
     * zero and {@link #LONGEST_SERVER_WAIT}.
     */
    static Duration serverWait(HttpHeaders headers, byte[] body) {
        for (String name : List.of("Retry-After", "x-ratelimit-reset", "x-ratelimit-reset-requests")) {
            var value = headers.firstValue(name);
            if (value.isPresent()) {
                Duration d = duration(value.get().strip());
                if (d != null) return d;
            }
        }
        if (body != null && body.length > 0) {
            try {
                JsonNode root = Json.MAPPER.readTree(body);
                if (root != null) {
                    for (JsonNode detail : root.path("error").path("details")) {
                        if (detail.hasNonNull("retryDelay")) {
                            Duration d = duration(detail.get("retryDelay").asText());
                            if (d != null) return d;
                        }
                    }
                }
            } catch (IOException ignored) {
                // no body hint
            }
        }
        return null;
    }

    /**
     * Seconds ("2", "1.5"), an epoch time in seconds or milliseconds, an HTTP date, or a duration
     * ("32s", "1m30s", "250ms"); clamped to zero … one day. Null when it is none of these.
     */
    static Duration duration(String v) {
        if (v == null || v.isBlank() || v.length() > 64) return null;
        double ms;
        try {
            double n = Double.parseDouble(v);
            if (!Double.isFinite(n)) return null;
            long now = System.currentTimeMillis();
            if (n > 1e11) ms = n - now;                      // epoch milliseconds
            else if (n > 1e9) ms = n * 1000 - now;           // epoch seconds
            else ms = n * 1000;
        } catch (NumberFormatException e) {
            var m = GO_DURATION.matcher(v);
            if (m.matches() && v.chars().anyMatch(Character::isDigit)) {
                ms = 0;
                if (m.group(1) != null) ms += Double.parseDouble(m.group(1)) * 3_600_000;
                if (m.group(2) != null) ms += Double.parseDouble(m.group(2)) * 60_000;
                if (m.group(3) != null) ms += Double.parseDouble(m.group(3)) * 1000;
                if (m.group(4) != null) ms += Double.parseDouble(m.group(4));
            } else {
                try {
                    ms = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)).toMillis();
                } catch (RuntimeException notADate) {
                    return null;
                }
            }
        }
        double clamped = Math.max(0, Math.min(ms, LONGEST_SERVER_WAIT.toMillis()));
        return Duration.ofMillis(Math.round(clamped));
    }

    /**
     * Polls until {@code check} returns a value: every 250 ms at first, growing to 1 s, so a job
     * that finishes at 18 s is noticed within about a second (the seed polled every 15 s). A wait
     * the server states (Retry-After on a poll) is honoured. Transient poll failures are retried.
     */
    <T> T poll(String job, Retry.Attempt<Optional<T>> check, Ticker ticker, Retry.Listener onRetry) throws InterruptedException {
        Duration interval = Duration.ofMillis(250);
        long start = ticker.nanoTime();
        while (true) {
            Optional<T> result = withRetries(check, onRetry);
            if (result.isPresent()) return result.get();
            if (ticker.nanoTime() - start + interval.toNanos() > retry.deadline().toNanos()) {
                throw new StillRunning(provider + ": job " + job + " not finished after " + seconds(retry.deadline())
                        + " (PROVIDER_DEADLINE); it is kept, and the next run goes on polling it");
            }
            ticker.sleep(interval);
            interval = Duration.ofMillis(Math.min(1000, interval.toMillis() * 3 / 2));
        }
    }

    @Override
    public String toString() { return "Http[" + provider + " at " + keyOrigin + ", timeout " + seconds(requestTimeout) + ", " + seconds(retry.deadline()) + " deadline]"; }
}
