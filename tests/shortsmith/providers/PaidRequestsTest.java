package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.testing.FakeServer;
import shortsmith.testing.TestSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Paid requests and the limits on them, as a user meets them through ./jbang (#23): the rate shared
 * by every process that submits to one service, the record of a request that may have been billed
 * (written only when its bytes may have left), and how to send such a request again on purpose.
 */
class PaidRequestsTest {
    static final String KEY = ImagesTest.KEY;

    /** ./jbang ARGS in {@code cwd}, in the background, its stdout and stderr in {@code log}. */
    static Process start(Path cwd, Map<String, String> env, Path log, String... args) throws IOException {
        var cmd = new ArrayList<>(List.of(TestSupport.repo().resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(env);
        return pb.start();
    }

    static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("not within " + seconds + " s: " + what);
            Thread.sleep(20);
        }
    }

    static void interrupt(Process p, Path log) throws Exception {
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), Files.readString(log));
        assertEquals(130, p.exitValue(), Files.readString(log));
    }

    /** The job records of a story's work folder: file name → state. */
    static Map<String, String> records(Path story) throws IOException {
        Path jobs = story.resolveSibling("story.work/jobs");
        var found = new HashMap<String, String>();
        if (!Files.isDirectory(jobs)) return found;
        try (var s = Files.list(jobs)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                found.put(f.getFileName().toString(), Json.MAPPER.readTree(f.toFile()).path("state").asText());
            }
        }
        return found;
    }

    Map<String, String> bflEnv(FakeServer server, Path cache, String rate) {
        return new HashMap<>(Map.of("IMAGE_PROVIDER", "bfl", "IMAGE_BASE_URL", server.base(), "IMAGE_API_KEY", KEY, "VIDEO_SIZE", "360x640",
                "PROVIDER_RETRY_DELAY", "0.05", "IMAGE_RATE_PER_MIN", rate, "XDG_CACHE_HOME", cache.toString()));
    }

    /**
     * Ctrl-C while scenes wait for the rate limit: only the requests that went out are on record.
     * Before, every waiting scene had a "sending" record that stayed, and the next run refused them
     * all as "may have been accepted and billed" although the service never saw them.
     */
    @Test
    void ctrlCWhileScenesWaitForTheRateLimitLeavesNoRecordOfRequestsNeverSent(@TempDir Path dir) throws Exception {
        var bfl = new ImagesTest.Bfl();
        bfl.readyAfterMillis = 0;
        try (var server = ImagesTest.serve(bfl)) {
            Path story = ImagesTest.story(dir.resolve("s"), "a kite", "a lake", "a boat", "a hill", "a moon");
            var env = bflEnv(server, dir.resolve("cache"), "2");
            Path log = dir.resolve("run.log");
            Process run = start(story.getParent(), env, log, "gen-images", "story.json");
            await(() -> bfl.submits.get() >= 2 && bfl.sawReady.size() >= 2, 120, "two submissions answered");
            Thread.sleep(1500);   // the other three wait for the rate limit
            interrupt(run, log);
            assertEquals(2, bfl.submits.get(), "the rate let two through");
            assertFalse(records(story).containsValue("sending"), "no scene is on record as possibly billed: " + records(story));

            env.put("IMAGE_RATE_PER_MIN", "100");
            var next = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
            assertEquals(0, next.exitCode(), next.toString());
            assertEquals(5, bfl.submits.get(), "the three that never left are sent now, the two made are not sent again");
            assertFalse(next.stderr().contains("billed"), next.stderr());
        }
    }

    /**
     * A 429 (too many active tasks) retried after its wait: the refused attempt's record goes at
     * once, so a Ctrl-C during the wait leaves nothing on record, and the next run sends the scene.
     */
    @Test
    void ctrlCWhileA429IsWaitedOutLeavesNoRecord(@TempDir Path dir) throws Exception {
        var server = new FakeServer(r -> FakeServer.Answer.json(429, "{\"detail\":\"You have exceeded the number of active tasks\"}")
                .withHeader("Retry-After", "30"));
        try (server) {
            Path story = ImagesTest.story(dir.resolve("s"), "a kite");
            var env = bflEnv(server, dir.resolve("cache"), "6");
            Path log = dir.resolve("run.log");
            Process run = start(story.getParent(), env, log, "gen-images", "story.json");
            await(() -> server.requests("POST", "/v1/").size() >= 1, 60, "the submission refused with 429");
            Thread.sleep(800);
            assertEquals(Map.of(), records(story), "the refused attempt left no record while its retry waits");
            interrupt(run, log);
            assertEquals(Map.of(), records(story));
        }
    }

    /**
     * An answer to a paid request too large to accept still means the work was done: the request
     * may have been billed, so it is on record and not sent again. Before, the record was removed
     * and the next run paid again.
     */
    @Test
    void anAnswerTooLargeToAcceptStillCountsAsPaid(@TempDir Path dir) throws Exception {
        byte[] huge = new byte[(int) Http.MAX_DOWNLOAD + 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        try (var server = new FakeServer(r -> new FakeServer.Answer(200, "application/json", huge, Map.of(), 0))) {
            Path story = ImagesTest.story(dir.resolve("s"), "a kite");
            var settings = ImagesTest.settings(server, "openai");
            var first = ImagesTest.run(story, settings, new java.io.ByteArrayOutputStream());
            String why = first.failures().get("s1").getMessage();
            assertTrue(why.contains("larger than 64 MB") && why.contains("billed") && why.contains("gen-images --force"), why);
            var second = ImagesTest.run(story, settings, new java.io.ByteArrayOutputStream());
            assertEquals(1, server.requests("POST", "/v1/images").size(), "not sent again: " + second.failures());
        }
    }

    /**
     * Two gen-images at once against one service, one calling it http://127.0.0.1:PORT and the
     * other http://localhost:PORT/: IMAGE_RATE_PER_MIN=3 holds for both together, and the run held
     * back says so on its progress line. Before, each process kept its own count (gen-images took no
     * ledger, and the ledger was keyed by the URL's raw text): six submissions in the same second.
     */
    @Test
    void twoRunsAtOnceKeepOneRateForTheServiceHoweverTheyNameIt(@TempDir Path dir) throws Exception {
        var bfl = new ImagesTest.Bfl();
        bfl.readyAfterMillis = 0;
        try (var server = ImagesTest.serve(bfl)) {
            Path a = ImagesTest.story(dir.resolve("a"), "a kite", "a lake", "a boat");
            Path b = ImagesTest.story(dir.resolve("b"), "a hill", "a moon", "a tree");
            var envA = bflEnv(server, dir.resolve("cache"), "3");
            var envB = new HashMap<>(envA);
            envB.put("IMAGE_BASE_URL", server.base().replace("127.0.0.1", "localhost") + "/");
            Path logA = dir.resolve("a.log"), logB = dir.resolve("b.log");
            // One after the other, so that two first builds of the script do not race in JBang's cache (#23, 16).
            Process runA = start(a.getParent(), envA, logA, "gen-images", "story.json");
            await(() -> bfl.submits.get() >= 3, 120, "three submissions");
            Process runB = start(b.getParent(), envB, logB, "gen-images", "story.json");
            try {
                await(() -> {
                    try {
                        return Files.readString(logB).contains("held back by another shortsmith run");
                    } catch (IOException e) {
                        return false;
                    }
                }, 60, "the second run says it is held back by the first");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + Files.readString(logA) + Files.readString(logB), e);
            }
            Thread.sleep(3000);
            assertEquals(3, bfl.submits.get(), "three submissions in the first minute, for both runs together");
            String held = Files.readString(logB);
            assertTrue(held.matches("(?s).*s\\d: image: held back by another shortsmith run: 3 starts in 60 s already made on this machine; next in \\d+(\\.\\d)? s.*"),
                    held);
            assertTrue(runA.waitFor(60, TimeUnit.SECONDS) && runA.exitValue() == 0, Files.readString(logA));
            interrupt(runB, logB);
            assertFalse(records(a).containsValue("sending") || records(b).containsValue("sending"), records(a) + " " + records(b));
        }
    }

    /**
     * The rule for paid requests, made usable: a request whose answer never came fails its scene
     * naming the exact command that sends it again; later runs do not send it; --resend-unanswered
     * sends exactly those once more, and nothing else.
     */
    @Test
    void aPossiblyBilledSceneNamesItsResendCommandAndResendUnansweredSendsOnlyThose(@TempDir Path dir) throws Exception {
        var bfl = new ImagesTest.Bfl();
        bfl.readyAfterMillis = 0;
        var slow = new java.util.concurrent.atomic.AtomicBoolean(true);
        var server = new FakeServer(r -> {
            var a = bfl.answer(r);
            return slow.get() && r.method().equals("POST") && r.body().contains("slow") ? a.after(12_000) : a;
        });
        bfl.server = server;
        try (server) {
            Path story = ImagesTest.story(dir.resolve("my story"), "a kite", "a slow lake", "a slow boat");
            var env = bflEnv(server, dir.resolve("cache"), "60");
            env.put("PROVIDER_TIMEOUT", "5");
            var first = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
            assertEquals(1, first.exitCode(), first.toString());
            assertEquals(3, bfl.submits.get());
            assertTrue(first.stderr().contains("gen-images: scene s2: bfl: no complete answer from 127.0.0.1:" + server.base().replaceFirst(".*:", "")
                    + " within 5 s (PROVIDER_TIMEOUT); the request may have been accepted and billed, so it is not sent again automatically"
                    + " (to send it again: gen-images --force story.json s2)"), first.stderr());
            assertTrue(first.stderr().contains("(to send it again: gen-images --force story.json s3)"), first.stderr());
            assertTrue(first.stderr().contains("gen-images: 2 paid requests may have been billed and are not sent again on their own;"
                    + " to send exactly those again, once: gen-images --resend-unanswered story.json"), first.stderr());

            slow.set(false);
            var again = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
            assertEquals(3, bfl.submits.get(), "a plain run sends neither again: " + again);
            assertTrue(again.stderr().contains("its answer never arrived") && again.stderr().contains("gen-images --force story.json s3"), again.stderr());

            var resent = TestSupport.jbang(story.getParent(), env, null, "gen-images", "--resend-unanswered", "story.json");
            assertEquals(0, resent.exitCode(), resent.toString());
            assertEquals(5, bfl.submits.get(), "exactly the two unanswered ones, once each; the finished s1 is not sent again");
            assertTrue(resent.stderr().contains("s2: image: sending again the request whose answer never came"), resent.stderr());
            var last = TestSupport.jbang(story.getParent(), env, null, "gen-images", "--resend-unanswered", "story.json");
            assertEquals(0, last.exitCode(), last.toString());
            assertEquals(5, bfl.submits.get(), "nothing is unanswered any more: nothing is sent");
        }
        assertEquals("gen-images --force 'my story/story.json' s2", PaidRequests.resendCommand("gen-images",
                Path.of("my story/story.json").toAbsolutePath(), "s2"));
        assertEquals("tts --force - 's 1'", PaidRequests.resendCommand("tts", null, "s 1"));
        assertEquals("gen-images --force '/elsewhere/it'\\''s.json' s2", PaidRequests.resendCommand("gen-images", Path.of("/elsewhere/it's.json"), "s2"));
    }

    /**
     * A job record that cannot be read (damaged, or a huge file that is not ours) may stand for a
     * request that was sent and billed: the request is not sent, and the failure says why and how
     * to send it. Before, an unreadable record counted as none, and the request was sent again.
     */
    @Test
    void anUnreadableRecordIsNotTakenForNoRecord(@TempDir Path dir) throws Exception {
        String b64 = java.util.Base64.getEncoder().encodeToString(ImagesTest.png(180, 320));
        try (var server = new FakeServer(r -> FakeServer.Answer.json("{\"data\":[{\"b64_json\":\"" + b64 + "\"}]}"))) {
            Path story = ImagesTest.story(dir.resolve("s"), "a kite", "a lake");
            Path jobs = Files.createDirectories(story.resolveSibling("story.work/jobs"));
            Files.writeString(jobs.resolve("image-s1.json"), "{\"provider\":\"openai\",\"state\":\"send");          // torn
            Files.write(jobs.resolve("image-s2.json"), new byte[200_000]);                                      // not ours
            var settings = ImagesTest.settings(server, "openai");
            var result = ImagesTest.run(story, settings, new java.io.ByteArrayOutputStream());
            assertEquals(0, server.requests("POST", "/v1/images").size(), "neither is sent: " + result.failures());
            String why = result.failures().get("s1").getMessage();
            assertTrue(why.startsWith("scene s1: openai: the record of this request, image-s1.json in ") && why.contains("cannot be read")
                    && why.endsWith("(to send it again: gen-images --force " + story.toAbsolutePath().normalize() + " s1)"), why);
            assertTrue(result.failures().get("s2").getMessage().contains("larger than 64 KiB"), result.failures().toString());
            var input = shortsmith.core.StoryInput.resolve(List.of(story.toString(), "s1"), System.in, true);
            var forced = ImageStage.run(input, settings, true, new shortsmith.core.Progress(new java.io.PrintStream(new java.io.ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, forced.exitCode(), forced.failures().toString());
            assertEquals(1, server.requests("POST", "/v1/images").size(), "--force for s1 sends it, once");
        }
    }
}
