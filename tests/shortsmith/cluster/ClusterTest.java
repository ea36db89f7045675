package shortsmith.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.core.ServiceKey;
import shortsmith.core.Settings;
import shortsmith.providers.LocalImages;
import shortsmith.testing.FakeServer;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cluster as users run it: a real PostgreSQL server on loopback (started here, in a temporary
 * folder), workers as separate processes through ./jbang with homes of their own (so nothing but the
 * database is shared between them) and one shared folder of stories, an image service on loopback
 * that logs when each submission arrives.
 */
// Mostly waiting (worker JVMs starting, heartbeats, a minute of rate limit): run beside the other classes
// (tests/run.java), its own tests one after another.
@Execution(ExecutionMode.CONCURRENT)
class ClusterTest {
    static final String PASSWORD = "pg-Secret-DO-NOT-PRINT-7310";
    static final String KEY = "sk-test-DO-NOT-PRINT-4242";
    static LocalPostgres pg;
    static final AtomicInteger DATABASES = new AtomicInteger();
    /** Every stdout and stderr of every process a test ran: none may hold the password or the key. */
    static final List<String> SAID = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void server() throws Exception {
        pg = LocalPostgres.start("shortsmith", PASSWORD, false);
        // Built once here, with this process's home: the workers below start from the launch cache.
        for (String script : List.of("worker", "queue")) {
            var r = TestSupport.jbang(script, "--help");
            assertEquals(0, r.exitCode(), r.toString());
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) pg.close();
    }

    /** QUEUE_* of a database of its own (one per test: the tables start empty). */
    static Map<String, String> database() throws Exception {
        String name = "cluster_test_" + DATABASES.incrementAndGet();
        try (var c = DriverManager.getConnection(pg.url(), "shortsmith", PASSWORD); var st = c.createStatement()) {
            st.execute("create database " + name);
        }
        var settings = new HashMap<>(pg.settings());
        settings.put("QUEUE_URL", pg.url().replace("/postgres", "/" + name));
        return settings;
    }

    /** An OpenAI-compatible image service that logs when each submission arrives, and refuses a prompt that asks for it. */
    static final class Pictures implements AutoCloseable {
        record Arrival(String prompt, long nanos) {}

        final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        final FakeServer server;

        Pictures(long answerMillis) throws Exception {
            server = new FakeServer(r -> {
                String prompt = Json.MAPPER.readTree(r.body()).path("prompt").asText();
                arrivals.add(new Arrival(prompt, r.nanos()));
                assertEquals("Bearer " + KEY, r.header("Authorization"));
                if (prompt.contains("STALL") && count(prompt) == 1) Thread.sleep(6_000);   // beyond PROVIDER_TIMEOUT: the answer never arrives
                if (prompt.contains("REFUSE")) {
                    return FakeServer.Answer.json(400, "{\"error\":{\"message\":\"Your request was rejected by the safety system\",\"code\":\"content_policy_violation\"}}");
                }
                var png = new ByteArrayOutputStream();
                javax.imageio.ImageIO.write(LocalImages.draw(prompt, 180, 320, 3), "png", png);
                return FakeServer.Answer.json("{\"created\":1,\"data\":[{\"b64_json\":\"" + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"}]}")
                        .after(answerMillis);
            });
        }

        Map<String, String> settings() {
            return Map.of("IMAGE_PROVIDER", "openai", "IMAGE_BASE_URL", server.base(), "IMAGE_API_KEY", KEY, "IMAGE_MODEL", "stand-in");
        }

        long count(String prompt) { return arrivals.stream().filter(a -> a.prompt().equals(prompt)).count(); }

        @Override
        public void close() { server.close(); }
    }

    /** A worker started as a user starts it: ./jbang worker, in its own home. */
    static final class WorkerProcess implements AutoCloseable {
        final String name;
        final Process process;
        final Path out, err, home;

        WorkerProcess(Path dir, String name, Map<String, String> env, String... args) throws Exception {
            this.name = name;
            // A home of its own, outside the test's folder: audio libraries leave links there that JUnit would warn about.
            home = Files.createTempDirectory("shortsmith-worker-" + name + "-");
            out = dir.resolve(name + ".out");
            err = dir.resolve(name + ".err");
            List<String> command = new ArrayList<>(List.of(TestSupport.repo().resolve("jbang").toString(), "worker"));
            command.addAll(List.of(args));
            var pb = new ProcessBuilder(command).directory(home.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("SHORTSMITH_HOME");
            pb.environment().putAll(env);
            pb.environment().putAll(Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString(), "WORKER_NAME", name));
            process = pb.start();
            RUNNING.add(this);
        }

        /** Waits until it takes stories (it said so on stderr). */
        WorkerProcess ready() throws Exception {
            waitFor(Duration.ofMinutes(3), () -> stderr().contains("takes stories from") || !process.isAlive(), "worker " + name + " to start");
            assertTrue(process.isAlive(), "worker " + name + " ended: " + stderr());
            return this;
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (Exception e) {
                return "";
            }
        }

        String stdout() {
            try {
                return Files.readString(out);
            } catch (Exception e) {
                return "";
            }
        }

        int awaitExit(Duration d) throws Exception {
            assertTrue(process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS), "worker " + name + " did not exit within " + d + ": " + stderr());
            return process.exitValue();
        }

        @Override
        public void close() throws Exception {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            SAID.add(stdout());
            SAID.add(stderr());
            shortsmith.core.WorkDir.deleteTree(home);
            RUNNING.remove(this);
        }
    }

    static TestSupport.Run queue(Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("queue"));
        all.addAll(List.of(args));
        var r = TestSupport.jbang(cwd, env, null, all.toArray(String[]::new));
        SAID.add(r.stdout());
        SAID.add(r.stderr());
        return r;
    }

    static Map<String, StoryQueue.Entry> status(Map<String, String> env) throws Exception {
        var entries = new LinkedHashMap<String, StoryQueue.Entry>();
        StoryQueue.open(Settings.of(env)).status().forEach(e -> entries.put(Path.of(e.story()).getFileName().toString(), e));
        return entries;
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Workers running now, whose stderr a failed wait shows. */
    static final List<WorkerProcess> RUNNING = new CopyOnWriteArrayList<>();

    static void waitFor(Duration limit, Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                var context = new StringBuilder();
                RUNNING.forEach(w -> context.append("\n--- ").append(w.name).append(" stderr\n").append(w.stderr()));
                fail("waited " + limit.toSeconds() + " s for " + what + context);
            }
            Thread.sleep(100);
        }
    }

    @SafeVarargs
    static Map<String, String> env(Map<String, String>... parts) {
        var all = new HashMap<String, String>();
        for (var p : parts) all.putAll(p);
        return all;
    }

    /** A story manifest in {@code dir}: one scene per prompt, each its own words. */
    static Path story(Path dir, String name, String... prompts) throws Exception {
        List<Map<String, Object>> scenes = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            scenes.add(Map.of("id", "s" + (i + 1), "text", "Escena " + (i + 1) + " de " + name + ": el muelle guarda el calor de la tarde.",
                    "image_prompt", prompts[i]));
        }
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, Json.write(Map.of("title", "Historia " + name, "language", "es", "scenes", scenes)));
        return file;
    }

    /** How many of a work folder's assets are kept (their records written, after the file). */
    static long kept(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) return 0;
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".asset.json")).count();
        }
    }

    static void noSecretsSaid() {
        for (String s : SAID) {
            assertFalse(s.contains(PASSWORD), "the database password was printed: " + s);
            assertFalse(s.contains(KEY), "the image key was printed: " + s);
        }
    }

    /** Heartbeats short enough for a quick test, long enough that a busy machine does not make a live worker look dead. */
    static final Map<String, String> FAST = Map.of("WORKER_HEARTBEAT", "5");

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void twoWorkersMakeABatchUnderOneImageRateAndEveryStoryEnds(@TempDir Path dir) throws Exception {
        var db = database();
        try (var pictures = new Pictures(150)) {
            Path shared = Files.createDirectories(dir.resolve("shared"));
            story(shared, "a", "a pier at dusk", "colored cups");
            story(shared, "b", "boats on a lake", "a golden leaf");
            story(shared, "c", "a kite in the sky");
            story(shared, "d-refused", "REFUSE this picture");
            Files.writeString(shared.resolve("e-broken.json"), "{\"title\": \"no scenes\"");
            // Four a minute for every worker together: the two workers' homes hold separate local limits.
            var env = env(StoryFixture.SMALL, FAST, db, pictures.settings(), Map.of("IMAGE_RATE_PER_MIN", "4"));

            var added = queue(dir, env, "add", "--batch", shared.toString());
            assertEquals(5, added.exitCode(), "a manifest that cannot be read is refused, the others added: " + added);
            assertTrue(added.stdout().contains("a.json: queued") && added.stdout().contains("d-refused.json: queued"), added.stdout());
            assertTrue(added.stdout().lines().anyMatch(l -> l.startsWith("e-broken.json: not added: ")), added.stdout());
            var again = queue(dir, env, "add", shared.resolve("a.json").toString());
            assertEquals(0, again.exitCode(), again.toString());
            assertEquals("a.json: already queued", again.stdout().strip());

            try (var w1 = new WorkerProcess(dir, "w1", env); var w2 = new WorkerProcess(dir, "w2", env)) {
                w1.ready();
                w2.ready();
                waitFor(Duration.ofMinutes(4), () -> status(db).values().stream().allMatch(e -> e.state().equals("done") || e.state().equals("failed")),
                        "every story to end");
                var s = status(db);
                assertEquals(List.of("a.json", "b.json", "c.json", "d-refused.json"), List.copyOf(s.keySet()));
                for (String n : List.of("a", "b", "c")) {
                    var e = s.get(n + ".json");
                    assertEquals("done", e.state(), e.toString());
                    assertEquals(1, e.attempts());
                    assertEquals(shared.resolve(n + ".mp4").toString(), e.output());
                    assertTrue(Files.size(shared.resolve(n + ".mp4")) > 10_000, "the Short is written beside its manifest");
                    assertTrue(Files.isRegularFile(shared.resolve(n + ".report.json")), "and its report");
                }
                var refused = s.get("d-refused.json");
                assertEquals("failed", refused.state());
                assertEquals(1, refused.attempts(), "a story's own failure ends it after one attempt");
                assertTrue(refused.error().contains("rejected by the safety system") && refused.error().lines().count() == 1, refused.error());
                assertEquals(java.util.Set.of("w1", "w2"), s.values().stream().map(StoryQueue.Entry::worker).collect(java.util.stream.Collectors.toSet()),
                        "both workers took stories: " + s);
                // Each picture paid for once; never a fifth submission within 60 s of the first of four, across both workers.
                for (String prompt : List.of("a pier at dusk", "colored cups", "boats on a lake", "a golden leaf", "a kite in the sky", "REFUSE this picture")) {
                    assertEquals(1, pictures.count(prompt), prompt);
                }
                var times = pictures.arrivals.stream().mapToLong(Pictures.Arrival::nanos).sorted().toArray();
                assertEquals(6, times.length);
                for (int i = 4; i < times.length; i++) {
                    assertTrue(times[i] - times[i - 4] >= 60_000_000_000L, String.format("submissions %d and %d arrived %.1f s apart", i - 3, i + 1,
                            (times[i] - times[i - 4]) / 1e9));
                }
                assertTrue(w1.stdout().contains("\"state\":\"done\"") || w2.stdout().contains("\"state\":\"done\""), "outcomes as JSON lines on stdout");
            }

            // The queue as a user reads it afterwards.
            var json = queue(dir, env, "status", "--json");
            assertEquals(0, json.exitCode(), json.toString());
            JsonNode first = Json.MAPPER.readTree(json.stdout()).get(0);
            List<String> keys = new ArrayList<>();
            first.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("story", "state", "worker", "stage", "attempts", "started", "finished", "output", "error"), keys);
            assertEquals(shared.resolve("a.json").toString(), first.get("story").asText());
            var table = queue(dir, env, "status");
            assertTrue(table.stdout().contains("rejected by the safety system"), table.stdout());
            var done = queue(dir, env, "add", shared.resolve("a.json").toString());
            assertTrue(done.stdout().startsWith("a.json: already done: " + shared.resolve("a.mp4")), done.stdout());
            var retryDone = queue(dir, env, "retry", "a.json");
            assertTrue(retryDone.stdout().contains("already done"), retryDone.stdout());
            var forced = queue(dir, env, "add", "--force", shared.resolve("a.json").toString());
            assertEquals("a.json: queued again, to be made from scratch (--force)", forced.stdout().strip());
            var retried = queue(dir, env, "retry", "d-refused.json");
            assertTrue(retried.stdout().startsWith("d-refused.json: queued again (it had failed: "), retried.stdout());
            var s = status(db);
            assertEquals("queued", s.get("a.json").state());
            assertEquals(0, s.get("d-refused.json").attempts());
            var cancelled = queue(dir, env, "cancel", "a.json");
            assertEquals("a.json: cancelled before it started", cancelled.stdout().strip(), cancelled.toString());
            assertEquals("cancelled (queue cancel) before it started", status(db).get("a.json").error());
            var unknown = queue(dir, env, "retry", "nothing.json");
            assertEquals(2, unknown.exitCode(), unknown.toString());
            assertEquals("queue: no story nothing.json in the queue (queue status lists them)", unknown.stderr().strip());
        }
        noSecretsSaid();
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aWorkerKilledMidStoryCostsNothingTwice(@TempDir Path dir) throws Exception {
        var db = database();
        try (var pictures = new Pictures(100)) {
            Path shared = Files.createDirectories(dir.resolve("shared"));
            Path manifest = story(shared, "k", "a pier at dusk", "colored cups", "a golden leaf");
            // Narration that takes a while and costs nothing (a program of the user's), so the kill lands between paid requests;
            // heartbeats of 2 s: the dead worker is found after 8 s.
            var env = env(StoryFixture.SMALL, db, pictures.settings(), Map.of("WORKER_HEARTBEAT", "2", "PROVIDER_TIMEOUT", "3", "TTS_PROVIDER", "command",
                    "TTS_COMMAND", "sh -c 'sleep 1.5; exec espeak-ng -v es -s 190 -w \"$1\" --stdin' narrate {out}"));
            try (var w1 = new WorkerProcess(dir, "w1", env).ready()) {
                assertEquals(0, queue(dir, env, "add", manifest.toString()).exitCode());
                // Killed between paid requests: every picture answered and kept, a first narration made, the others not yet.
                Path images = shared.resolve("k.work/images"), audio = shared.resolve("k.work/audio");
                waitFor(Duration.ofMinutes(2), () -> kept(images) == 3 && kept(audio) >= 1, "the pictures and a first narration");
                assertEquals("running", status(db).get("k.json").state());
                assertTrue(kept(audio) < 3, "killed mid-story");
                w1.process.destroyForcibly();   // kill -9: no shutdown hook, no goodbye
                assertEquals(137, w1.awaitExit(Duration.ofSeconds(30)));
            }
            assertEquals("running", status(db).get("k.json").state(), "a dead worker's story stays its own until the heartbeat limit");
            try (var w2 = new WorkerProcess(dir, "w2", env).ready()) {
                waitFor(Duration.ofMinutes(4), () -> Set.of("done", "failed").contains(status(db).get("k.json").state()), "w2 to finish the story");
                var e = status(db).get("k.json");
                assertEquals("done", e.state(), e.toString());
                assertEquals("w2", e.worker());
                assertEquals(2, e.attempts(), "the dead worker's attempt counts");
                assertTrue(w2.stderr().contains("k.json: queued again: its worker w1 stopped answering"), w2.stderr());

                // A picture whose answer never comes (PROVIDER_TIMEOUT) may have been billed: the story fails saying how to
                // send it again, and is sent again only when asked.
                Path stalled = story(shared, "m", "STALL once");
                assertEquals(0, queue(dir, env, "add", stalled.toString()).exitCode());
                waitFor(Duration.ofMinutes(2), () -> "failed".equals(status(db).get("m.json").state()), "the stalled story to fail");
                var failed = status(db).get("m.json");
                assertEquals(1, failed.attempts());
                assertTrue(failed.error().contains("(to send it again: queue retry m.json --force)"), failed.error());
                assertEquals(1, pictures.count("STALL once"));
                var retried = queue(dir, env, "retry", "m.json", "--force");
                assertTrue(retried.stdout().startsWith("m.json: queued again (it had failed: "), retried.toString());
                waitFor(Duration.ofMinutes(2), () -> Set.of("done", "failed").contains(status(db).get("m.json").state()), "the story sent again on purpose to end");
                assertEquals("done", status(db).get("m.json").state(), status(db).get("m.json").toString());
                assertEquals(2, pictures.count("STALL once"), "sent once more, as asked");
            }
            for (String prompt : List.of("a pier at dusk", "colored cups", "a golden leaf")) {
                assertEquals(1, pictures.count(prompt), "paid once: " + prompt);
            }
            // Resumed from the shared work folder: the second attempt found every picture made.
            JsonNode report = Json.MAPPER.readTree(shared.resolve("k.report.json").toFile());
            int cachedImages = 0;
            for (JsonNode span : report.get("spans")) {
                if (span.get("stage").asText().equals("image")) {
                    assertTrue(span.get("cached").asBoolean(), span.toString());
                    cachedImages++;
                }
            }
            assertEquals(3, cachedImages);
            assertTrue(Files.size(shared.resolve("k.mp4")) > 10_000);
        }
        noSecretsSaid();
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aStoppedWorkerHandsItsStoryBackAtOnceAndACancelledStoryStopsWithinSeconds(@TempDir Path dir) throws Exception {
        var db = database();
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path slow = story(shared, "slow", "one", "two", "three", "four");
        var env = env(StoryFixture.SMALL, FAST, db, Map.of("IMAGE_PROVIDER", "local", "TTS_PROVIDER", "command",
                "TTS_COMMAND", "sh -c 'sleep 2; exec espeak-ng -v es -s 190 -w \"$1\" --stdin' narrate {out}"));
        try (var w1 = new WorkerProcess(dir, "w1", env).ready()) {
            assertEquals(0, queue(dir, env, "add", slow.toString()).exitCode());
            waitFor(Duration.ofMinutes(1), () -> "running".equals(status(db).get("slow.json").state()) && status(db).get("slow.json").stage() != null
                    && status(db).get("slow.json").stage().contains("narration"), "w1 to be narrating");
            long t0 = System.nanoTime();
            w1.process.destroy();   // SIGTERM
            assertEquals(130, w1.awaitExit(Duration.ofSeconds(20)), w1.stderr());
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 10, "stopped in " + seconds + " s");
            var e = status(db).get("slow.json");
            assertEquals("queued", e.state(), "handed back at once, not after the heartbeat limit: " + e);
            assertEquals(1, e.attempts());
            assertTrue(e.stage().startsWith("queued again: its worker w1 was stopped"), e.stage());
            assertTrue(w1.stderr().contains("handing back slow.json"), w1.stderr());
        }
        try (var w2 = new WorkerProcess(dir, "w2", env).ready()) {
            waitFor(Duration.ofMinutes(1), () -> "w2".equals(status(db).get("slow.json").worker()) && status(db).get("slow.json").state().equals("running"),
                    "w2 to take the story");
            // Timed here, as queue cancel does it (the command's own start is no part of it).
            long t0 = System.nanoTime();
            var cancelled = StoryQueue.open(Settings.of(env)).cancel("slow.json", Duration.ofSeconds(20));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals("slow.json: cancelled while running on w2", cancelled.toString());
            assertTrue(seconds < 5, "cancelled in " + seconds + " s");
            var e = status(db).get("slow.json");
            assertEquals("failed", e.state());
            assertEquals(2, e.attempts());
            assertTrue(e.error().startsWith("cancelled (queue cancel) while running on w2"), e.error());
            assertFalse(Files.exists(shared.resolve("slow.mp4")));
            // The worker goes on: its lanes are free for the next story.
            Path next = story(shared, "next", "five");
            assertEquals(0, queue(dir, env, "add", next.toString()).exitCode());
            waitFor(Duration.ofMinutes(2), () -> "done".equals(status(db).get("next.json").state()), "w2 to make the next story");
            assertTrue(w2.process.isAlive());
            w2.process.destroy();
            assertEquals(130, w2.awaitExit(Duration.ofSeconds(20)));
        }
        noSecretsSaid();
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void anUnreachableOrMisconfiguredDatabaseIsOneLineNamingQueueUrlWithoutThePassword(@TempDir Path dir) throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/shortsmith";
        var away = queue(dir, Map.of("QUEUE_URL", url, "QUEUE_USER", "shortsmith", "QUEUE_PASSWORD", PASSWORD), "status");
        assertEquals(6, away.exitCode(), away.toString());
        assertEquals(1, away.stderr().strip().lines().count(), away.stderr());
        assertTrue(away.stderr().startsWith("queue: cannot reach the queue's database (QUEUE_URL=" + url + ")"), away.stderr());

        var wrong = queue(dir, Map.of("QUEUE_URL", pg.url(), "QUEUE_USER", "shortsmith", "QUEUE_PASSWORD", "not-" + PASSWORD), "status");
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertEquals(1, wrong.stderr().strip().lines().count(), wrong.stderr());
        assertTrue(wrong.stderr().contains("QUEUE_URL=" + pg.url()) && wrong.stderr().contains("check QUEUE_USER and QUEUE_PASSWORD"), wrong.stderr());

        var inUrl = queue(dir, Map.of("QUEUE_URL", url + "?user=shortsmith&password=" + PASSWORD), "status");
        assertEquals(6, inUrl.exitCode(), inUrl.toString());
        assertTrue(inUrl.stderr().contains("password=***"), inUrl.stderr());

        var unset = queue(dir, Map.of(), "status");
        assertEquals(2, unset.exitCode(), unset.toString());
        assertTrue(unset.stderr().startsWith("queue: QUEUE_URL is not set"), unset.stderr());

        var worker = TestSupport.jbang(dir, Map.of("QUEUE_URL", url, "QUEUE_PASSWORD", PASSWORD), null, "worker");
        SAID.add(worker.stdout());
        SAID.add(worker.stderr());
        assertEquals(6, worker.exitCode(), worker.toString());
        assertEquals(1, worker.stderr().strip().lines().count(), worker.stderr());
        noSecretsSaid();
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theLedgerHoldsOneRateForEveryMachineCountingEachSubmissionFromItsAnswer() throws Exception {
        var db = Database.connect(Settings.of(database()));
        var service = ServiceKey.of("openai", "http://127.0.0.1:9/v1/");
        assertEquals(ServiceKey.of("openai", "http://localhost:9/v1"), service, "one service, however its base URL is spelled");
        // Two "machines" (ledgers of their own), three threads each, requests that reach the server some time after they
        // are allowed: at most 3 arrivals in any 2 s.
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        var random = new java.util.Random(7);
        for (int machine = 0; machine < 2; machine++) {
            var ledger = new DatabaseLedger(db, service, 3, Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60));
            for (int t = 0; t < 3; t++) {
                long lag = 100 + random.nextInt(500);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 2; i++) {
                            ledger.acquire(w -> {});
                            Thread.sleep(lag);            // on its way to the server
                            arrivals.add(System.nanoTime());
                            Thread.sleep(100);            // the answer on its way back
                            ledger.answered();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        }
        for (var t : threads) t.join();
        var sorted = arrivals.stream().sorted().toList();
        assertEquals(12, sorted.size());
        for (int i = 3; i < sorted.size(); i++) {
            assertTrue(sorted.get(i) - sorted.get(i - 3) >= 2_000_000_000L, String.format("arrivals %d and %d %.2f s apart", i - 2, i + 1,
                    (sorted.get(i) - sorted.get(i - 3)) / 1e9));
        }
        assertTrue(sorted.getLast() - sorted.getFirst() < 20_000_000_000L, "no more waiting than the limit needs");
        // A start left open (its worker died mid-request) holds its place only until its bound.
        var crashed = new DatabaseLedger(db, ServiceKey.of("bfl", "https://api.bfl.ai"), 1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(30));
        crashed.acquire(w -> {});   // never answered
        long t0 = System.nanoTime();
        var told = new java.util.ArrayList<String>();
        crashed.acquire(told::add);
        crashed.answered();
        double waited = (System.nanoTime() - t0) / 1e9;
        assertTrue(waited >= 1.5 && waited < 5, "waited " + waited + " s");
        assertEquals(1, told.size(), "told once why it waits: " + told);
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void settingsOfTheQueueAreCheckedAndThePasswordNeverShown() {
        var s = Settings.of(Map.of("QUEUE_URL", "jdbc:postgresql://db:5432/shortsmith", "QUEUE_PASSWORD", PASSWORD, "WORKER_HEARTBEAT", "5")).queue();
        assertEquals(Duration.ofSeconds(5), s.heartbeat());
        assertEquals(3, s.maxAttempts());
        assertFalse(s.toString().contains(PASSWORD), s.toString());
        assertTrue(s.workerName().endsWith("-" + ProcessHandle.current().pid()), s.workerName());
        var bad = assertThrows(shortsmith.core.ShortsmithException.class,
                () -> Settings.of(Map.of("QUEUE_URL", "postgres://db/x?password=" + PASSWORD)));
        assertFalse(bad.getMessage().contains(PASSWORD), bad.getMessage());
        assertTrue(bad.getMessage().startsWith("QUEUE_URL=postgres://db/x?password=*** "), bad.getMessage());
        assertThrows(shortsmith.core.ShortsmithException.class, () -> Settings.of(Map.of("QUEUE_MAX_ATTEMPTS", "0")));
        assertEquals(Duration.ofSeconds(2), Worker.backoff(1));
        assertEquals(Duration.ofSeconds(4), Worker.backoff(2));
        assertEquals(Duration.ofSeconds(300), Worker.backoff(20));
    }
}
