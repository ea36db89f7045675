package shortsmith.pipeline;

import shortsmith.concurrency.PriorityLanes;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Proc;
import shortsmith.testing.FakeServer;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Many stories in one run: one narration lane in story order, a failing story, resume after kill -9, limits shared across processes. */
class BatchTest {

    /** The narration server: one narration at a time at most (it counts overlaps), 300 ms each, recording the order of texts. */
    static final class Narrator implements FakeServer.Handler {
        final PipelineTest.SlowTts speech;
        final AtomicInteger active = new AtomicInteger(), mostAtOnce = new AtomicInteger();
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final List<long[]> times = Collections.synchronizedList(new ArrayList<>());

        Narrator(Path dir) { speech = new PipelineTest.SlowTts(dir, 300); }

        public FakeServer.Answer answer(FakeServer.Request r) throws Exception {
            int now = active.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            long start = System.nanoTime();
            try {
                order.add(Json.MAPPER.readTree(r.body()).get("input").asText());
                return speech.answer(r);
            } finally {
                times.add(new long[] {start, System.nanoTime()});
                active.decrementAndGet();
            }
        }
    }

    static Path story(Path dir, String name, String... texts) throws Exception {
        Path file = PipelineTest.story(dir.resolve(name), texts);
        Path named = dir.resolve(name + ".json");
        // One folder of manifests: each its own file, its work folder NAME.work beside it.
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(file.toFile());
        json.put("title", name);
        Files.writeString(named, Json.MAPPER.writeValueAsString(json));
        return named;
    }

    @Test
    void storiesShareOneNarrationLaneInStoryOrderAndEachShortIsWrittenWhenItsStoryIsDone(@TempDir Path dir) throws Exception {
        var narrator = new Narrator(dir);
        try (var server = new FakeServer(narrator)) {
            Path batch = Files.createDirectories(dir.resolve("batch"));
            story(batch, "a", "Primera historia, escena uno.", "Primera historia, escena dos.");
            story(batch, "b", "Segunda historia, escena uno.", "Segunda historia, escena dos.");
            story(batch, "c", "Tercera historia, escena uno.");
            var env = new HashMap<>(PipelineTest.env(server));
            env.put("MAX_PARALLEL_TTS", "1");
            var report = Batch.run(Batch.manifestsIn(batch, note -> {}), Settings.of(env), false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, report.exitCode(), report.stories().toString());
            assertEquals(1, narrator.mostAtOnce.get(), "never two narrations at once across the batch");
            assertEquals(List.of("Primera historia, escena uno.", "Primera historia, escena dos.", "Segunda historia, escena uno.",
                    "Segunda historia, escena dos.", "Tercera historia, escena uno."), narrator.order, "story order, then scene order");
            // The lane is kept busy: each narration starts as soon as the previous one ends.
            var times = new ArrayList<>(narrator.times);
            times.sort(java.util.Comparator.comparingLong(t -> t[0]));
            for (int i = 1; i < times.size(); i++) {
                double gap = (times.get(i)[0] - times.get(i - 1)[1]) / 1e9;
                // The lane's own work on an answer (writing and reading the WAV, an ffmpeg run) shares the two cores with the
                // first story's clips, so it takes up to about half a second here; a lane left idle would wait a story's setup.
                assertTrue(gap < 0.75, "narration " + (i + 1) + " waited " + gap + " s after the previous one");
            }
            var ffmpeg = Ffmpeg.locate(Settings.defaults());
            for (String name : List.of("a", "b", "c")) {
                Path out = batch.resolve(name + ".mp4");
                assertTrue(Media.probe(ffmpeg, out).duration() > 1, name);
                assertTrue(Files.isRegularFile(Batch.reportOf(out)), "its own report beside it");
            }
            // Story a is merged as soon as its own clips are done: before the batch's last clip ends, not after it.
            var a = report.stories().get(0);
            double lastClipEnd = report.spans().stream().filter(s -> s.stage().equals("clip")).mapToDouble(Pipeline.Span::end).max().orElseThrow();
            double aMerge = report.spans().stream().filter(s -> s.scene().startsWith("a/") && s.stage().equals("merge"))
                    .mapToDouble(Pipeline.Span::start).findFirst().orElseThrow();
            assertTrue(aMerge < lastClipEnd, "a merged at " + aMerge + " s, the last clip of the batch ended at " + lastClipEnd + " s");
            assertTrue(a.start() + a.wall() < report.wall(), "a finished before the batch: " + a);
            double bound = Math.max(report.narrationBusy() + report.lastClip() + report.lastMerge(), report.cpuSeconds() / report.cores());
            assertEquals(bound, report.bound(), 0.01);
            assertTrue(report.narrationBusy() >= 1.5, "five narrations of 0.3 s: " + report.narrationBusy());
        }
    }

    @Test
    void aStoryThatFailsStopsNoOtherAndTheRunSaysWhichOne(@TempDir Path dir) throws Exception {
        var narrator = new Narrator(dir);
        try (var server = new FakeServer(narrator)) {
            Path good = story(dir, "buena", "Una historia que sale bien.");
            Path refused = story(dir, "rechazada", "Esta escena tiene texto prohibido.");
            Path broken = Files.writeString(dir.resolve("rota.json"), "{\"title\": \"rota\", \"scenes\": [");
            var run = TestSupport.jbang(dir, PipelineTest.env(server), null, "short", good.toString(), refused.toString(), broken.toString());
            assertEquals(1, run.exitCode(), run.toString());
            assertTrue(run.stderr().contains("short: rechazada.json failed: ") && run.stderr().contains("input rejected by the voice model"), run.stderr());
            assertTrue(run.stderr().contains("short: rota.json failed: "), run.stderr());
            assertTrue(Media.probe(Ffmpeg.locate(Settings.defaults()), dir.resolve("buena.mp4")).duration() > 1);
            assertFalse(Files.exists(dir.resolve("rechazada.mp4")));
            var stories = Json.MAPPER.readTree(run.stdout());
            assertEquals(List.of("made", "failed", "failed"), List.of(stories.get(0).get("outcome").asText(), stories.get(1).get("outcome").asText(),
                    stories.get(2).get("outcome").asText()));
        }
    }

    @Test
    void killedMidBatchTheSameCommandResumesPaysNothingTwiceAndKeepsFinishedShorts(@TempDir Path dir) throws Exception {
        var narrator = new Narrator(dir);
        try (var server = new FakeServer(narrator)) {
            Path a = story(dir, "a", "Historia a, escena uno.", "Historia a, escena dos.");
            Path b = story(dir, "b", "Historia b, escena uno.");
            var env = new HashMap<>(PipelineTest.env(server));
            env.put("SHORTSMITH_CRASH_AT", "asset-saved:2");   // halted like kill -9 when the second narration is kept
            var killed = TestSupport.jbang(dir, env, null, "short", a.toString(), b.toString());
            assertNotEquals(0, killed.exitCode(), killed.toString());
            int paidBefore = narrator.order.size();
            assertEquals(2, paidBefore, narrator.order.toString());
            env.remove("SHORTSMITH_CRASH_AT");
            var again = TestSupport.jbang(dir, env, null, "short", a.toString(), b.toString(), "--report", dir.resolve("batch.json").toString());
            assertEquals(0, again.exitCode(), again.toString());
            assertEquals(3, narrator.order.size(), "only the narration not yet kept is ordered: " + narrator.order);
            assertEquals(3, new java.util.HashSet<>(narrator.order).size(), "none twice: " + narrator.order);
            assertTrue(Files.isRegularFile(dir.resolve("batch.timeline.png")), "the batch's Gantt chart");
            var report = Json.MAPPER.readTree(dir.resolve("batch.json").toFile());
            assertTrue(report.get("efficiency").asDouble() > 0 && report.get("stories").size() == 2, report.toString());
            long modified = Files.getLastModifiedTime(dir.resolve("a.mp4")).toMillis();
            var third = TestSupport.jbang(dir, env, null, "short", a.toString(), b.toString());
            assertEquals(0, third.exitCode(), third.toString());
            assertTrue(third.stderr().contains("a.mp4 is finished and unchanged: kept"), third.stderr());
            assertEquals(modified, Files.getLastModifiedTime(dir.resolve("a.mp4")).toMillis(), "a finished Short is not made again");
            assertEquals(3, narrator.order.size());
        }
    }

    /** One batch run of the folder, quietly; the notes it printed go to {@code notes}. */
    static Batch.Report batch(Path folder, Settings settings, List<String> notes) throws Exception {
        var quiet = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
        return Batch.run(Batch.manifestsIn(folder, notes::add), settings, false, quiet);
    }

    static String outcome(Batch.Report r, String manifest) {
        return r.stories().stream().filter(s -> s.manifest().endsWith(manifest)).findFirst().orElseThrow().outcome();
    }

    @Test
    void aFinishedShortIsKeptOnlyWhileASingleRunWouldMakeTheSameOneAndItsOwnReportIsNoManifest(@TempDir Path dir) throws Exception {
        // A story with its own picture and narration (nothing to pay for); beside it a story aiming at the same Short.
        Path folder = dir.resolve("batch");
        Path manifest = shortsmith.testing.StoryFixture.story(folder, "Una cometa roja.");
        Files.writeString(folder.resolve("zcopy.json"), Files.readString(manifest).replaceFirst("\\{", "{\"output\": \"story.mp4\", "));
        Path music = folder.resolve("music.wav");
        var made = Proc.run(List.of("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=4", music.toString()), java.time.Duration.ofSeconds(30));
        assertTrue(made.ok(), made.stderr());
        var env = new HashMap<>(shortsmith.testing.StoryFixture.SMALL);
        var settings = Settings.of(env);
        Path out = folder.resolve("story.mp4");
        var notes = new ArrayList<String>();

        var first = batch(folder, settings, notes);
        assertEquals("made", outcome(first, "story.json"), first.stories().toString());
        assertEquals("failed", outcome(first, "zcopy.json"), "two stories of one batch never write one Short");
        assertTrue(first.stories().get(1).failures().get("manifest").contains("is where story.json writes its Short in this run"), first.stories().toString());
        Files.delete(folder.resolve("zcopy.json"));
        assertTrue(Files.isRegularFile(Batch.reportOf(out)));

        // Run again: its own report is skipped with a note, not read as a manifest; the Short is kept.
        notes.clear();
        var again = batch(folder, settings, notes);
        assertEquals(0, again.exitCode(), again.stories().toString());
        assertEquals(1, again.stories().size());
        assertEquals("kept", outcome(again, "story.json"));
        assertTrue(notes.contains("skipped story.report.json: not a story manifest (no \"scenes\")"), notes.toString());

        // Each change a single-story run would render again makes the Short again; nothing else does.
        var changes = new java.util.LinkedHashMap<String, java.util.concurrent.Callable<Settings>>();
        changes.put("its picture", () -> {
            Files.copy(shortsmith.testing.StoryFixture.photos().get(1), folder.resolve("s1.jpg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return settings;
        });
        changes.put("its narration", () -> {
            shortsmith.testing.StoryFixture.speak("Una cometa azul.", folder.resolve("s1.wav"));
            return settings;
        });
        changes.put("music added (MUSIC)", () -> {
            env.put("MUSIC", music.toString());
            return Settings.of(env);
        });
        changes.put("the music's content", () -> {
            var r = Proc.run(List.of("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=550:duration=4", music.toString()),
                    java.time.Duration.ofSeconds(30));
            assertTrue(r.ok(), r.stderr());
            return Settings.of(env);
        });
        changes.put("a setting of the clips (CAPTION_STYLE)", () -> {
            env.put("CAPTION_STYLE", "chunk");
            return Settings.of(env);
        });
        for (var change : changes.entrySet()) {
            String before = Files.getLastModifiedTime(out).toString();
            Settings now = change.getValue().call();
            var run = batch(folder, now, new ArrayList<>());
            assertEquals("made", outcome(run, "story.json"), "after a change of " + change.getKey() + ": " + run.stories());
            assertNotEquals(before, Files.getLastModifiedTime(out).toString(), change.getKey());
            assertEquals("kept", outcome(batch(folder, now, new ArrayList<>()), "story.json"), "unchanged since " + change.getKey());
        }
    }

    @Test
    void storiesOfABatchNeverShareAWorkFolder(@TempDir Path dir) throws Exception {
        Path a = shortsmith.testing.StoryFixture.story(dir.resolve("a"), "Historia a.");
        Path b = shortsmith.testing.StoryFixture.story(dir.resolve("b"), "Historia b.");
        var env = new HashMap<>(shortsmith.testing.StoryFixture.SMALL);
        // WORK_DIR names one folder: every story of the batch would work in it, one at a time, on each other's files.
        env.put("WORK_DIR", dir.resolve("work").toString());
        var quiet = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
        var report = Batch.run(List.of(a, b), Settings.of(env), false, quiet);
        assertEquals(List.of("made", "failed"), report.stories().stream().map(Batch.StoryResult::outcome).toList(), report.stories().toString());
        assertEquals("story.json: its work folder " + dir.resolve("work") + " is also " + a + "'s in this batch (WORK_DIR names one folder for every "
                + "story: unset it for a batch)", report.stories().get(1).failures().get("manifest"));
    }

    @Test
    void priorityLanesServeTheEarlierStoryFirstWhateverOrderItsWorkArrives() throws Exception {
        var lanes = new PriorityLanes("test", 1);
        var ran = Collections.synchronizedList(new ArrayList<Long>());
        var gate = new CompletableFuture<Void>();
        lanes.submit(0, () -> gate.get(5, TimeUnit.SECONDS));   // holds the only lane while the rest queue up
        var last = new ArrayList<CompletableFuture<Long>>();
        for (long p : new long[] {2_000_001, 1_000_000, 2_000_000, 1_000_001}) last.add(lanes.submit(p, () -> { ran.add(p); return p; }));
        Thread.sleep(100);
        gate.complete(null);
        CompletableFuture.allOf(last.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(1_000_000L, 1_000_001L, 2_000_000L, 2_000_001L), ran);
    }

    /** Runs shortsmith.testing.HoldLimits in another JVM with this one's class path. */
    static Process other(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "shortsmith.testing.HoldLimits"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static List<long[]> lines(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        List<long[]> found = new ArrayList<>();
        for (String l : out.strip().split("\n")) {
            String[] f = l.split(" ");
            found.add(f.length == 3 ? new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])} : new long[] {Long.parseLong(f[1])});
        }
        return found;
    }

    @Test
    void twoProcessesShareTheSessionCapAndTheImageRate(@TempDir Path dir) throws Exception {
        // One NVENC session slot: two processes that each hold it three times for 150 ms never hold it together.
        var first = other("slot", dir.resolve("leases").toString(), "150", "3");
        var second = other("slot", dir.resolve("leases").toString(), "150", "3");
        var held = new ArrayList<long[]>(lines(first));
        held.addAll(lines(second));
        held.sort(java.util.Comparator.comparingLong(h -> h[0]));
        assertEquals(6, held.size());
        for (int i = 1; i < held.size(); i++) assertTrue(held.get(i)[0] >= held.get(i - 1)[1] - 5, "two holders at once: " + held);

        // Three starts in any 1.5 s across both processes, each wanting four.
        var x = other("window", dir.resolve("images.ledger").toString(), "3", "1500", "4");
        var y = other("window", dir.resolve("images.ledger").toString(), "3", "1500", "4");
        var starts = new ArrayList<Long>();
        lines(x).forEach(s -> starts.add(s[0]));
        lines(y).forEach(s -> starts.add(s[0]));
        Collections.sort(starts);
        assertEquals(8, starts.size());
        for (int i = 3; i < starts.size(); i++) {
            assertTrue(starts.get(i) - starts.get(i - 3) >= 1500 - 20, "four starts within 1.5 s: " + starts);
        }
    }
}
