package shortsmith.publish;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.media.Proc;
import shortsmith.testing.FakeServer;
import shortsmith.testing.YouTubeStandIn;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * publish against a YouTube stand-in on loopback (#25): one private video with its caption track
 * and the disclosure flag; never twice; every fault (a dropped connection mid-chunk, 503, a lost
 * final answer, a stall, an expired session, a 401) leaves exactly one video with the Short's bytes;
 * quotas queue; tokens never leave their origins or show in any output.
 */
class PublishTest {
    static Path short_;
    static Path srt;

    @TempDir Path dir;
    YouTubeStandIn yt;
    String refresh;
    ByteArrayOutputStream log;
    Progress progress;

    /** A real 4 s H.264 video of about 2.5 MB (several 256 KiB chunks) and its captions. */
    @BeforeAll
    static void makeShort(@TempDir Path shared) {
        short_ = shared.resolve("prueba.mp4");
        video(short_);
        srt = shared.resolve("prueba.srt");
        try {
            Files.writeString(srt, "1\n00:00:00,000 --> 00:00:01,200\nUna cometa roja\n\n2\n00:00:01,200 --> 00:00:03,000\nsube con el viento\n");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        yt = new YouTubeStandIn();
        refresh = yt.refreshToken();
        log = new ByteArrayOutputStream();
        progress = new Progress(new PrintStream(log, true, StandardCharsets.UTF_8), false, List.of());
        Files.copy(short_, dir.resolve("prueba.mp4"));
        Files.copy(srt, dir.resolve("prueba.srt"));
    }

    @AfterEach
    void stop() throws Exception { yt.close(); }

    Settings settings(String... more) {
        var m = new HashMap<>(yt.env());
        m.put("YOUTUBE_REFRESH_TOKEN", refresh);
        m.put("YOUTUBE_CHUNK_KB", "256");
        m.put("PROVIDER_TIMEOUT", "3");
        m.put("PROVIDER_RETRY_DELAY", "0.05");
        m.put("PROVIDER_DEADLINE", "30");
        for (int i = 0; i < more.length; i += 2) m.put(more[i], more[i + 1]);
        return Settings.of(m);
    }

    Publisher publisher(Settings s, Publisher.Options o) { return Publisher.of(s, Map.of("HOME", dir.toString()), o); }

    Publisher.Result publish(Settings s) throws Exception {
        return publisher(s, Publisher.Options.defaults()).publish(item(), 0, progress);
    }

    Publisher.Result publish() throws Exception { return publish(settings()); }

    Publisher.Item item() {
        return new Publisher.Item(dir.resolve("prueba.mp4"), null, "Una cometa roja", "es");
    }

    /** Exactly one video on the channel, made of exactly the Short's bytes. */
    void assertOneVideoWithTheShortsBytes() throws Exception {
        assertEquals(1, yt.videos().size(), "videos on the channel: " + yt.describe());
        assertArrayEquals(Files.readAllBytes(dir.resolve("prueba.mp4")), yt.videos().getFirst().bytes(), "the stored bytes are the Short's");
    }

    static void assertNoSecretsIn(YouTubeStandIn yt, String text) {
        for (String secret : yt.secrets()) assertFalse(text.contains(secret), "a token or the client secret was shown:\n" + text);
    }

    void assertNoSecretsIn(String text) { assertNoSecretsIn(yt, text); }

    /** A real 4 s H.264 Short of about 2.5 MB with a title and its audio's language tagged, as merge writes them. */
    static void video(Path target) {
        var r = Proc.run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=360x640:r=25:d=4", "-f", "lavfi", "-i", "sine=d=4",
                "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "5M", "-maxrate", "5M", "-bufsize", "1M", "-c:a", "aac", "-shortest",
                "-metadata", "title=Una cometa roja", "-metadata:s:a:0", "language=spa", target.toString()), Duration.ofSeconds(60));
        assertTrue(r.ok(), r.stderr());
    }

    @Test
    void publishesOnePrivateVideoDisclosedAsSyntheticWithItsCaptionTrackAndRecordsIt() throws Exception {
        var r = publish();
        assertEquals("published", r.outcome(), r.toString() + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        var v = yt.videos().getFirst().resource();
        assertEquals("Una cometa roja", v.path("snippet").path("title").asText());
        assertEquals("#Shorts", v.path("snippet").path("description").asText());
        assertEquals("es", v.path("snippet").path("defaultLanguage").asText());
        assertEquals("es", v.path("snippet").path("defaultAudioLanguage").asText());
        assertEquals("private", v.path("status").path("privacyStatus").asText());
        assertTrue(v.path("status").path("containsSyntheticMedia").asBoolean(false), v.toString());
        assertFalse(v.path("status").path("selfDeclaredMadeForKids").asBoolean(true));
        assertEquals(1, yt.captions().size());
        var c = yt.captions().getFirst();
        assertEquals(yt.videos().getFirst().id(), c.videoId());
        assertEquals("es", c.language());
        assertEquals("Español", c.name());
        assertArrayEquals(Files.readAllBytes(dir.resolve("prueba.srt")), c.file());
        // Chunks of 256 KiB but the last, each sent once.
        long size = Files.size(dir.resolve("prueba.mp4"));
        var ranges = yt.chunkRanges();
        assertEquals((size + YouTubeStandIn.QUANTUM - 1) / YouTubeStandIn.QUANTUM, ranges.size(), ranges.toString());
        // The record beside the Short, readable only by its owner.
        Path record = Published.recordOf(dir.resolve("prueba.mp4"));
        var p = Json.MAPPER.readTree(record.toFile());
        assertEquals(yt.videos().getFirst().id(), p.path("videoId").asText());
        assertEquals("https://www.youtube.com/shorts/" + p.path("videoId").asText(), r.url());
        assertEquals(Publisher.sha256(dir.resolve("prueba.mp4")), p.path("sha256").asText());
        assertEquals("uploaded", p.path("captions").path("state").asText());
        assertFalse(p.has("session"), "no session address kept once the video exists");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(record)));
        assertNoSecretsIn(log.toString() + Files.readString(record));
    }

    @Test
    void publishingTheSameFileAgainPrintsItsUrlAndSendsNothing() throws Exception {
        var first = publish();
        int requests = yt.requests.size();
        var again = publish();
        assertEquals("kept", again.outcome());
        assertEquals(first.url(), again.url());
        assertEquals(1, yt.sessionsStarted());
        assertEquals(requests, yt.requests.size(), "nothing asked, not even a token: " + yt.requests.subList(requests, yt.requests.size()));
        assertOneVideoWithTheShortsBytes();
        assertEquals(1, yt.captions().size(), "the caption track is not sent twice either");
    }

    @Test
    void aChangedFileIsANewVideoOnlyWithForceAndTheMessageSaysSo() throws Exception {
        var first = publish();
        Files.write(dir.resolve("prueba.mp4"), new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        var refused = publish();
        assertEquals("failed", refused.outcome());
        assertEquals(ExitCode.USAGE.code(), refused.exitCode());
        assertTrue(refused.message().contains("changed since it was published as " + first.url()) && refused.message().contains("--force"), refused.message());
        assertEquals(1, yt.sessionsStarted());
        var forced = publisher(settings(), new Publisher.Options(Metadata.Flags.none(), true, false, true, null, null, false)).publish(item(), 0, progress);
        assertEquals("published", forced.outcome(), forced.toString());
        assertEquals(2, yt.videos().size());
        var record = Published.read(dir.resolve("prueba.mp4")).orElseThrow();
        assertEquals(first.url(), record.earlier().getFirst().url(), "the first video stays on record");
        assertNotEquals(first.url(), record.url());
    }

    @Test
    void aConnectionDroppedMidChunkResumesFromTheServersRange() throws Exception {
        yt.dropNextChunk = true;
        var r = publish(settings("YOUTUBE_CHUNK_KB", "1024"));
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        var ranges = yt.chunkRanges();
        // The first chunk broke after 512 KiB, which the server kept: the next starts there, not at 0 and not at 1 MiB.
        assertTrue(ranges.get(0).startsWith("0-1048575/"), ranges.toString());
        assertTrue(ranges.get(1).startsWith("524288-"), ranges.toString());
        assertTrue(yt.requests("PUT", "/upload").stream().anyMatch(q -> q.header("content-range").startsWith("bytes */")), "a status query asked");
        assertTrue(log.toString().contains("upload interrupted"), log.toString());
    }

    @Test
    void a503IsWaitedOutAndTheUploadContinues() throws Exception {
        yt.unavailable.set(2);
        var r = publish();
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        assertEquals(1, yt.sessionsStarted());
    }

    @Test
    void aLostFinalAnswerIsFoundByAskingTheSessionAndNothingIsSentAgain() throws Exception {
        yt.loseFinalAnswer = true;
        var r = publish();
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        assertEquals(1, yt.sessionsStarted());
        long size = Files.size(dir.resolve("prueba.mp4"));
        assertEquals((size + YouTubeStandIn.QUANTUM - 1) / YouTubeStandIn.QUANTUM, yt.chunkRanges().size(), "no chunk sent twice: " + yt.chunkRanges());
        assertEquals(yt.videos().getFirst().id(), Published.read(dir.resolve("prueba.mp4")).orElseThrow().videoId());
    }

    @Test
    void aStallIsCutOffByProviderTimeoutAndTheUploadResumes() throws Exception {
        yt.stallNextChunkMillis = 4000;
        var r = publish(settings("PROVIDER_TIMEOUT", "1", "YOUTUBE_CHUNK_KB", "1024"));
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        assertTrue(log.toString().contains("PROVIDER_TIMEOUT"), log.toString());
    }

    @Test
    void anExpiredSessionStartsANewOneOnceAndStillMakesOneVideo() throws Exception {
        // A first run that cannot finish (every chunk answered 503 until the deadline) leaves its session on record.
        yt.unavailable.set(1000);
        var stuck = publish(settings("PROVIDER_DEADLINE", "1", "PROVIDER_RETRY_DELAY", "0.2"));
        assertEquals("failed", stuck.outcome(), stuck.toString());
        assertTrue(stuck.message().contains("PROVIDER_DEADLINE"), stuck.message());
        assertEquals("uploading", Published.read(dir.resolve("prueba.mp4")).orElseThrow().state());
        yt.unavailable.set(0);
        yt.expireSessions();
        yt.expiredStatus = 410;
        var r = publish();
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        assertEquals(2, yt.sessionsStarted());
        assertTrue(log.toString().contains("expired"), log.toString());
    }

    @Test
    void a401RenewsTheAccessTokenOnce() throws Exception {
        yt.unauthorizedOnce = true;
        var r = publish();
        assertEquals("published", r.outcome(), r + "\n" + log);
        assertOneVideoWithTheShortsBytes();
        assertEquals(2, yt.requests("POST", "/token").size(), "the first token, then a renewed one");
    }

    @Test
    void aRevokedSignInIsOneLineSayingToLogInAgain() throws Exception {
        yt.revoke(refresh);
        var r = publish();
        assertEquals("failed", r.outcome());
        assertEquals(ExitCode.PROVIDER.code(), r.exitCode());
        assertTrue(r.message().contains("invalid_grant") && r.message().contains("publish --login"), r.message());
        assertEquals(0, yt.sessionsStarted());
        assertNoSecretsIn(r.message());
    }

    @Test
    void aTokenEndpointThatEchoesTheRequestInItsErrorShowsNoSecretRawOrFormEncoded() throws Exception {
        // The refresh token comes from the sign-in file here (not a setting): publish itself must register it.
        String kept = "1//kept-refresh-" + java.util.UUID.randomUUID();
        Private.write(OAuth.tokenFile(Map.of("HOME", dir.toString())), Json.write(new OAuth.SignIn(yt.clientId, kept, "s", "now")));
        try (var echo = new FakeServer(q -> FakeServer.Answer.json(500, Json.write(Map.of("error", Map.of("message", "cannot parse " + q.body())))))) {
            var m = new HashMap<>(yt.env());
            m.put("OAUTH_TOKEN_URL", echo.base() + "/token");
            m.put("PROVIDER_RETRY_DELAY", "0.01");
            m.put("PROVIDER_DEADLINE", "2");
            var r = publish(Settings.of(m));
            assertEquals("failed", r.outcome(), r.toString());
            assertFalse(echo.requests.isEmpty());
            assertTrue(echo.requests.getFirst().body().contains(OAuth.enc(kept)), "the server did get the token, form-encoded");
            String shown = r.message() + log;
            for (String secret : List.of(kept, OAuth.enc(kept), yt.clientSecret, OAuth.enc(yt.clientSecret))) {
                assertFalse(shown.contains(secret), "shown: " + shown);
            }
        }
    }

    @Test
    void quotaExceededSaysWhichQuotaAndWhenItResetsAndQueuesTheRest() throws Exception {
        yt.videoInsertLimit = 0;
        Files.copy(dir.resolve("prueba.mp4"), dir.resolve("otro.mp4"));
        var p = publisher(settings(), Publisher.Options.defaults());
        var a = p.publish(item(), 0, progress);
        var b = p.publish(new Publisher.Item(dir.resolve("otro.mp4"), null, "Otro", "es"), 1, progress);
        assertEquals("queued", a.outcome(), a.toString());
        assertEquals("queued", b.outcome(), b.toString());
        assertEquals(ExitCode.PROVIDER.code(), a.exitCode());
        assertTrue(a.message().contains("videos.insert") && a.message().contains("midnight Pacific time"), a.message());
        assertEquals(1, yt.requests("POST", "/upload/youtube/v3/videos").size(), "after the refusal nothing more is asked");
        assertTrue(yt.videos().isEmpty());
    }

    @Test
    void theChannelsUploadLimitIsToldApartFromTheProjectsQuota() throws Exception {
        yt.rejectNextUploadLimit = true;
        var r = publish();
        assertEquals("queued", r.outcome());
        assertTrue(r.message().contains("uploadLimitExceeded") && r.message().contains("24 hours"), r.message());
    }

    @Test
    void captionsOverTheUnitQuotaStayQueuedAndTheNextRunAddsThemWithoutASecondVideo() throws Exception {
        yt.unitLimit = 100;
        var first = publish();
        assertEquals("published", first.outcome(), first.toString());
        assertTrue(first.message().contains("captions queued") && first.message().contains("10,000 units"), first.message());
        assertTrue(yt.captions().isEmpty());
        yt.unitLimit = 10_000;
        var second = publish();
        assertEquals("kept", second.outcome());
        assertEquals(1, yt.captions().size());
        assertOneVideoWithTheShortsBytes();
    }

    @Test
    void waitReportsProcessedOrRejectedWithYouTubesReason() throws Exception {
        var o = new Publisher.Options(Metadata.Flags.none(), false, true, false, null, null, false);
        var r = publisher(settings(), o).publish(item(), 0, progress);
        assertEquals("published", r.outcome(), r.toString());
        assertEquals("processed", r.record().processing().path("outcome").asText());
        Files.copy(dir.resolve("prueba.mp4"), dir.resolve("otro.mp4"));
        yt.rejectProcessing = "duplicate";
        var rejected = publisher(settings(), o).publish(new Publisher.Item(dir.resolve("otro.mp4"), null, "Otro", "es"), 0, progress);
        assertEquals("failed", rejected.outcome());
        assertTrue(rejected.message().contains("rejected it (duplicate)"), rejected.message());
    }

    @Test
    void aScheduleSetsPublishAtOnAPrivateVideoOneDayApart() throws Exception {
        var at = java.time.Instant.now().plus(Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Files.copy(dir.resolve("prueba.mp4"), dir.resolve("otro.mp4"));
        var p = publisher(settings(), new Publisher.Options(Metadata.Flags.none(), false, false, false, at, Duration.ofDays(1), false));
        p.publish(item(), 0, progress);
        p.publish(new Publisher.Item(dir.resolve("otro.mp4"), null, "Otro", "es"), 1, progress);
        var times = yt.videos().stream().map(v -> v.resource().path("status").path("publishAt").asText()).sorted().toList();
        assertEquals(List.of(at.toString(), at.plus(Duration.ofDays(1)).toString()), times);
        assertTrue(yt.videos().stream().allMatch(v -> v.resource().path("status").path("privacyStatus").asText().equals("private")));
    }

    @Test
    void theAccessTokenGoesNowhereButTheApiAndTheSecretsOnlyToTheTokenEndpoint() throws Exception {
        publish();
        for (var q : yt.requests) {
            boolean token = q.path().equals("/token");
            String auth = q.header("authorization");
            if (token) {
                assertNull(auth, "no bearer token to the token endpoint");
                assertTrue(q.form().contains(OAuth.enc(yt.clientSecret)), "the client secret goes in the token request's body");
            } else {
                assertNotNull(auth, q.path());
            }
            for (var h : q.headers().values()) {
                assertFalse(h.contains(refresh) || h.contains(yt.clientSecret), "a secret in a header of " + q.path());
            }
        }
    }

    @Test
    void anUploadRedirectedToAnotherOriginIsNotFollowedWithTheTokenOrTheBytes() throws Exception {
        try (var elsewhere = new FakeServer(q -> FakeServer.Answer.json("{}"))) {
            yt.redirectSessionsTo = elsewhere.base();
            var r = publish();
            assertEquals("failed", r.outcome(), r.toString());
            assertTrue(elsewhere.requests.isEmpty(), "nothing went to the other origin: " + elsewhere.requests);
            yt.redirectSessionsTo = null;
            yt.sessionsOn = elsewhere.base();
            var r2 = publish();
            assertEquals("failed", r2.outcome(), r2.toString());
            assertTrue(r2.message().contains("another origin"), r2.message());
            assertTrue(elsewhere.requests.isEmpty(), "no byte to a session address on another origin: " + elsewhere.requests);
        }
    }

    @Test
    void theStandInRefusesMisalignedChunksAsYouTubeDoes() throws Exception {
        // The protocol check the client must pass: a chunk that is not a multiple of 256 KiB (but the last) is refused.
        var p = publisher(settings(), Publisher.Options.defaults());
        var api = YouTube.of(settings(), OAuth.tokens(settings(), Map.of()));
        var session = api.startUpload(Map.of("snippet", Map.of("title", "x"), "status", Map.of("privacyStatus", "private")), 1_000_000, "video/mp4", true);
        var e = assertThrows(shortsmith.core.ShortsmithException.class, () -> api.put(session, new byte[100_000], 0, 1_000_000, "video/mp4", null));
        assertTrue(e.getMessage().contains("multiple of 262144"), e.getMessage());
        assertEquals(0, api.query(session, 1_000_000).held());
        assertNotNull(p);
    }

    @Test
    void anUnreadableOrMissingVideoIsExitCode5() throws Exception {
        Files.writeString(dir.resolve("roto.mp4"), "not a video");
        var p = publisher(settings(), Publisher.Options.defaults());
        var broken = p.publish(new Publisher.Item(dir.resolve("roto.mp4"), null, "x", "es"), 0, progress);
        assertEquals(ExitCode.BAD_INPUT.code(), broken.exitCode(), broken.toString());
        var missing = p.publish(new Publisher.Item(dir.resolve("nada.mp4"), null, "x", "es"), 0, progress);
        assertEquals(ExitCode.BAD_INPUT.code(), missing.exitCode(), missing.toString());
        assertEquals(0, yt.sessionsStarted());
    }
}
