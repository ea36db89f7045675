package shortsmith.providers;

import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.testing.FakeServer;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** gen-images against loopback servers that speak BFL's and OpenAI's APIs and misbehave like them. */
class ImagesTest {
    static final String KEY = "sk-test-DO-NOT-PRINT-4242";

    /** A story of scenes with prompts and nothing generated yet. */
    static Path story(Path dir, String... prompts) throws Exception {
        Files.createDirectories(dir);
        List<Map<String, Object>> scenes = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            var s = new LinkedHashMap<String, Object>();
            s.put("id", "s" + (i + 1));
            s.put("text", "Escena " + (i + 1) + ".");
            s.put("image_prompt", prompts[i]);
            scenes.add(s);
        }
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(Map.of("title", "Imágenes", "language", "es", "scenes", scenes)));
        return file;
    }

    static byte[] png(int w, int h) throws Exception {
        var out = new ByteArrayOutputStream();
        ImageIO.write(LocalImages.draw("a test picture", w, h, 1), "png", out);
        return out.toByteArray();
    }

    static Settings settings(FakeServer server, String provider, String... more) { return settings(server.base(), provider, more); }

    static Settings settings(String base, String provider, String... more) {
        var m = new HashMap<>(Map.of("IMAGE_PROVIDER", provider, "IMAGE_BASE_URL", base, "IMAGE_API_KEY", KEY,
                "PROVIDER_RETRY_DELAY", "0.05", "PROVIDER_DEADLINE", "20", "VIDEO_SIZE", "360x640"));
        for (int i = 0; i < more.length; i += 2) m.put(more[i], more[i + 1]);
        return Settings.of(m);
    }

    static StageResult run(Path story, Settings settings, ByteArrayOutputStream log) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        var progress = new Progress(new PrintStream(log, true), false, input.selected().stream().map(Story.Scene::id).toList());
        return ImageStage.run(input, settings, false, progress);
    }

    /** A BFL-like service: jobs ready {@code readyAfterMillis} after submission; prompts containing "forbidden" are moderated. */
    static final class Bfl implements FakeServer.Handler {
        final Map<String, Long> submitted = new ConcurrentHashMap<>();
        final Map<String, String> prompts = new ConcurrentHashMap<>();
        final Map<String, Long> sawReady = new ConcurrentHashMap<>();
        final AtomicInteger submits = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        volatile long readyAfterMillis = 1200;
        volatile int throttleFirst = 0;
        volatile boolean expiredResults;
        volatile boolean neverReady;
        final byte[] picture;
        FakeServer server;

        Bfl() throws Exception { picture = png(180, 320); }

        public FakeServer.Answer answer(FakeServer.Request r) throws Exception {
            if (r.method().equals("POST") && r.path().equals("/v1/flux-pro-1.1")) {
                int n = submits.incrementAndGet();
                if (!KEY.equals(r.header("x-key"))) return FakeServer.Answer.json(403, "{\"detail\":\"Not authenticated - Invalid key " + r.header("x-key") + "\"}");
                if (n <= throttleFirst) {
                    var a = FakeServer.Answer.json(429, "{\"detail\":\"You have exceeded the number of active tasks\"}");
                    return n == throttleFirst ? a.withHeader("Retry-After", "1") : a;
                }
                var body = Json.MAPPER.readTree(r.body());
                assertTrue(body.get("width").asInt() % 32 == 0 && body.get("height").asInt() % 32 == 0, r.body());
                String id = "job-" + n;
                submitted.put(id, System.nanoTime());
                prompts.put(id, body.get("prompt").asText());
                return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"polling_url\":\"" + server.base() + "/v1/get_result?id=" + id + "\"}");
            }
            if (r.path().equals("/v1/get_result")) {
                int n = polls.incrementAndGet();
                if (n == 1) return FakeServer.Answer.json(503, "{\"detail\":\"Service Unavailable\"}");
                String id = r.query().replace("id=", "");
                Long t = submitted.get(id);
                if (t == null) return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"status\":\"Task not found\"}");
                if (prompts.get(id).contains("forbidden")) return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"status\":\"Content Moderated\",\"details\":{}}");
                if (neverReady || System.nanoTime() - t < readyAfterMillis * 1_000_000L) {
                    return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"status\":\"Pending\",\"progress\":0.5}");
                }
                sawReady.putIfAbsent(id, System.nanoTime());
                return FakeServer.Answer.json("{\"id\":\"" + id + "\",\"status\":\"Ready\",\"result\":{\"sample\":\"" + server.base()
                        + "/delivery/" + id + ".png?sig=abc\",\"prompt\":\"x\"}}");
            }
            if (r.path().startsWith("/delivery/")) {
                if (expiredResults) return new FakeServer.Answer(403, "application/xml", "<Error>Request has expired</Error>".getBytes(), Map.of(), 0);
                return FakeServer.Answer.bytes("image/png", picture);
            }
            return FakeServer.Answer.json(404, "{\"detail\":\"Not Found\"}");
        }
    }

    static FakeServer serve(Bfl bfl) throws Exception {
        var server = new FakeServer(bfl);
        bfl.server = server;
        return server;
    }

    @Test
    void bflJobsAreSubmittedPolledAndDownloadedAndReadyIsNoticedWithinASecond(@TempDir Path dir) throws Exception {
        var bfl = new Bfl();
        bfl.throttleFirst = 2;   // a 429 without Retry-After, then one with Retry-After: 1
        try (var server = serve(bfl)) {
            Path story = story(dir, "a red kite over the sea at dawn");
            var log = new ByteArrayOutputStream();
            var result = run(story, settings(server, "bfl"), log);
            assertEquals(0, result.exitCode(), log.toString());
            Path image = Path.of(result.story().scenes().getFirst().image());
            var decoded = ImageIO.read(image.toFile());
            assertEquals(180, decoded.getWidth());

            var submits = server.requests("POST", "/v1/flux-pro-1.1");
            assertEquals(3, submits.size(), "two 429s, then accepted");
            long waited = (submits.get(2).nanos() - submits.get(1).nanos()) / 1_000_000;
            assertTrue(waited >= 1000, "Retry-After: 1 honoured, waited " + waited + " ms");
            var body = Json.MAPPER.readTree(submits.get(2).body());
            assertEquals("a red kite over the sea at dawn", body.get("prompt").asText());
            assertEquals(9.0 / 16, body.get("width").asDouble() / body.get("height").asDouble(), 0.03);

            // Ready is seen within about a second of becoming ready (the seed polled every 15 s).
            long readyAt = bfl.submitted.get("job-3") + bfl.readyAfterMillis * 1_000_000L;
            long noticed = (bfl.sawReady.get("job-3") - readyAt) / 1_000_000;
            assertTrue(noticed <= 1100, "noticed " + noticed + " ms after it was ready");
            // The key goes to the API, never to the signed delivery URL.
            assertEquals(KEY, server.requests("GET", "/v1/get_result").getLast().header("x-key"));
            assertNull(server.requests("GET", "/delivery/").getFirst().header("x-key"));
            assertFalse(Files.exists(dir.resolve("story.work/jobs/image-s1.json")), "job file removed once the picture is kept");

            // Running again calls nobody.
            int before = server.requests.size();
            var again = run(story, settings(server, "bfl"), new ByteArrayOutputStream());
            assertEquals(0, again.exitCode());
            assertEquals(before, server.requests.size(), "no request for a picture already made");
            assertEquals(image.toString(), again.story().scenes().getFirst().image());
        }
    }

    @Test
    void aModeratedSceneFailsAloneWithTheProvidersReasonAndIsNotRetried(@TempDir Path dir) throws Exception {
        var bfl = new Bfl();
        bfl.readyAfterMillis = 300;
        try (var server = serve(bfl)) {
            Path story = story(dir, "a calm lake", "something forbidden", "a snowy mountain");
            var result = run(story, settings(server, "bfl"), new ByteArrayOutputStream());
            assertEquals(ExitCode.FAILED.code(), result.exitCode());
            assertEquals(List.of("s2"), List.copyOf(result.failures().keySet()));
            String message = result.failures().get("s2").getMessage();
            assertTrue(message.startsWith("scene s2: bfl: Content Moderated"), message);
            assertEquals(3, bfl.submits.get(), "the moderated prompt was submitted once");
            assertNotNull(result.story().scene("s1").image());
            assertNotNull(result.story().scene("s3").image());
            assertNull(result.story().scene("s2").image());
        }
    }

    @Test
    void anExpiredResultUrlFailsTheSceneAndSaysHowToGetANewOne(@TempDir Path dir) throws Exception {
        var bfl = new Bfl();
        bfl.readyAfterMillis = 100;
        bfl.expiredResults = true;
        try (var server = serve(bfl)) {
            var result = run(story(dir, "a desert road"), settings(server, "bfl"), new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
            String message = result.failures().get("s1").getMessage();
            assertTrue(message.contains("expired"), message);
            assertEquals(1, server.requests("GET", "/delivery/").size(), "a 403 on a signed URL is not retried");
            assertTrue(Files.exists(dir.resolve("story.work/jobs/image-s1.json")), "the job stays on record: the next run asks for it again");
            // The next run polls the same job (free) and submits nothing: ordering anew is the user's call (--force).
            bfl.expiredResults = false;
            var again = run(story(dir, "a desert road"), settings(server, "bfl"), new ByteArrayOutputStream());
            assertEquals(0, again.exitCode(), again.failures().toString());
            assertEquals(1, bfl.submits.get(), "one submission in all");
        }
    }

    @Test
    void aMalformedAnswerToASubmissionIsNotSentAgainButAMalformedPollIs(@TempDir Path dir) throws Exception {
        var calls = new AtomicInteger();
        try (var server = new FakeServer(r -> {
            calls.incrementAndGet();
            return new FakeServer.Answer(200, "application/json", "<html>502 Bad Gateway</html>".getBytes(), Map.of(), 0);
        })) {
            Path story = story(dir, "a kite");
            var result = run(story, settings(server, "bfl", "PROVIDER_DEADLINE", "2"), new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
            String message = result.failures().get("s1").getMessage();
            assertTrue(message.contains("malformed JSON") && message.contains("502 Bad Gateway") && !message.contains("\n"), message);
            assertTrue(message.contains("may have been accepted and billed") && message.endsWith("(to send it again: gen-images --force " + story.toAbsolutePath().normalize() + " s1)"), message);
            assertEquals(1, calls.get(), "a 200 with an unreadable body may have created the job: sent once");
        }
        var bfl = new Bfl();
        bfl.readyAfterMillis = 0;
        var garbled = new AtomicInteger();
        try (var server = new FakeServer(r -> r.path().equals("/v1/get_result") && garbled.incrementAndGet() <= 2
                ? new FakeServer.Answer(200, "application/json", "<html>oops</html>".getBytes(), Map.of(), 0) : bfl.answer(r))) {
            bfl.server = server;
            var result = run(story(dir.resolve("poll"), "a kite"), settings(server, "bfl"), new ByteArrayOutputStream());
            assertEquals(0, result.exitCode(), result.failures().toString());
            assertEquals(1, bfl.submits.get());
            assertTrue(garbled.get() >= 3, "polls are free: an unreadable one is asked again");
        }
    }

    @Test
    void aSlowAnswerToAPaidRequestIsNotSentAgainAndTheNextRunDoesNotSendItEither(@TempDir Path dir) throws Exception {
        var calls = new AtomicInteger();
        byte[] picture = png(90, 160);
        String b64 = Base64.getEncoder().encodeToString(picture);
        try (var server = new FakeServer(r -> {
            var a = FakeServer.Answer.json("{\"created\":1,\"data\":[{\"b64_json\":\"" + b64 + "\"}]}");
            return calls.incrementAndGet() == 1 ? a.after(1500) : a;
        })) {
            Path story = story(dir, "a kite");
            var slow = settings(server, "openai", "PROVIDER_TIMEOUT", "0.5", "IMAGE_MODEL", "flux-schnell");
            var result = run(story, slow, new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), result.exitCode());
            String message = result.failures().get("s1").getMessage();
            assertTrue(message.contains("within 500 ms") && message.contains("may have been accepted and billed")
                    && message.contains("--force"), message);
            assertEquals(1, calls.get(), "not sent again after the timeout");
            var next = run(story, slow, new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), next.exitCode());
            assertEquals(1, calls.get(), "the next run does not send it again either");
            assertTrue(next.failures().get("s1").getMessage().contains("its answer never arrived"), next.failures().toString());
            // Asked for on purpose: sent again, and kept.
            var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
            var forced = ImageStage.run(input, slow, true, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, forced.exitCode(), forced.failures().toString());
            assertEquals(2, calls.get());
            assertArrayEquals(picture, Files.readAllBytes(Path.of(forced.story().scenes().getFirst().image())));
        }
    }

    @Test
    void openAiCompatibleImagesComeAsBase64OrUrlAndRefusalsAreNotRetried(@TempDir Path dir) throws Exception {
        byte[] picture = png(90, 160);
        try (var server = new FakeServer(r -> {
            if (r.path().equals("/files/x.png")) return FakeServer.Answer.bytes("image/png", picture);
            var body = Json.MAPPER.readTree(r.body());
            assertEquals("Bearer " + KEY, r.header("Authorization"));
            String prompt = body.get("prompt").asText();
            if (prompt.contains("violent")) {
                return FakeServer.Answer.json(400, "{\"error\":{\"code\":\"content_policy_violation\",\"message\":\"Your request was rejected "
                        + "as a result of our safety system.\",\"type\":\"invalid_request_error\"}}");
            }
            if (prompt.contains("url")) return FakeServer.Answer.json("{\"created\":1,\"data\":[{\"url\":\"" + "http://127.0.0.1:"
                    + r.header("Host").replaceAll(".*:", "") + "/files/x.png\"}]}");
            return FakeServer.Answer.json("{\"created\":1,\"data\":[{\"b64_json\":\"" + Base64.getEncoder().encodeToString(picture) + "\"}]}");
        })) {
            var result = run(story(dir, "a kite as base64", "a kite by url", "something violent"),
                    settings(server, "openai", "IMAGE_MODEL", "dall-e-3"), new ByteArrayOutputStream());
            assertEquals(ExitCode.FAILED.code(), result.exitCode());
            assertArrayEquals(picture, Files.readAllBytes(Path.of(result.story().scene("s1").image())));
            assertArrayEquals(picture, Files.readAllBytes(Path.of(result.story().scene("s2").image())));
            assertTrue(result.failures().get("s3").getMessage().contains("safety system"), result.failures().toString());
            var sent = server.requests("POST", "/v1/images/generations");
            assertEquals(3, sent.size(), "the refusal was not retried");
            assertEquals("1024x1792", Json.MAPPER.readTree(sent.getFirst().body()).get("size").asText());
            assertEquals("b64_json", Json.MAPPER.readTree(sent.getFirst().body()).get("response_format").asText());
        }
    }

    @Test
    void submissionsNeverExceedTheRateInAnyWindow(@TempDir Path dir) throws Exception {
        String b64 = Base64.getEncoder().encodeToString(png(90, 160));
        try (var server = new FakeServer(r -> FakeServer.Answer.json("{\"data\":[{\"b64_json\":\"" + b64 + "\"}]}"))) {
            Path story = story(dir, "one", "two", "three", "four", "five");
            var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
            var settings = settings(server, "openai", "MAX_PARALLEL_IMAGES", "5");
            // 2 a second stands in for IMAGE_RATE_PER_MIN's 60 s window, so the test takes seconds.
            var limiter = new RateLimiter(2, java.time.Duration.ofSeconds(1), Ticker.system());
            var progress = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
            var result = ImageStage.run(input, settings, ImageProvider.from(settings), limiter, false, progress);
            assertEquals(0, result.exitCode());
            var times = server.requests("POST", "/v1/images").stream().map(FakeServer.Request::nanos).sorted().toList();
            assertEquals(5, times.size());
            for (int i = 2; i < times.size(); i++) {
                assertTrue(times.get(i) - times.get(i - 2) >= 950_000_000L, "3 submissions within one window: " + times);
            }
        }
    }

    @Test
    void aRunKilledWhilePollingResumesItsJobInsteadOfPayingAgain(@TempDir Path dir) throws Exception {
        var bfl = new Bfl();
        bfl.neverReady = true;
        try (var server = serve(bfl)) {
            Path story = story(dir, "a lighthouse at night");
            var env = Map.of("IMAGE_PROVIDER", "bfl", "IMAGE_BASE_URL", server.base(), "IMAGE_API_KEY", KEY, "VIDEO_SIZE", "360x640");
            var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "gen-images", "story.json").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile());
            pb.environment().putAll(env);
            Process first = pb.start();
            Path jobFile = dir.resolve("story.work/jobs/image-s1.json");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (bfl.polls.get() < 3 && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(Files.exists(jobFile), "the job id is on disk before polling: " + Files.readString(dir.resolve("first.log")));
            first.destroyForcibly();   // kill -9
            first.waitFor();
            assertEquals(1, bfl.submits.get());

            bfl.neverReady = false;
            bfl.readyAfterMillis = 0;
            var second = TestSupport.jbang(dir, env, null, "gen-images", "story.json");
            assertEquals(0, second.exitCode(), second.toString());
            assertEquals(1, bfl.submits.get(), "resumed polling job-1; nothing submitted (or paid) twice");
            assertTrue(second.stderr().contains("resuming job job-1"), second.stderr());
            assertNotNull(ImageIO.read(Path.of(Json.MAPPER.readTree(second.stdout()).at("/scenes/0/image").asText()).toFile()));
        }
    }

    @Test
    void keysNeverAppearInOutputLogsOrTheWorkFolderEvenWithDebug(@TempDir Path dir) throws Exception {
        try (var server = new FakeServer(r -> FakeServer.Answer.json(401, "{\"detail\":\"Invalid API key: " + r.header("x-key") + "\"}"))) {
            Path story = story(dir, "a kite");
            var env = Map.of("IMAGE_PROVIDER", "bfl", "IMAGE_BASE_URL", server.base(), "IMAGE_API_KEY", KEY);
            var run = TestSupport.jbang(dir, env, null, "gen-images", "story.json", "--debug");
            assertEquals(ExitCode.PROVIDER.code(), run.exitCode(), run.toString());
            assertTrue(run.stderr().contains("HTTP 401") && run.stderr().contains("Invalid API key: ***"), run.stderr());
            assertFalse(run.stdout().contains(KEY) || run.stderr().contains(KEY), "the key leaked:\n" + run);
            assertEquals(1, server.requests.size(), "a 401 is not retried");
            try (var files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) assertFalse(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1).contains(KEY), f.toString());
            }
        }
    }

    @Test
    void theLocalProviderDrawsARealPictureAtTheVideoSize(@TempDir Path dir) throws Exception {
        var result = run(story(dir, "a red kite over the sea at sunset", "un bosque de noche"), Settings.of(Map.of("VIDEO_SIZE", "360x640")),
                new ByteArrayOutputStream());
        assertEquals(0, result.exitCode());
        var colours = new java.util.HashSet<Integer>();
        for (var scene : result.story().scenes()) {
            var img = ImageIO.read(Path.of(scene.image()).toFile());
            assertEquals(360, img.getWidth());
            assertEquals(640, img.getHeight());
            double sum = 0, sq = 0;
            int n = 0;
            for (int y = 0; y < img.getHeight(); y += 4) {
                for (int x = 0; x < img.getWidth(); x += 4) {
                    int rgb = img.getRGB(x, y);
                    colours.add(rgb & 0xF0F0F0);
                    double luma = ((rgb >> 16 & 255) * 0.2126 + (rgb >> 8 & 255) * 0.7152 + (rgb & 255) * 0.0722);
                    sum += luma;
                    sq += luma * luma;
                    n++;
                }
            }
            double sd = Math.sqrt(sq / n - (sum / n) * (sum / n));
            assertTrue(sd > 15, "not a flat placeholder: luma deviation " + sd);
        }
        assertTrue(colours.size() > 60, "many colours: " + colours.size());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(Path.of(result.story().scene("s1").image())),
                Files.readAllBytes(Path.of(result.story().scene("s2").image()))), "different prompts, different pictures");
    }
}
