package shortsmith.publish;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.testing.TestSupport;
import shortsmith.testing.YouTubeStandIn;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** publish as users run it, through ./jbang: signing in with --no-browser, kill -9 mid-upload and the rerun, usage errors. */
class PublishScriptTest {
    @TempDir Path dir;
    YouTubeStandIn yt;

    @BeforeEach
    void start() throws Exception {
        yt = new YouTubeStandIn();
        PublishTest.video(dir.resolve("prueba.mp4"));
        Files.writeString(dir.resolve("prueba.srt"), "1\n00:00:00,000 --> 00:00:02,000\nHola\n");
    }

    @AfterEach
    void stop() throws Exception { yt.close(); }

    Map<String, String> env() {
        var env = new HashMap<>(yt.env());
        env.put("HOME", dir.resolve("home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put("PROVIDER_RETRY_DELAY", "0.05");
        return env;
    }

    void assertNoSecretsIn(String text) { PublishTest.assertNoSecretsIn(yt, text); }

    @Test
    void loginWithNoBrowserChecksStateUsesPkceAndKeepsTheSignInOwnerOnlyThenPublishUsesIt() throws Exception {
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "publish", "--login", "--no-browser", "--login-timeout", "120", "--debug")
                .directory(dir.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().remove("YOUTUBE_REFRESH_TOKEN");
        pb.environment().putAll(env());
        Process p = pb.start();
        var lines = new CopyOnWriteArrayList<String>();
        Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)).lines().forEach(lines::add));
        String consent = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (consent == null && System.nanoTime() < deadline && p.isAlive()) {
            consent = lines.stream().filter(l -> l.startsWith(yt.base() + "/o/oauth2/v2/auth?")).findFirst().orElse(null);
            Thread.sleep(50);
        }
        assertNotNull(consent, "the consent address on a line of its own: " + lines);
        var q = OAuth.parseQuery(URI.create(consent).getRawQuery());
        assertEquals("S256", q.get("code_challenge_method"));
        assertTrue(q.get("redirect_uri").matches("http://127\\.0\\.0\\.1:\\d+"), q.get("redirect_uri"));
        assertTrue(q.get("scope").contains("youtube.upload") && q.get("scope").contains("youtube.force-ssl"), q.get("scope"));

        var http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        // The "browser": the consent page answers with a redirect to the loopback address, carrying code and state.
        var consented = http.send(HttpRequest.newBuilder(URI.create(consent)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, consented.statusCode());
        String back = consented.headers().firstValue("Location").orElseThrow();
        // A forged answer with another state is turned away and the sign-in goes on waiting.
        String forged = back.replaceFirst("state=[^&]*", "state=forged");
        var turnedAway = http.send(HttpRequest.newBuilder(URI.create(forged)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, turnedAway.statusCode(), turnedAway.body());
        assertTrue(p.isAlive(), "a forged answer does not end the sign-in");
        assertTrue(yt.requests("POST", "/token").isEmpty(), "a code with the wrong state is never exchanged");
        var page = http.send(HttpRequest.newBuilder(URI.create(back)).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("Signed in"), page.body());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        // PKCE: the verifier sent to the token endpoint is the one the challenge was made from.
        var exchange = OAuth.parseQuery(yt.requests("POST", "/token").getFirst().form());
        assertEquals("authorization_code", exchange.get("grant_type"));
        assertEquals(q.get("code_challenge"), java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(OAuth.sha256(exchange.get("code_verifier"))));
        assertEquals(q.get("redirect_uri"), exchange.get("redirect_uri"));

        Path file = dir.resolve("config/shortsmith/youtube-token.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertTrue(yt.refreshTokens().contains(Json.MAPPER.readTree(file.toFile()).path("refreshToken").asText()));
        try (var leftovers = Files.list(file.getParent())) {
            assertEquals(List.of(file), leftovers.toList(), "nothing but the sign-in (no temporary file)");
        }
        assertNoSecretsIn(String.join("\n", lines) + stdout);

        // The next run uses the kept sign-in; even --debug shows no token.
        var run = TestSupport.jbang(dir, env(), null, "publish", "prueba.mp4", "--debug");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(1, yt.videos().size());
        assertTrue(run.stdout().strip().startsWith("https://www.youtube.com/shorts/"), run.stdout());
        assertNoSecretsIn(run.stdout() + run.stderr());
    }

    @Test
    void theStandInRedeemsACodeOnlyWithItsPkceVerifier() throws Exception {
        var http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String verifier = OAuth.random(64);
        String challenge = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(OAuth.sha256(verifier));
        String redirect = "http://127.0.0.1:9";
        var consent = http.send(HttpRequest.newBuilder(URI.create(yt.base() + "/o/oauth2/v2/auth?" + OAuth.form(Map.of("client_id", yt.clientId,
                "redirect_uri", redirect, "response_type", "code", "scope", String.join(" ", OAuth.SCOPES), "state", "s", "code_challenge", challenge,
                "code_challenge_method", "S256")))).build(), HttpResponse.BodyHandlers.ofString());
        String code = OAuth.parseQuery(URI.create(consent.headers().firstValue("Location").orElseThrow()).getRawQuery()).get("code");
        var wrong = http.send(HttpRequest.newBuilder(URI.create(yt.base() + "/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(OAuth.form(Map.of("client_id", yt.clientId, "client_secret", yt.clientSecret, "code", code,
                        "code_verifier", OAuth.random(64), "grant_type", "authorization_code", "redirect_uri", redirect)))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, wrong.statusCode());
        assertTrue(wrong.body().contains("invalid_grant"));
        var noPkce = http.send(HttpRequest.newBuilder(URI.create(yt.base() + "/o/oauth2/v2/auth?" + OAuth.form(Map.of("client_id", yt.clientId,
                "redirect_uri", redirect, "response_type", "code", "scope", "https://www.googleapis.com/auth/youtube.upload", "state", "s")))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, noPkce.statusCode());
    }

    @Test
    void killedMidUploadTheRerunResumesFromWhatYouTubeHoldsAndMakesOneVideo() throws Exception {
        var env = env();
        env.put("YOUTUBE_REFRESH_TOKEN", yt.refreshToken());
        env.put("YOUTUBE_CHUNK_KB", "256");
        yt.chunkDelayMillis = 400;
        TestSupport.jbang(dir, env, null, "publish", "--help");   // built and cached, so the kill lands in the upload
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "publish", "prueba.mp4").directory(dir.toFile())
                .redirectOutput(dir.resolve("out1.txt").toFile()).redirectError(dir.resolve("err1.txt").toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (yt.chunkRanges().size() < 3 && System.nanoTime() < deadline && p.isAlive()) Thread.sleep(20);
        assertTrue(yt.chunkRanges().size() >= 3, Files.readString(dir.resolve("err1.txt")));
        p.descendants().forEach(ProcessHandle::destroyForcibly);   // SIGKILL: no shutdown hook, no last word
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        var record = Published.read(dir.resolve("prueba.mp4")).orElseThrow();
        assertEquals("uploading", record.state(), "the session was on disk before the first byte");
        String sessionId = OAuth.parseQuery(URI.create(record.session()).getRawQuery()).get("upload_id");
        Thread.sleep(600);                                         // the chunk in flight when killed lands (or not) on the server
        long held = yt.held(sessionId);
        assertTrue(held > 0 && held < Files.size(dir.resolve("prueba.mp4")), "held " + held);
        int before = yt.chunkRanges().size();
        yt.chunkDelayMillis = 0;

        var rerun = TestSupport.jbang(dir, env, null, "publish", "prueba.mp4");
        assertEquals(0, rerun.exitCode(), rerun.toString());
        var after = yt.chunkRanges().subList(before, yt.chunkRanges().size());
        assertTrue(after.getFirst().startsWith(held + "-"), "resumed at " + held + ", not from zero: " + after);
        assertEquals(1, yt.sessionsStarted(), "the same session, no second video");
        assertEquals(1, yt.videos().size());
        assertArrayEquals(Files.readAllBytes(dir.resolve("prueba.mp4")), yt.videos().getFirst().bytes());
        var v = yt.videos().getFirst();
        assertEquals("private", v.resource().path("status").path("privacyStatus").asText());
        assertTrue(v.resource().path("status").path("containsSyntheticMedia").asBoolean());
        assertEquals("Una cometa roja", v.resource().path("snippet").path("title").asText(), "a bare video's title is the one merge wrote into it");
        assertEquals(1, yt.captions().size());
        assertEquals("es", yt.captions().getFirst().language(), "the captions' language is the audio's (spa)");
        assertTrue(rerun.stderr().contains("resuming the upload"), rerun.stderr());
        assertEquals(v.id(), Published.read(dir.resolve("prueba.mp4")).orElseThrow().videoId());

        var again = TestSupport.jbang(dir, env, null, "publish", "prueba.mp4");
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals(rerun.stdout(), again.stdout(), "the same URL, nothing sent");
        assertTrue(again.stderr().contains("already on YouTube"), again.stderr());
        assertEquals(1, yt.videos().size());
    }

    @Test
    void shortPublishPutsTheStoryUpAfterTheMergeWithTheManifestsMetadataAndCaptions() throws Exception {
        Path story = shortsmith.testing.StoryFixture.story(dir.resolve("s"), "Una cometa roja sube con el viento de la tarde.");
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(story.toFile());
        json.putObject("youtube").put("title", "Cometa").put("privacy", "unlisted");
        Files.writeString(story, Json.write(json));
        var env = env();
        env.putAll(shortsmith.testing.StoryFixture.SMALL);
        env.put("YOUTUBE_REFRESH_TOKEN", yt.refreshToken());
        env.put("FFMPEG_ENCODER", "x264");
        env.remove("XDG_CONFIG_HOME");   // espeak-ng's sound server would leave its own files there
        var run = TestSupport.jbang(story.getParent(), env, null, "short", "story.json", "-o", "cometa.mp4", "--publish");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(1, yt.videos().size());
        var v = yt.videos().getFirst();
        assertArrayEquals(Files.readAllBytes(story.resolveSibling("cometa.mp4")), v.bytes());
        assertEquals("Cometa", v.resource().path("snippet").path("title").asText());
        assertEquals("unlisted", v.resource().path("status").path("privacyStatus").asText());
        assertTrue(v.resource().path("status").path("containsSyntheticMedia").asBoolean());
        assertEquals(1, yt.captions().size());
        assertArrayEquals(Files.readAllBytes(story.resolveSibling("cometa.srt")), yt.captions().getFirst().file(), "merge's word-timed SRT");
        assertTrue(run.stderr().contains("short: cometa.mp4 published: https://www.youtube.com/shorts/" + v.id()), run.stderr());
        assertNoSecretsIn(run.stdout() + run.stderr());
    }

    @Test
    void badMetadataAndSchedulesAreOneLineWithExitCode2AndNothingIsSent() throws Exception {
        var env = env();
        env.put("YOUTUBE_REFRESH_TOKEN", yt.refreshToken());
        var title = TestSupport.jbang(dir, env, null, "publish", "prueba.mp4", "--title", "x".repeat(101));
        assertEquals(2, title.exitCode(), title.toString());
        assertEquals(1, title.stderr().strip().lines().count(), title.stderr());
        assertTrue(title.stderr().contains("title has 101 characters"), title.stderr());
        var publicAt = TestSupport.jbang(dir, env, null, "publish", "prueba.mp4", "--at", "2099-12-10T18:00:00+01:00", "--privacy", "public");
        assertEquals(2, publicAt.exitCode(), publicAt.toString());
        assertTrue(publicAt.stderr().contains("private"), publicAt.stderr());
        var chunk = TestSupport.jbang(dir, Map.of("YOUTUBE_CHUNK_KB", "1000"), null, "publish", "prueba.mp4");
        assertEquals(2, chunk.exitCode(), chunk.toString());
        assertTrue(chunk.stderr().contains("multiple of 256"), chunk.stderr());
        var missing = TestSupport.jbang(dir, env, null, "publish", "nada.mp4");
        assertEquals(5, missing.exitCode(), missing.toString());
        assertTrue(yt.requests.isEmpty(), "nothing was sent: " + yt.requests);
    }
}
