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
}
