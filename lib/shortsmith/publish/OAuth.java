package shortsmith.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Secrets;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.providers.Http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * OAuth 2.0 for an installed app, as Google documents it: the consent page is opened (or printed)
 * with {@code state} and a PKCE {@code S256} challenge, the code comes back on a loopback redirect
 * ({@code http://127.0.0.1:PORT}, a port the system picks), and is exchanged at the token endpoint
 * for a refresh token, kept in a file only its owner can read. Each run turns the refresh token into
 * access tokens, renewed when they expire or a 401 says so.
 *
 * <p>Keys go only where they belong: the client secret and the refresh token only in the body of a
 * request to the token endpoint (never on a redirect elsewhere: {@link Http} does not replay a body
 * to another origin); every token is registered with {@link Secrets} the moment it is read, so no
 * message, log or trace shows it.
 *
 * <pre>jshell> OAuth.tokenFile(System.getenv())</pre>
 */
public final class OAuth {
    private OAuth() {}

    /** Uploading, and captions (which need youtube.force-ssl: youtube.upload does not cover captions.insert). */
    public static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/youtube.upload",
            "https://www.googleapis.com/auth/youtube.force-ssl");

    /** The OAuth client ("Desktop app" in the Google Cloud console) and where it was read from. */
    public record Client(String id, Settings.Secret secret, String from) {}

    /** A sign-in kept on disk: the refresh token and the client it belongs to. */
    public record SignIn(String clientId, String refreshToken, String scope, String savedAt) {
        @Override
        public String toString() { return "SignIn[client " + clientId + ", scope " + scope + ", saved " + savedAt + "]"; }
    }

    /** The client from {@code YOUTUBE_CLIENT_SECRETS} (an "installed" client_secrets.json), else YOUTUBE_CLIENT_ID and _SECRET. */
    public static Client client(Settings.YouTube yt) {
        if (!yt.clientSecrets().isBlank()) {
            Path file = Path.of(yt.clientSecrets());
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(file.toFile());
            } catch (IOException e) {
                throw ShortsmithException.usage("YOUTUBE_CLIENT_SECRETS=" + file + " cannot be read: " + e.getMessage());
            }
            JsonNode installed = root == null ? Json.MAPPER.missingNode() : root.path("installed");
            if (!installed.isObject()) {
                String what = root != null && root.path("web").isObject() ? "the JSON of a \"Web application\" client" : "not a client_secrets.json";
                throw ShortsmithException.usage("YOUTUBE_CLIENT_SECRETS=" + file + " is " + what
                        + ": create an OAuth client of type \"Desktop app\" in the Google Cloud console and download its JSON");
            }
            String id = installed.path("client_id").asText(""), secret = installed.path("client_secret").asText("");
            secret(secret);
            if (id.isBlank() || secret.isBlank()) {
                throw ShortsmithException.usage("YOUTUBE_CLIENT_SECRETS=" + file + " has no client_id or client_secret under \"installed\": download it again");
            }
            return new Client(id, new Settings.Secret(secret), file.toString());
        }
        if (!yt.clientId().isBlank() && yt.clientSecret().isSet()) return new Client(yt.clientId(), yt.clientSecret(), "YOUTUBE_CLIENT_ID");
        throw ShortsmithException.usage("no YouTube OAuth client: set YOUTUBE_CLIENT_SECRETS to the JSON of a \"Desktop app\" client"
                + " (Google Cloud console, APIs & Services, Credentials), or YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET; see docs/publish.md");
    }

    /**
     * Where the sign-in is kept: {@code $XDG_CONFIG_HOME/shortsmith/youtube-token.json}, else
     * {@code $HOME/.config/shortsmith/youtube-token.json}. {@code $HOME} itself, not Java's
     * {@code user.home}, which reads the password database and ignores it.
     */
    public static Path tokenFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "shortsmith", "youtube-token.json");
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            throw ShortsmithException.usage("neither XDG_CONFIG_HOME nor HOME is set: set one, so the YouTube sign-in has a place to be kept");
        }
        return Path.of(home, ".config", "shortsmith", "youtube-token.json");
    }

    /** The sign-in kept in {@code file}, if any; one that others may read is refused, as ssh refuses such keys. */
    public static Optional<SignIn> load(Path file) {
        if (!Files.exists(file)) return Optional.empty();
        if (Private.exposed(file)) {
            throw ShortsmithException.usage(file + " holds your YouTube sign-in and others may read it: run chmod 600 " + file
                    + " (or publish --login again)");
        }
        try {
            SignIn s = Json.MAPPER.readValue(file.toFile(), SignIn.class);
            secret(s.refreshToken());
            if (s.refreshToken() == null || s.refreshToken().isBlank()) throw new IOException("no refresh token in it");
            return Optional.of(s);
        } catch (IOException e) {
            throw ShortsmithException.usage(file + " is not a usable sign-in (" + e.getMessage().lines().findFirst().orElse("") + "): run publish --login again");
        }
    }

    /** Access tokens for this run, made from a refresh token at the token endpoint. */
    public static final class Tokens {
        private final Client client;
        private final String refreshToken;
        private final Http http;
        private final URI tokenUrl;
        private String access;
        private long renewAt;

        Tokens(Client client, String refreshToken, Http http, URI tokenUrl) {
            this.client = client;
            this.refreshToken = refreshToken;
            this.http = http;
            this.tokenUrl = tokenUrl;
        }

        /** A token that has not expired (renewed a minute before it would). */
        public synchronized String current() throws InterruptedException {
            if (access == null || System.nanoTime() - renewAt > 0) refresh();
            return access;
        }

        /** After a 401 for {@code rejected}: a new token, unless another call already renewed it. */
        public synchronized String renew(String rejected) throws InterruptedException {
            if (rejected.equals(access)) refresh();
            return access;
        }

        private void refresh() throws InterruptedException {
            var form = new LinkedHashMap<String, String>();
            form.put("client_id", client.id());
            form.put("client_secret", client.secret().value());
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", refreshToken);
            JsonNode t = http.withRetries(() -> tokenRequest(http, tokenUrl, form), (n, e, wait) -> {});
            access = t.path("access_token").asText();
            long seconds = Math.max(60, Math.min(t.path("expires_in").asLong(3600), 86_400));
            renewAt = System.nanoTime() + Duration.ofSeconds(seconds - 60).toNanos();
        }

        @Override
        public String toString() { return "Tokens[client " + client.id() + ", at " + tokenUrl + "]"; }
    }

    /**
     * The run's access tokens: from {@code YOUTUBE_REFRESH_TOKEN} when set, else from the saved
     * sign-in, which must belong to the configured client.
     */
    public static Tokens tokens(Settings settings, Map<String, String> env) {
        Client client = client(settings.youtube());
        String refresh;
        if (settings.youtube().refreshToken().isSet()) {
            refresh = settings.youtube().refreshToken().value();
        } else {
            Path file = tokenFile(env);
            SignIn s = load(file).orElseThrow(() -> ShortsmithException.usage("not signed in to YouTube: run publish --login once"
                    + " (on a machine without a browser: --login --no-browser, or set YOUTUBE_REFRESH_TOKEN)"));
            if (!client.id().equals(s.clientId())) {
                throw ShortsmithException.usage("the sign-in in " + file + " belongs to another OAuth client than the one in " + client.from()
                        + ": run publish --login again");
            }
            refresh = s.refreshToken();
        }
        secret(refresh);
        secret(client.secret().value());
        URI tokenUrl = URI.create(settings.youtube().tokenUrl());
        return new Tokens(client, refresh, Http.of("Google sign-in", settings, tokenUrl), tokenUrl);
    }

    /**
     * Signs in: starts the loopback receiver on 127.0.0.1 (a port the system picks), shows the
     * consent address (printed through {@code say} on a line of its own, and opened in a browser when
     * {@code browser}), waits at most {@code timeout} for the redirect whose {@code state} matches,
     * exchanges its code with the PKCE verifier, and keeps the refresh token in {@link #tokenFile}
     * (0600, written atomically).
     */
    public static SignIn login(Settings settings, Map<String, String> env, boolean browser, Duration timeout, Consumer<String> say)
            throws InterruptedException {
        Client client = client(settings.youtube());
        secret(client.secret().value());
        Path file = tokenFile(env);
        String state = random(32), verifier = random(64);
        secret(verifier);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
        var code = new CompletableFuture<String>();
        var page = new CompletableFuture<String>();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        } catch (IOException e) {
            throw ShortsmithException.environment("cannot listen on 127.0.0.1 for the sign-in's redirect: " + e.getMessage());
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> answerRedirect(ex, state, code, page, timeout, say));
        server.start();
        try {
            String redirect = "http://127.0.0.1:" + server.getAddress().getPort();
            var query = new LinkedHashMap<String, String>();
            query.put("client_id", client.id());
            query.put("redirect_uri", redirect);
            query.put("response_type", "code");
            query.put("scope", String.join(" ", SCOPES));
            query.put("state", state);
            query.put("code_challenge", challenge);
            query.put("code_challenge_method", "S256");
            String url = settings.youtube().authUrl() + "?" + form(query);
            say.accept("publish: to let shortsmith upload to your YouTube channel, open this address in a browser, sign in and allow it:");
            say.accept(url);
            if (browser) openBrowser(url, say);
            say.accept("publish: waiting for the browser (at most " + timeout.toSeconds() + " s; --login-timeout)…");
            String got;
            try {
                got = code.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw ShortsmithException.usage("no sign-in arrived within " + timeout.toSeconds() + " s (--login-timeout): run publish --login again");
            } catch (ExecutionException e) {
                throw (RuntimeException) e.getCause();
            }
            try {
                var exchange = new LinkedHashMap<String, String>();
                exchange.put("client_id", client.id());
                exchange.put("client_secret", client.secret().value());
                exchange.put("code", got);
                exchange.put("code_verifier", verifier);
                exchange.put("grant_type", "authorization_code");
                exchange.put("redirect_uri", redirect);
                URI tokenUrl = URI.create(settings.youtube().tokenUrl());
                // A code is good once: the exchange is not retried (a lost answer means signing in again).
                JsonNode t = tokenRequest(Http.of("Google sign-in", settings, tokenUrl), tokenUrl, exchange);
                String refresh = t.path("refresh_token").asText("");
                secret(refresh);
                if (refresh.isBlank()) {
                    throw new ShortsmithException(ExitCode.PROVIDER, "Google gave no refresh token: remove shortsmith's access at"
                            + " https://myaccount.google.com/permissions and run publish --login again");
                }
                String scope = t.path("scope").asText(String.join(" ", SCOPES));
                if (!List.of(scope.split(" ")).contains(SCOPES.getFirst())) {
                    throw new ShortsmithException(ExitCode.PROVIDER, "the sign-in does not allow uploading videos (youtube.upload was not granted):"
                            + " run publish --login again and tick it");
                }
                var signIn = new SignIn(client.id(), refresh, scope, Instant.now().toString());
                Private.write(file, Json.write(signIn));
                if (!List.of(scope.split(" ")).contains(SCOPES.get(1))) {
                    say.accept("publish: captions cannot be uploaded with this sign-in (youtube.force-ssl was not granted); videos can");
                }
                page.complete("Signed in: shortsmith may now upload to your YouTube channel. You can close this tab.");
                return signIn;
            } catch (RuntimeException e) {
                page.complete("Sign-in failed: " + Secrets.scrub(e.getMessage()));
                throw e;
            }
        } finally {
            page.complete("Sign-in stopped.");
            server.stop(1);
        }
    }

    /** The browser's visit to the redirect address: a code with the right state ends the wait; anything else is turned away. */
    private static void answerRedirect(HttpExchange ex, String state, CompletableFuture<String> code, CompletableFuture<String> page,
                                       Duration timeout, Consumer<String> say) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/")) {
                reply(ex, 404, "Not the sign-in address.");
                return;
            }
            Map<String, String> q = parseQuery(ex.getRequestURI().getRawQuery());
            if (!MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), q.getOrDefault("state", "").getBytes(StandardCharsets.UTF_8))) {
                say.accept("publish: turned away an answer on the sign-in address whose state does not match this sign-in");
                reply(ex, 400, "This answer does not belong to the sign-in shortsmith started (its state does not match), so it was ignored.");
                return;
            }
            if (q.containsKey("error")) {
                code.completeExceptionally(new ShortsmithException(ExitCode.PROVIDER, "the sign-in was not allowed (" + q.get("error")
                        + "): run publish --login again and allow it"));
                reply(ex, 200, "Sign-in cancelled (" + q.get("error") + ").");
                return;
            }
            String c = q.getOrDefault("code", "");
            secret(c);
            if (c.isBlank() || !code.complete(c)) {
                reply(ex, 409, c.isBlank() ? "No code in this answer." : "This sign-in has already been answered.");
                return;
            }
            String shown;
            try {
                shown = page.get(timeout.toSeconds() + 60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                shown = "Sign-in stopped.";
            } catch (ExecutionException | TimeoutException e) {
                shown = "Sign-in did not finish.";
            }
            reply(ex, shown.startsWith("Signed in") ? 200 : 502, shown);
        }
    }

    private static void reply(HttpExchange ex, int status, String text) throws IOException {
        byte[] body = ("<!doctype html><meta charset=utf-8><title>shortsmith</title><p>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</p>\n")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static void openBrowser(String url, Consumer<String> say) {
        for (String opener : List.of("xdg-open", "open")) {
            try {
                var p = new ProcessBuilder(opener, url).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() == 0) return;
            } catch (IOException e) {
                // try the next opener
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        say.accept("publish: no browser could be opened here: open the address above yourself, in a browser on this machine");
    }

    /**
     * A form POST to the token endpoint; its JSON answer. Google's refusals ({@code invalid_grant},
     * {@code invalid_client}) become one line saying what to do.
     */
    static JsonNode tokenRequest(Http http, URI url, Map<String, String> form) throws InterruptedException {
        var body = new Http.Payload("application/x-www-form-urlencoded", form(form).getBytes(StandardCharsets.UTF_8));
        JsonNode t;
        try {
            var r = http.send("POST", url, Map.of("Accept", "application/json"), body, Http.Kind.FREE);
            t = Json.MAPPER.readTree(r.body());
        } catch (Http.ProviderException e) {
            JsonNode err = YouTube.json(e.body());
            String error = err.path("error").asText(""), description = err.path("error_description").asText("");
            String said = error + (description.isBlank() ? "" : ": " + description);
            if (error.equals("invalid_grant")) {
                throw new ShortsmithException(ExitCode.PROVIDER, "Google refused the sign-in (" + said + "): it expired or was revoked;"
                        + " run publish --login again (while the OAuth consent screen is in Testing, sign-ins last 7 days)");
            }
            if (error.equals("invalid_client") || error.equals("unauthorized_client")) {
                throw new ShortsmithException(ExitCode.PROVIDER, "Google does not accept this OAuth client (" + said
                        + "): check YOUTUBE_CLIENT_SECRETS, or YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET");
            }
            throw e;
        } catch (IOException e) {
            throw new ShortsmithException(ExitCode.PROVIDER, "Google's token endpoint answered with malformed JSON");
        }
        String access = t == null ? "" : t.path("access_token").asText("");
        secret(access);
        secret(t == null ? "" : t.path("refresh_token").asText(""));
        if (access.isBlank()) throw new ShortsmithException(ExitCode.PROVIDER, "Google's token endpoint answered without an access token");
        return t;
    }

    /**
     * Registers a secret with {@link Secrets}, as it is and as it travels in a form body
     * ({@code 1//abc} becomes {@code 1%2F%2Fabc}): a server that echoes the request in its error
     * must not put it on the screen either way.
     */
    static void secret(String value) {
        if (value == null || value.isBlank()) return;
        Secrets.register(value);
        Secrets.register(enc(value));
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
    }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    static Map<String, String> parseQuery(String raw) {
        var out = new LinkedHashMap<String, String>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /** {@code bytes} random bytes, base64url without padding (a PKCE verifier of 64 bytes is 86 characters: RFC 7636 allows 43 to 128). */
    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
