package shortsmith.providers;

import shortsmith.concurrency.Retry;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The JDK HttpClient as the providers use it: JSON in and out, one-line errors that say which
 * provider refused and why, the wait a server states (Retry-After, x-ratelimit-reset, Gemini's
 * retryDelay), retries of 429/5xx/timeouts within the run's deadline, capped and checked downloads.
 * Keys travel only in headers, and every message is scrubbed of them before it leaves.
 *
 * <pre>jshell> Http.of("bfl", Settings.load(), List.of()).getJson(URI.create("http://localhost:8080/v1/get_result?id=1"), Map.of())</pre>
 */
final class Http {
    /** Largest download accepted: a 9:16 PNG or a minute of WAV is far smaller. */
    static final long MAX_DOWNLOAD = 64L << 20;

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();

    private final String provider;
    private final Duration requestTimeout;
    private final Retry retry;
    private final List<String> secrets;

    public Http(String provider, Duration requestTimeout, Retry retry, List<String> secrets) {
        this.provider = provider;
        this.requestTimeout = requestTimeout;
        this.retry = retry;
        this.secrets = secrets.stream().filter(s -> s != null && !s.isBlank()).toList();
    }

    /** A client for {@code provider} with the run's timeouts and deadline; {@code secrets} are scrubbed from messages. */
    public static Http of(String provider, Settings settings, List<Settings.Secret> secrets) {
        var p = settings.providers();
        return new Http(provider, p.requestTimeout(), Retry.policy().withDeadline(p.deadline()).withDelays(p.retryDelay(), Duration.ofSeconds(60)),
                secrets.stream().map(Settings.Secret::value).toList());
    }

    public String provider() { return provider; }

    /** A provider's address with a trailing slash: the configured base URL, else its own. */
    public static URI base(String configured, String fallback) {
        return URI.create((configured == null || configured.isBlank() ? fallback : configured) + "/");
    }

    /** The key, or a usage error naming the setting that is missing. */
    public static Settings.Secret requireKey(String setting, Settings.Secret key, String provider) {
        if (!key.isSet()) throw ShortsmithException.usage(setting + " is not set: " + provider + " needs an API key (in .env or the environment),"
                + " or choose the offline provider");
        return key;
    }

    /** An Authorization header with the key as a bearer token; none without a key (local servers). */
    public static java.util.Map<String, String> bearer(Settings.Secret key) {
        return key.isSet() ? java.util.Map.of("Authorization", "Bearer " + key.value()) : java.util.Map.of();
    }

    /** A retry listener that shows each wait as a line of status. */
    public static Retry.Listener retryStatus(java.util.function.Consumer<String> status) {
        return (n, e, wait) -> status.accept("retrying in " + wait.toMillis() / 1000.0 + " s: " + e.getMessage());
    }

    /** A provider's failure; {@code retryable} for 429, 5xx, timeouts and unreadable answers. */
    public static class ProviderException extends ShortsmithException {
        private final int status;
        private final boolean retryable;
        private final Duration serverWait;

        public ProviderException(String message, int status, boolean retryable, Duration serverWait) {
            super(ExitCode.PROVIDER, message);
            this.status = status;
            this.retryable = retryable;
            this.serverWait = serverWait;
        }

        public int status() { return status; }

        public boolean retryable() { return retryable; }

        public Optional<Duration> serverWait() { return Optional.ofNullable(serverWait); }
    }

    /** A job still running at the provider when the deadline came: it is kept, and the next run polls it again. */
    public static final class StillRunning extends ProviderException {
        public StillRunning(String message) { super(message, 0, false, null); }
    }

    /** Retry's view of a failure: provider errors say themselves; anything else is not retried. */
    public static Retry.Verdict verdict(Exception e) {
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
            throw new ProviderException(scrub(provider + ": " + e.getMessage()), 0, false, null);
        }
    }

    public JsonNode postJson(URI uri, java.util.Map<String, String> headers, Object body) throws InterruptedException {
        return json(send(request(uri, headers).POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                .header("Content-Type", "application/json").build()));
    }

    public JsonNode getJson(URI uri, java.util.Map<String, String> headers) throws InterruptedException {
        return json(send(request(uri, headers).GET().build()));
    }

    /** POSTs JSON and returns the raw answer (audio), checking its content type starts with one of {@code types}. */
    public byte[] postForBytes(URI uri, java.util.Map<String, String> headers, Object body, List<String> types) throws InterruptedException {
        var r = send(request(uri, headers).POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                .header("Content-Type", "application/json").build());
        checkType(uri, r, types);
        return r.body();
    }

    /**
     * Downloads a result (http or https only, at most {@link #MAX_DOWNLOAD} bytes, of one of the
     * given content types). No key is sent: result URLs are signed by themselves. A 403, 404 or
     * 410 means the URL expired: not retryable.
     */
    public byte[] download(String url, List<String> types) throws InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ProviderException(provider + " gave an unusable result URL", 0, false, null);
        }
        if (uri.getScheme() == null || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ProviderException(provider + " gave a result URL that is not http(s): " + uri.getScheme(), 0, false, null);
        }
        HttpResponse<byte[]> r;
        try {
            r = send(request(uri, java.util.Map.of()).GET().build());
        } catch (ProviderException e) {
            if (List.of(403, 404, 410).contains(e.status())) {
                throw new ProviderException(provider + ": the result URL has expired or is gone (HTTP " + e.status()
                        + "); run again to order a new one", e.status(), false, null);
            }
            throw e;
        }
        checkType(uri, r, types);
        return r.body();
    }

    private void checkType(URI uri, HttpResponse<byte[]> r, List<String> types) {
        String type = r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (types.stream().noneMatch(type::startsWith)) {
            throw new ProviderException(provider + ": " + uri.getPath() + " answered with " + (type.isEmpty() ? "no content type" : type)
                    + ", expected " + String.join(" or ", types), r.statusCode(), false, null);
        }
    }

    private HttpRequest.Builder request(URI uri, java.util.Map<String, String> headers) {
        var b = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("User-Agent", "shortsmith");
        headers.forEach(b::header);
        return b;
    }

    /** One request; failures become ProviderExceptions that say whether to retry. */
    HttpResponse<byte[]> send(HttpRequest request) throws InterruptedException {
        HttpResponse<byte[]> r;
        try {
            r = CLIENT.send(request, capped());
        } catch (HttpTimeoutException e) {
            throw new ProviderException(provider + ": no answer from " + request.uri().getHost() + " within "
                    + requestTimeout.toSeconds() + " s", 0, true, null);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            boolean tooBig = why.contains("larger than");
            throw new ProviderException(scrub(provider + ": " + (tooBig ? why : "cannot reach " + request.uri().getHost() + ":"
                    + request.uri().getPort() + " (" + why + ")")), 0, !tooBig, null);
        }
        int status = r.statusCode();
        if (r.body() == null) throw new ProviderException(provider + ": answer larger than " + (MAX_DOWNLOAD >> 20) + " MB", status, false, null);
        if (status >= 200 && status < 300) return r;
        boolean retryable = status == 429 || status == 408 || status >= 500;
        throw new ProviderException(scrub(provider + " refused (HTTP " + status + "): " + reason(r.body())), status, retryable,
                serverWait(r.headers(), r.body()));
    }

    private static HttpResponse.BodyHandler<byte[]> capped() {
        return info -> {
            long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (length > MAX_DOWNLOAD) {
                return HttpResponse.BodySubscribers.replacing(null);
            }
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(), in -> {
                try (in) {
                    byte[] data = in.readNBytes((int) MAX_DOWNLOAD + 1);
                    if (data.length > MAX_DOWNLOAD) throw new java.io.UncheckedIOException(new IOException("answer larger than " + (MAX_DOWNLOAD >> 20) + " MB"));
                    return data;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        };
    }

    private JsonNode json(HttpResponse<byte[]> r) {
        try {
            JsonNode n = Json.MAPPER.readTree(r.body());
            if (n == null || n.isMissingNode()) throw new IOException("empty");
            return n;
        } catch (IOException e) {
            throw new ProviderException(scrub(provider + " answered with malformed JSON: " + excerpt(r.body())), r.statusCode(), true, null);
        }
    }

    /** The provider's own words for a failure: error.message, detail, message, or the start of the body. */
    static String reason(byte[] body) {
        if (body == null || body.length == 0) return "no details";
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            for (JsonNode candidate : List.of(n.path("error").path("message"), n.path("detail"), n.path("message"), n.path("error"))) {
                if (candidate.isTextual() && !candidate.asText().isBlank()) return oneLine(candidate.asText());
                if (candidate.isArray() && !candidate.isEmpty()) return oneLine(candidate.get(0).path("msg").asText(candidate.toString()));
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

    String scrub(String message) {
        String m = message;
        for (String s : secrets) m = m.replace(s, "***");
        return m;
    }

    private static final Pattern GO_DURATION = Pattern.compile("(?:(\\d+(?:\\.\\d+)?)h)?(?:(\\d+(?:\\.\\d+)?)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+(?:\\.\\d+)?)ms)?");

    /**
     * The wait a server asked for: Retry-After (seconds or an HTTP date), x-ratelimit-reset
     * (seconds, an epoch time, or a duration such as 1m30s), or Gemini's RetryInfo.retryDelay.
     */
    static Duration serverWait(java.net.http.HttpHeaders headers, byte[] body) {
        var retryAfter = headers.firstValue("Retry-After");
        if (retryAfter.isPresent()) {
            String v = retryAfter.get().trim();
            try {
                return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            } catch (NumberFormatException e) {
                try {
                    var when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return Duration.between(ZonedDateTime.now(), when).isNegative() ? Duration.ZERO : Duration.between(ZonedDateTime.now(), when);
                } catch (RuntimeException ignored) {
                    // unreadable: fall through to the other hints
                }
            }
        }
        for (String name : List.of("x-ratelimit-reset", "x-ratelimit-reset-requests")) {
            var reset = headers.firstValue(name);
            if (reset.isPresent()) {
                Duration d = duration(reset.get().trim());
                if (d != null) return d;
            }
        }
        if (body != null && body.length > 0) {
            try {
                for (JsonNode detail : Json.MAPPER.readTree(body).path("error").path("details")) {
                    if (detail.has("retryDelay")) return duration(detail.get("retryDelay").asText());
                }
            } catch (IOException ignored) {
                // no body hint
            }
        }
        return null;
    }

    /** Seconds ("2", "1.5"), an epoch time in seconds, or a duration ("32s", "1m30s", "250ms"). */
    static Duration duration(String v) {
        try {
            double n = Double.parseDouble(v);
            if (n > 1_000_000_000) {
                long delta = Math.round(n * 1000) - System.currentTimeMillis();
                return Duration.ofMillis(Math.max(0, delta));
            }
            return Duration.ofMillis(Math.round(n * 1000));
        } catch (NumberFormatException e) {
            var m = GO_DURATION.matcher(v);
            if (!m.matches() || v.isEmpty()) return null;
            double ms = 0;
            if (m.group(1) != null) ms += Double.parseDouble(m.group(1)) * 3_600_000;
            if (m.group(2) != null) ms += Double.parseDouble(m.group(2)) * 60_000;
            if (m.group(3) != null) ms += Double.parseDouble(m.group(3)) * 1000;
            if (m.group(4) != null) ms += Double.parseDouble(m.group(4));
            return Duration.ofMillis(Math.round(ms));
        }
    }

    /**
     * Polls until {@code check} returns a value: every 250 ms at first, growing to 1 s, so a job
     * that finishes at 18 s is noticed within about a second (the seed polled every 15 s). A wait
     * the server states (Retry-After on a poll) is honoured. Transient poll failures are retried.
     */
    public <T> T poll(String job, Retry.Attempt<Optional<T>> check, Ticker ticker, Retry.Listener onRetry) throws InterruptedException {
        Duration interval = Duration.ofMillis(250);
        long start = ticker.nanoTime();
        while (true) {
            Optional<T> result = withRetries(check, onRetry);
            if (result.isPresent()) return result.get();
            if (ticker.nanoTime() - start + interval.toNanos() > retry.deadline().toNanos()) {
                throw new StillRunning(provider + ": job " + job + " not finished after " + retry.deadline().toSeconds()
                        + " s (PROVIDER_DEADLINE); it is kept, and the next run goes on polling it");
            }
            ticker.sleep(interval);
            interval = Duration.ofMillis(Math.min(1000, interval.toMillis() * 3 / 2));
        }
    }

    @Override
    public String toString() { return "Http[" + provider + ", timeout " + requestTimeout + ", " + retry.deadline() + " deadline]"; }
}
