package shortsmith.pipeline;

import shortsmith.core.ExitCode;

import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.testing.FakeServer;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** short: the overlapped schedule, a permanent failure in one scene, and an interrupted run that resumes. */
class PipelineTest {

    /** A story with photos but no narration: the narration comes from the test's TTS server. */
    static Path story(Path dir, String... texts) throws Exception {
        Files.createDirectories(dir);
        List<Path> images = StoryFixture.photos();
        List<Map<String, Object>> scenes = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            var scene = new LinkedHashMap<String, Object>();
            scene.put("id", "s" + (i + 1));
            scene.put("text", texts[i]);
            scene.put("image", images.get(i).toString());
            scenes.add(scene);
        }
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(Map.of("title", "Tubería", "language", "es", "scenes", scenes)));
        return file;
    }

    /**
     * An OpenAI-compatible speech server that takes {@code millis} per narration, one at a time, as the
     * user's local model does; texts containing "prohibido" are refused (HTTP 400) while {@code refuse} is set.
     */
    static final class SlowTts implements FakeServer.Handler {
        final Map<String, byte[]> spoken = new ConcurrentHashMap<>();
        final AtomicBoolean refuse = new AtomicBoolean(true);
        final long millis;
        final Path dir;

        SlowTts(Path dir, long millis) {
            this.dir = dir;
            this.millis = millis;
        }

        public synchronized FakeServer.Answer answer(FakeServer.Request r) throws Exception {
            String text = Json.MAPPER.readTree(r.body()).get("input").asText();
            if (refuse.get() && text.contains("prohibido")) {
                return FakeServer.Answer.json(400, "{\"error\":{\"message\":\"input rejected by the voice model\",\"type\":\"invalid_request_error\"}}");
            }
            Thread.sleep(millis);
            byte[] wav = spoken.computeIfAbsent(text, t -> {
                try {
                    return Files.readAllBytes(StoryFixture.speak(t, Files.createTempFile(dir, "tts", ".wav")));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            return FakeServer.Answer.bytes("audio/wav", wav);
        }
    }

    static Map<String, String> env(FakeServer server) {
        var m = new HashMap<>(StoryFixture.SMALL);
        m.putAll(Map.of("TTS_PROVIDER", "openai", "TTS_BASE_URL", server.base(), "TTS_MODEL", "kokoro", "TTS_VOICE", "ef_dora",
                "PROVIDER_RETRY_DELAY", "0.05"));
        return m;
    }

    static Pipeline.Result run(Path story, Map<String, String> env, Path output) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        var progress = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
        return Pipeline.run(input, Settings.of(env), new Pipeline.Options(output, null, false), progress);
    }

    @Test
    void clipsStartWhileLaterNarrationsAreStillBeingMade(@TempDir Path dir) throws Exception {
        var tts = new SlowTts(dir, 1500);
        try (var server = new FakeServer(tts)) {
            Path story = story(dir.resolve("s"), "Primera escena.", "Segunda escena.", "Tercera escena.", "Cuarta escena.");
            Path out = dir.resolve("short.mp4");
            var result = run(story, env(server), out);
            assertEquals(0, result.exitCode(), result.failures().toString());
            var spans = result.report().spans();
            double lastNarrationEnd = spans.stream().filter(s -> s.stage().equals("narration")).mapToDouble(Pipeline.Span::end).max().orElseThrow();
            double firstClipStart = spans.stream().filter(s -> s.stage().equals("clip")).mapToDouble(Pipeline.Span::start).min().orElseThrow();
            assertTrue(firstClipStart < lastNarrationEnd - 1.5, "a clip started at " + firstClipStart + " s, before the last narration ended at "
                    + lastNarrationEnd + " s");
            // Narration one at a time, in story order.
            var narrations = spans.stream().filter(s -> s.stage().equals("narration")).toList();
            for (int i = 1; i < narrations.size(); i++) assertTrue(narrations.get(i).start() >= narrations.get(i - 1).end() - 0.01, narrations.toString());
            assertEquals(List.of("s1", "s2", "s3", "s4"), narrations.stream().map(Pipeline.Span::scene).toList());
            var r = result.report();
            assertTrue(r.narrationBusy() >= 6.0, "4 × 1.5 s of narration: " + r.narrationBusy());
            assertEquals(r.narrationBusy() + r.lastClip() + r.merge(), r.criticalPath(), 0.01);
            // The honest bound: the largest of the chain, the CPU work over the cores, the NVENC work over its sessions.
            assertTrue(r.cpuSeconds() > 1, "the CPU work of the render and the tools is counted: " + r.cpuSeconds());
            double cpuBound = r.cpuSeconds() / r.cores();
            assertEquals(Math.max(r.criticalPath(), Math.max(cpuBound, r.nvencSeconds() / r.sessions())), r.bound(), 0.01);
            assertEquals(r.bound() / r.wall(), r.efficiency(), 0.01);
            assertTrue(cpuBound <= r.wall() * 1.05, "no more CPU than the cores had: " + cpuBound + " of " + r.wall());
            assertTrue(r.efficiency() > 0.5 && r.efficiency() <= 1.05, "efficiency " + r.efficiency());
            assertTrue(r.summary().startsWith(r.binds().equals("cpu") ? "CPU-bound: " + r.cores() + " cores busy" : "bound by the chain"), r.summary());
            // The soundtrack is built once every narration exists, under the clips; the merge copies it.
            var soundtrack = spans.stream().filter(s -> s.stage().equals("soundtrack")).findFirst().orElseThrow(() -> new AssertionError(spans));
            double lastClipEnd = spans.stream().filter(s -> s.stage().equals("clip")).mapToDouble(Pipeline.Span::end).max().orElseThrow();
            assertTrue(soundtrack.start() >= lastNarrationEnd - 0.05 && soundtrack.start() < lastClipEnd, soundtrack + " under the clips, ending at " + lastClipEnd);
            try (var kept = Files.list(dir.resolve("s/story.work/soundtrack"))) {
                assertEquals(1, kept.filter(p -> p.toString().endsWith(".m4a")).count(), "built once, not again by the merge");
            }
            double clips = result.story().scenes().stream().mapToDouble(Story.Scene::duration).sum();
            assertEquals(clips, Media.probe(Ffmpeg.locate(Settings.defaults()), out).duration(), 0.05);

            Path png = dir.resolve("timeline.png");
            Timeline.write(r, png);
            var chart = javax.imageio.ImageIO.read(png.toFile());
            assertTrue(chart.getWidth() >= 800 && chart.getHeight() > 200);
        }
    }

    @Test
    void aManifestsOwnWordTimesDoNotMakeTheMergeEncodeTheClipAgain(@TempDir Path dir) throws Exception {
        // Words given in the manifest for a narration made here: the clip was encoded with them, the merge checked it
        // against the narration's own times, called it out of date and encoded it again, on every run.
        Path folder = Files.createDirectories(dir.resolve("w"));
        Path manifest = folder.resolve("story.json");
        Files.writeString(manifest, Json.write(Map.of("title", "Palabras", "language", "es", "scenes", List.of(Map.of("id", "s1",
                "text", "Hola a todos.", "image", StoryFixture.photos().getFirst().toString(),
                "words", List.of(Map.of("word", "Hola", "start", 0.0, "end", 0.3), Map.of("word", "a", "start", 0.3, "end", 0.4),
                        Map.of("word", "todos.", "start", 0.4, "end", 0.9)))))));
        var env = new HashMap<>(StoryFixture.SMALL);
        env.put("TTS_PROVIDER", "espeak");
        for (int run = 1; run <= 2; run++) {
            var said = new ByteArrayOutputStream();
            var input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
            var result = Pipeline.run(input, Settings.of(env), new Pipeline.Options(folder.resolve("short.mp4"), null, false),
                    new Progress(new PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8), false, List.of()));
            assertEquals(0, result.exitCode(), result.failures().toString());
            assertFalse(said.toString(java.nio.charset.StandardCharsets.UTF_8).contains("out of date"), "run " + run + ": " + said);
        }
    }

    @Test
    void aSceneThatFailsForGoodStopsOnlyItselfAndTheNextRunRedoesOnlyIt(@TempDir Path dir) throws Exception {
        var tts = new SlowTts(dir, 100);
        try (var server = new FakeServer(tts)) {
            Path story = story(dir.resolve("s"), "Una escena.", "Un texto prohibido.", "Otra escena.");
            Path out = dir.resolve("short.mp4");
            var first = run(story, env(server), out);
            assertNotEquals(0, first.exitCode());
            assertEquals(List.of("s2"), List.copyOf(first.failures().keySet()));
            assertTrue(first.failures().get("s2").getMessage().contains("input rejected by the voice model"), first.failures().toString());
            assertFalse(Files.exists(out), "no Short with a scene missing");
            Path clips = dir.resolve("s/story.work/clips");
            assertTrue(Files.exists(clips.resolve("s1.mp4")) && Files.exists(clips.resolve("s3.mp4")), "the other scenes were done and kept");
            long kept = Files.getLastModifiedTime(clips.resolve("s1.mp4")).toMillis();
            assertEquals(3, server.requests.size());

            tts.refuse.set(false);
            var second = run(story, env(server), out);
            assertEquals(0, second.exitCode(), second.failures().toString());
            assertEquals(4, server.requests.size(), "only the missing narration was asked for again");
            assertEquals(kept, Files.getLastModifiedTime(clips.resolve("s1.mp4")).toMillis(), "finished clips are not rendered again");
            assertTrue(Files.exists(out));
        }
    }

    @Test
    void ctrlCStopsCleanlyAndTheNextRunResumes(@TempDir Path dir) throws Exception {
        var tts = new SlowTts(dir, 2500);
        try (var server = new FakeServer(tts)) {
            Path story = story(dir.resolve("s"), "Primera escena.", "Segunda escena.", "Tercera escena.", "Cuarta escena.");
            Path work = dir.resolve("s/story.work");
            var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "short", "story.json", "-o", "short.mp4")
                    .directory(story.getParent().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile());
            pb.environment().putAll(env(server));
            Process first = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(work.resolve("clips/s1.mp4")) && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(Files.exists(work.resolve("clips/s1.mp4")), Files.readString(dir.resolve("first.log")));
            new ProcessBuilder("kill", "-INT", String.valueOf(first.pid())).start().waitFor();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS), "stopped on Ctrl-C");
            assertNotEquals(0, first.exitValue());
            Thread.sleep(300);
            assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(work.toString())),
                    "no ffmpeg left running");
            try (var files = Files.walk(dir)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial files under final names");
            }
            assertFalse(Files.exists(story.getParent().resolve("short.mp4")));
            int asked = server.requests.size();
            long done;
            try (var wavs = Files.list(work.resolve("audio"))) {
                done = wavs.filter(p -> p.toString().endsWith(".wav")).count();
            }
            assertTrue(done < 4, "interrupted before every narration was made: " + done);
            // A narration whose request was in flight at Ctrl-C may have been billed: it is on record as sent.
            List<String> inFlight = new ArrayList<>();
            try (var jobs = Files.list(work.resolve("jobs"))) {
                for (Path j : jobs.toList()) {
                    if (Json.MAPPER.readTree(j.toFile()).path("state").asText().equals("sending")) {
                        inFlight.add(j.getFileName().toString().replaceAll("^speech-|\\.json$", ""));
                    }
                }
            } catch (java.nio.file.NoSuchFileException none) {
                // nothing was in flight
            }
            assertTrue(inFlight.size() <= 1, "one narration at a time: " + inFlight);

            var second = TestSupport.jbang(story.getParent(), env(server), null, "short", "story.json", "-o", "short.mp4");
            assertEquals(4 - done - inFlight.size(), server.requests.size() - asked, "nothing made or maybe-billed was asked for again");
            assertTrue(second.stderr().contains("s1") && second.stderr().contains("unchanged"), second.stderr());
            if (!inFlight.isEmpty()) {
                assertNotEquals(0, second.exitCode(), second.toString());
                assertTrue(second.stderr().contains("(to send it again: tts --force story.json " + inFlight.getFirst() + ")"), second.stderr());
                var forced = TestSupport.jbang(story.getParent(), env(server), null, "tts", "story.json", inFlight.getFirst(), "--force");
                assertEquals(0, forced.exitCode(), forced.toString());
                second = TestSupport.jbang(story.getParent(), env(server), null, "short", "story.json", "-o", "short.mp4");
            }
            assertEquals(0, second.exitCode(), second.toString());
            int finished = (int) Files.list(work.resolve("audio")).filter(p -> p.toString().endsWith(".wav")).count();
            assertEquals(4, finished);
            assertEquals(4 - done, server.requests.size() - asked, "each narration asked for once more at most, on purpose");
            assertTrue(Files.exists(story.getParent().resolve("short.mp4")));
        }
    }

    @Test
    void aWorkFolderThatCannotBeCreatedEndsTheRunAtOnceWithOneLine(@TempDir Path dir) throws Exception {
        Path story = story(dir.resolve("s"), "Una escena.");
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "short", "story.json", "-o", "short.mp4")
                .directory(story.getParent().toFile()).redirectError(dir.resolve("err.log").toFile()).redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(StoryFixture.SMALL);
        pb.environment().put("WORK_DIR", file.resolve("work").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "short ended instead of hanging");
        String err = Files.readString(dir.resolve("err.log")).strip();
        assertEquals(ExitCode.OUTPUT.code(), p.exitValue(), err);
        assertEquals(1, err.lines().filter(l -> !l.startsWith("[jbang]")).count(), err);
        assertTrue(err.contains(file.resolve("work").toString()), err);
    }
}
