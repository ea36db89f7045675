package shortsmith.providers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.StoryInput;
import shortsmith.testing.FakeServer;
import shortsmith.testing.TestSupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The promises at the network edge (#11): a paid request is never sent twice unless the user asks,
 * a key goes only to its own API's origin, every wait is bounded (body included), headers are data.
 */
class TrustTest {
    static final String KEY = ImagesTest.KEY;

    static StageResult images(Path story, Settings settings) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        return ImageStage.run(input, settings, false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
    }

    /** A BFL stand-in whose submission answers after {@code submitMillis}, or with {@code status}. */
    static FakeServer bfl(ImagesTest.Bfl handler, long submitMillis, int status) throws Exception {
        var server = new FakeServer(r -> {
            if (r.method().equals("POST") && r.path().equals("/v1/flux-pro-1.1") && status != 200) {
                handler.submits.incrementAndGet();
                return FakeServer.Answer.json(status, "{\"detail\":\"upstream trouble\"}");
            }
            var a = handler.answer(r);
            return r.method().equals("POST") ? a.after(submitMillis) : a;
        });
        handler.server = server;
        return server;
    }

    @Test
    void aBflSubmitSlowerThanTheTimeoutIsSentOnceAndNotAgainUntilForced(@TempDir Path dir) throws Exception {
        var handler = new ImagesTest.Bfl();
        handler.readyAfterMillis = 0;
        try (var server = bfl(handler, 2000, 200)) {
            Path story = ImagesTest.story(dir, "a kite at dawn");
            var settings = ImagesTest.settings(server, "bfl", "PROVIDER_TIMEOUT", "1.5");
            var first = images(story, settings);
            assertEquals(ExitCode.PROVIDER.code(), first.exitCode());
            String message = first.failures().get("s1").getMessage();
            assertTrue(message.contains("within 1.5 s"), "the timeout as set, not rounded: " + message);
            assertTrue(message.contains("may have been accepted and billed") && message.endsWith("(to send it again: gen-images --force " + story.toAbsolutePath().normalize() + " s1)"), message);
            Thread.sleep(700);   // let the slow answer land
            assertEquals(1, handler.submits.get(), "one picture, one paid submission");
            var record = Json.MAPPER.readTree(dir.resolve("story.work/jobs/image-s1.json").toFile());
            assertEquals("sending", record.get("state").asText(), "its fate is on record");

            var second = images(story, ImagesTest.settings(server, "bfl"));
            assertEquals(ExitCode.PROVIDER.code(), second.exitCode());
            assertEquals(1, handler.submits.get(), "the next run does not send it again");

            var input = StoryInput.resolve(List.of(story.toString(), "s1"), System.in, true);
            var forced = ImageStage.run(input, ImagesTest.settings(server, "bfl", "PROVIDER_TIMEOUT", "5"), true,
                    new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, forced.exitCode(), forced.failures().toString());
            assertEquals(2, handler.submits.get(), "--force for that scene sends it again, once");
            assertFalse(Files.exists(dir.resolve("story.work/jobs/image-s1.json")), "the record goes once the picture is kept");
        }
    }

    @Test
    void a500502Or504IsNotSentAgainButA503OrA429Is(@TempDir Path dir) throws Exception {
        for (int status : new int[] {500, 502, 504}) {
            var handler = new ImagesTest.Bfl();
            try (var server = bfl(handler, 0, status)) {
                var result = images(ImagesTest.story(dir.resolve("s" + status), "a lake"), ImagesTest.settings(server, "bfl"));
                assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
                assertEquals(1, handler.submits.get(), "HTTP " + status + " may have been accepted: sent once");
                assertTrue(result.failures().get("s1").getMessage().contains("HTTP " + status), result.failures().toString());
            }
        }
        // 503 and 429 say the server did not take the work: sent again (429's reset in epoch milliseconds).
        var handler = new ImagesTest.Bfl();
        handler.readyAfterMillis = 0;
        var refusals = new AtomicInteger();
        try (var server = new FakeServer(r -> {
            if (r.method().equals("POST") && refusals.incrementAndGet() <= 2) {
                return refusals.get() == 1 ? FakeServer.Answer.json(503, "{\"detail\":\"overloaded\"}")
                        : FakeServer.Answer.json(429, "{\"detail\":\"slow down\"}").withHeader("x-ratelimit-reset",
                        String.valueOf(System.currentTimeMillis() + 400));
            }
            return handler.answer(r);
        })) {
            handler.server = server;
            var result = images(ImagesTest.story(dir.resolve("retry"), "a lake"), ImagesTest.settings(server, "bfl"));
            assertEquals(0, result.exitCode(), result.failures().toString());
            assertEquals(3, server.requests("POST", "/v1/").size());
        }
    }

    /** A server on a raw socket that reads the request and then does {@code then} with the connection. */
    static final class RawServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final AtomicInteger requests = new AtomicInteger();

        interface Then {
            void with(Socket s) throws Exception;
        }

        RawServer(Then then) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                readRequest(s.getInputStream());
                                requests.incrementAndGet();
                                then.with(s);
                            } catch (Exception ignored) {
                                // the client went away
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String base() { return "http://127.0.0.1:" + socket.getLocalPort(); }

        static void readRequest(InputStream in) throws IOException {
            var head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) return;
                head.append((char) c);
            }
            var m = java.util.regex.Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
            if (m.find()) in.readNBytes(Integer.parseInt(m.group(1)));
        }

        public void close() throws IOException { socket.close(); }
    }

    @Test
    void aConnectionResetAfterSendingIsNotSentAgainButAConnectionRefusedLeavesNothingOnRecord(@TempDir Path dir) throws Exception {
        try (var server = new RawServer(s -> s.setSoLinger(true, 0))) {   // read the whole request, then reset
            var result = images(ImagesTest.story(dir.resolve("reset"), "a lake"), ImagesTest.settings(server.base(), "bfl"));
            assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
            assertEquals(1, server.requests.get(), "a reset after sending: sent once");
            assertTrue(result.failures().get("s1").getMessage().contains("may have been accepted and billed"), result.failures().toString());
        }
        int closedPort;
        try (var probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        var refused = images(ImagesTest.story(dir.resolve("refused"), "a lake"),
                Settings.of(Map.of("IMAGE_PROVIDER", "bfl", "IMAGE_BASE_URL", "http://127.0.0.1:" + closedPort, "IMAGE_API_KEY", KEY,
                        "PROVIDER_RETRY_DELAY", "0.05", "PROVIDER_DEADLINE", "1")));
        assertEquals(ExitCode.PROVIDER.code(), refused.exitCode());
        String message = refused.failures().get("s1").getMessage();
        assertTrue(message.contains("cannot reach") && !message.contains("billed"), message);
        assertFalse(Files.exists(dir.resolve("refused/story.work/jobs/image-s1.json")), "never reached the server: nothing on record");
    }

    @Test
    void aReplyThatStallsAfterItsHeadersIsBoundedAsAWhole() throws Exception {
        try (var server = new RawServer(s -> {
            var out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"status\":".getBytes());
            out.flush();
            Thread.sleep(60_000);   // and nothing more
        })) {
            var settings = Settings.of(Map.of("PROVIDER_TIMEOUT", "0.5", "PROVIDER_DEADLINE", "2", "PROVIDER_RETRY_DELAY", "0.1"));
            var http = Http.of("stall", settings, URI.create(server.base() + "/"));
            long t0 = System.nanoTime();
            var poll = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(Http.ProviderException.class,
                    () -> http.withRetries(() -> http.getJson(URI.create(server.base() + "/v1/get_result?id=1"), Map.of()), (n, e, w) -> {})));
            assertTrue(poll.getMessage().contains("no complete answer") && poll.getMessage().contains("500 ms"), poll.getMessage());
            assertTrue(server.requests.get() >= 2, "a stalled poll is asked again: " + server.requests.get());
            assertTrue((System.nanoTime() - t0) / 1e9 < 6, "within the deadline");
            int before = server.requests.get();
            var submit = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(Http.MaybeBilled.class,
                    () -> http.withRetries(() -> http.submit(URI.create(server.base() + "/v1/flux-pro-1.1"), Map.of(), Map.of("prompt", "x")), (n, e, w) -> {})));
            assertEquals(before + 1, server.requests.get(), "a stalled submission is not sent again: " + submit.getMessage());
        }
    }

    @Test
    void keysNeverFollowARedirectToAnotherOrigin(@TempDir Path dir) throws Exception {
        try (var elsewhere = new FakeServer(r -> FakeServer.Answer.json("{\"id\":\"x\",\"status\":\"Pending\"}"))) {
            var handler = new ImagesTest.Bfl();
            handler.readyAfterMillis = 0;
            try (var server = new FakeServer(r -> {
                if (r.method().equals("POST")) {
                    return FakeServer.Answer.json(307, "{}").withHeader("Location", elsewhere.base() + "/v1/flux-pro-1.1");
                }
                return handler.answer(r);
            })) {
                handler.server = server;
                var result = images(ImagesTest.story(dir.resolve("post"), "a lake"), ImagesTest.settings(server, "bfl"));
                assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
                assertTrue(elsewhere.requests.isEmpty(), "the keyed submission went nowhere else: " + elsewhere.requests);
                assertTrue(result.failures().get("s1").getMessage().contains("redirect"), result.failures().toString());
            }
            // A poll redirected to another origin is followed, without the key.
            var poller = new ImagesTest.Bfl();
            poller.readyAfterMillis = 0;
            var redirected = new AtomicInteger();
            try (var server = new FakeServer(r -> r.path().equals("/v1/get_result") && redirected.incrementAndGet() == 2
                    ? FakeServer.Answer.json(302, "{}").withHeader("Location", elsewhere.base() + "/status") : poller.answer(r))) {
                poller.server = server;
                images(ImagesTest.story(dir.resolve("poll"), "a lake"), ImagesTest.settings(server, "bfl", "PROVIDER_DEADLINE", "3"));
                var followed = elsewhere.requests("GET", "/status");
                assertFalse(followed.isEmpty(), "the redirect was followed");
                assertNull(followed.getFirst().header("x-key"), "without the key");
            }
            // Gemini's key header stays home too.
            try (var gemini = new FakeServer(r -> FakeServer.Answer.json(307, "{}").withHeader("Location", elsewhere.base() + "/steal"))) {
                var settings = Settings.of(Map.of("GEMINI_API_KEY", "AIza-test-key-1234", "GEMINI_BASE_URL", gemini.base(), "PROVIDER_DEADLINE", "2"));
                assertThrows(ShortsmithException.class, () -> ScriptWriter.fromTopic(settings, "a kite", 2, "es", s -> {}));
                assertTrue(elsewhere.requests("POST", "/steal").isEmpty() && elsewhere.requests("GET", "/steal").isEmpty());
            }
        }
    }

    @Test
    void aPollingUrlOnAnotherOriginIsNotGivenTheKey(@TempDir Path dir) throws Exception {
        try (var regional = new FakeServer(r -> FakeServer.Answer.json("{\"status\":\"Pending\"}"))) {
            var handler = new ImagesTest.Bfl();
            handler.readyAfterMillis = 0;
            try (var server = new FakeServer(r -> {
                var a = handler.answer(r);
                if (r.method().equals("POST")) {
                    // The polling URL names another host, as BFL's regional endpoints do.
                    String id = Json.MAPPER.readTree(a.body()).get("id").asText();
                    return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"polling_url\":\"" + regional.base() + "/v1/get_result?id=" + id + "\"}");
                }
                return a;
            })) {
                handler.server = server;
                var result = images(ImagesTest.story(dir, "a lake"), ImagesTest.settings(server, "bfl"));
                assertEquals(0, result.exitCode(), result.failures().toString());
                assertTrue(regional.requests.isEmpty(), "nothing (and no key) went to the other origin");
                assertEquals(KEY, server.requests("GET", "/v1/get_result").getLast().header("x-key"), "polled on the API's own origin");
            }
        }
    }

    @Test
    void headerValuesAreDataOddOnesAreClampedOrIgnored() {
        long now = System.currentTimeMillis();
        Map<String, Duration> expected = new java.util.LinkedHashMap<>();
        expected.put("2", Duration.ofSeconds(2));
        expected.put("1.5", Duration.ofMillis(1500));
        expected.put("1m30s", Duration.ofSeconds(90));
        expected.put("250ms", Duration.ofMillis(250));
        expected.put("-5", Duration.ZERO);
        expected.put(String.valueOf(now + 3000), Duration.ofSeconds(3));            // epoch milliseconds
        expected.put(String.valueOf(now / 1000 + 3), Duration.ofSeconds(3));        // epoch seconds
        expected.put("1e20", Http.LONGEST_SERVER_WAIT);
        expected.put("99999999999999999999999999", Http.LONGEST_SERVER_WAIT);
        expected.put("Wed, 21 Oct 2015 07:28:00 GMT", Duration.ZERO);
        for (var e : expected.entrySet()) {
            Duration d = Http.duration(e.getKey());
            assertNotNull(d, e.getKey());
            assertEquals(e.getValue().toMillis(), d.toMillis(), 1100, e.getKey() + " → " + d);
        }
        for (String ignored : new String[] {"", "abc", "NaN", "Infinity", "-Infinity", "1h2x", "🕐", "9".repeat(400)}) {
            assertNull(Http.duration(ignored), "ignored: " + ignored);
        }
        for (String value : new String[] {"1e20", "NaN", String.valueOf(now), "abc", "-1", "0x10"}) {
            var headers = java.net.http.HttpHeaders.of(Map.of("Retry-After", List.of(value), "x-ratelimit-reset", List.of(value)), (a, b) -> true);
            Duration d = Http.serverWait(headers, "{\"error\":{\"details\":[{\"retryDelay\":\"NaNs\"}]}}".getBytes());
            if (d != null) assertTrue(!d.isNegative() && d.compareTo(Http.LONGEST_SERVER_WAIT) <= 0, value + " → " + d);
        }
    }

    @Test
    void ultraAndKontextModelsAreAskedForA916AspectRatio(@TempDir Path dir) throws Exception {
        for (String model : new String[] {"flux-pro-1.1-ultra", "flux-kontext-pro"}) {
            var bodies = new java.util.concurrent.CopyOnWriteArrayList<String>();
            var handler = new ImagesTest.Bfl();
            handler.readyAfterMillis = 0;
            try (var server = new FakeServer(r -> {
                if (r.method().equals("POST")) {
                    bodies.add(r.body());
                    return handler.answer(new FakeServer.Request(r.method(), "/v1/flux-pro-1.1", r.query(), r.headers(),
                            "{\"prompt\":\"x\",\"width\":576,\"height\":1024}", r.nanos(), r.raw()));
                }
                return handler.answer(r);
            })) {
                handler.server = server;
                var result = images(ImagesTest.story(dir.resolve(model), "a lake"), ImagesTest.settings(server, "bfl", "IMAGE_MODEL", model,
                        "VIDEO_SIZE", "1080x1920"));
                assertEquals(0, result.exitCode(), result.failures().toString());
                var body = Json.MAPPER.readTree(bodies.getFirst());
                assertEquals("9:16", body.path("aspect_ratio").asText(), model + ": " + body);
                assertFalse(body.has("width") || body.has("height"), model + " takes no width/height: " + body);
                assertEquals("/v1/" + model, server.requests("POST", "/v1/").getFirst().path());
            }
        }
    }

    @Test
    void aCommunityReplicateModelIsRunByItsLatestVersion(@TempDir Path dir) throws Exception {
        byte[] voice = Files.readAllBytes(shortsmith.testing.StoryFixture.speak("Una cometa.", dir.resolve("v.wav")));
        try (var delivery = new FakeServer(r -> FakeServer.Answer.bytes("audio/wav", voice)); var server = new FakeServer(r -> {
            if (r.method().equals("POST") && r.path().startsWith("/v1/models/")) {
                return FakeServer.Answer.json(404, "{\"title\":\"Not found\",\"detail\":\"The requested resource could not be found.\",\"status\":404}");
            }
            if (r.method().equals("GET") && r.path().equals("/v1/models/jaaari/kokoro-82m")) {
                return FakeServer.Answer.json("{\"owner\":\"jaaari\",\"name\":\"kokoro-82m\",\"latest_version\":{\"id\":\"f559560e\"}}");
            }
            if (r.method().equals("POST") && r.path().equals("/v1/predictions")) {
                return FakeServer.Answer.json(201, "{\"id\":\"p1\",\"status\":\"starting\"}");
            }
            if (r.path().equals("/v1/predictions/p1")) {
                return FakeServer.Answer.json("{\"id\":\"p1\",\"status\":\"succeeded\",\"output\":\"" + delivery.base() + "/out.wav\"}");
            }
            return FakeServer.Answer.json(404, "{\"detail\":\"Not found.\"}");
        })) {
            var settings = Settings.of(Map.of("TTS_PROVIDER", "replicate", "TTS_BASE_URL", server.base(), "TTS_API_KEY", "r8_test-token-1234",
                    "PROVIDER_RETRY_DELAY", "0.05"));
            var input = StoryInput.resolve(List.of(ImagesTest.story(dir, "a").toString()), System.in, true);
            var result = SpeechStage.run(input, settings, false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, result.exitCode(), result.failures().toString());
            var created = server.requests("POST", "/v1/predictions");
            assertEquals(1, created.size());
            assertEquals("f559560e", Json.MAPPER.readTree(created.getFirst().body()).get("version").asText());
            assertNull(delivery.requests.getFirst().header("Authorization"));
        }
    }

    /** A WAV of {@code seconds} of a tone: what the stand-in speech server answers for each piece. */
    static byte[] tone(double seconds) {
        int rate = 24000, n = (int) (seconds * rate);
        var b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVEfmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(2 * rate).putShort((short) 2).putShort((short) 16).put("data".getBytes()).putInt(2 * n);
        for (int i = 0; i < n; i++) b.putShort((short) (8000 * Math.sin(2 * Math.PI * 220 * i / rate)));
        return b.array();
    }

    @Test
    void narrationLongerThanOpenAisLimitIsSentInSentencePiecesAndJoinedGaplessly(@TempDir Path dir) throws Exception {
        try (var server = new FakeServer(r -> {
            String input = Json.MAPPER.readTree(r.body()).get("input").asText();
            if (input.length() > 4096) return FakeServer.Answer.json(400, "{\"error\":{\"message\":\"input too long\"}}");
            return FakeServer.Answer.bytes("audio/wav", tone(0.5));
        })) {
            var sentence = "Una cometa roja sube sobre el mar y el viento la lleva muy lejos de la playa. ";
            String text = sentence.repeat(120).strip();   // about 9,400 characters
            var story = dir.resolve("story.json");
            Files.writeString(story, Json.write(Map.of("title", "Larga", "language", "es", "scenes", List.of(Map.of("id", "s1", "text", text)))));
            var settings = Settings.of(Map.of("TTS_PROVIDER", "openai", "TTS_BASE_URL", server.base(), "PROVIDER_RETRY_DELAY", "0.05"));
            var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
            var result = SpeechStage.run(input, settings, false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, result.exitCode(), result.failures().toString());
            var sent = server.requests("POST", "/v1/audio/speech");
            assertEquals(3, sent.size(), "9,400 characters in three pieces");
            var joined = new StringBuilder();
            for (var r : sent) {
                String piece = Json.MAPPER.readTree(r.body()).get("input").asText();
                assertTrue(piece.length() <= 4096 && piece.endsWith("."), "a whole-sentence piece under the limit: " + piece.length());
                joined.append(joined.isEmpty() ? "" : " ").append(piece);
            }
            assertEquals(text, joined.toString(), "nothing lost or repeated");
            byte[] wav = Files.readAllBytes(Path.of(result.story().scenes().getFirst().audio()));
            assertEquals(44 + 3 * (tone(0.5).length - 44), wav.length, "the pieces joined sample for sample, nothing between");
        }
    }

    @Test
    void aKillAtAnyPointBetweenSubmitAndDownloadCostsAtMostTheOneSubmission(@TempDir Path dir) throws Exception {
        for (String point : new String[] {"before-send", "answer-received", "job-saved", "asset-saved"}) {
            var handler = new ImagesTest.Bfl();
            handler.readyAfterMillis = 0;
            try (var server = new FakeServer(handler)) {
                handler.server = server;
                Path story = ImagesTest.story(dir.resolve(point), "a lighthouse");
                var env = new HashMap<>(Map.of("IMAGE_PROVIDER", "bfl", "IMAGE_BASE_URL", server.base(), "IMAGE_API_KEY", KEY,
                        "VIDEO_SIZE", "360x640", "PROVIDER_RETRY_DELAY", "0.05"));
                env.put("SHORTSMITH_CRASH_AT", point);
                var killed = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
                assertEquals(137, killed.exitCode(), point + ": " + killed);
                int paid = handler.submits.get();
                assertTrue(paid <= 1, point + ": " + paid + " submissions");
                env.remove("SHORTSMITH_CRASH_AT");
                var next = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
                assertEquals(paid, handler.submits.get(), point + ": the next run paid nothing more\n" + next);
                switch (point) {
                    case "before-send", "answer-received" -> {
                        assertEquals(ExitCode.PROVIDER.code(), next.exitCode(), next.toString());
                        assertTrue(next.stderr().contains("never arrived") && next.stderr().contains("--force"), next.stderr());
                    }
                    default -> {
                        assertEquals(0, next.exitCode(), next.toString());
                        assertNotNull(javax.imageio.ImageIO.read(Path.of(Json.MAPPER.readTree(next.stdout()).at("/scenes/0/image").asText()).toFile()));
                    }
                }
            }
        }
    }
    @Test
    void aNarrationWhoseWavChunkSizesLieFailsItsSceneAndNeverHangs(@TempDir Path dir) throws Exception {
        byte[] voice = SpeechTest.wav(dir, "Escena uno.");
        // A chunk that claims 0xFFFFFFF8 bytes: read as an int, -8, and the chunk walk stood still forever.
        byte[] lying = shortsmith.media.WavTest.withChunk(voice, "junk", 0xFFFFFFF8L);
        try (var server = new FakeServer(r -> FakeServer.Answer.bytes("audio/wav",
                Json.MAPPER.readTree(r.body()).get("input").asText().contains("1") ? lying : voice))) {
            Path story = ImagesTest.story(dir, "x", "y");
            var result = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> SpeechTest.run(story, Map.of("TTS_PROVIDER", "openai",
                    "TTS_BASE_URL", server.base(), "TTS_MODEL", "kokoro", "TTS_VOICE", "ef_dora")));
            assertEquals(ExitCode.FAILED.code(), result.exitCode(), result.failures().toString());
            assertEquals(List.of("s1"), List.copyOf(result.failures().keySet()));
            String why = result.failures().get("s1").getMessage();
            assertTrue(why.startsWith("scene s1: ") && why.contains("returned audio that does not decode"), why);
            assertEquals(1, why.lines().count());
            assertNotNull(result.story().scene("s2").audio(), "the other scene goes on");
        }
    }
}
