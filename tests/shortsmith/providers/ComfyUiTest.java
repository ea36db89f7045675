package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.StoryInput;
import shortsmith.testing.ComfyStandIn;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** ComfyUI workflows as image and speech providers, against a stand-in that follows ComfyUI's own server. */
class ComfyUiTest {
    static final Path FLUX = TestSupport.repo().resolve("examples/comfyui/flux-image.json");
    static final Path SPEECH = TestSupport.repo().resolve("examples/comfyui/speech.json");

    static ComfyStandIn standIn(Path dir) throws Exception {
        byte[] voice = Files.readAllBytes(StoryFixture.speak("Una cometa roja.", dir.resolve("voice.wav")));
        return new ComfyStandIn(ImagesTest.png(180, 320), voice);
    }

    static Map<String, String> env(ComfyStandIn comfy, Path workflow) {
        var m = new HashMap<>(Map.of("IMAGE_PROVIDER", "comfyui", "COMFYUI_URL", comfy.base(), "IMAGE_WORKFLOW", workflow.toString(),
                "VIDEO_SIZE", "360x640", "PROVIDER_RETRY_DELAY", "0.05", "PROVIDER_DEADLINE", "30"));
        return m;
    }

    static StageResult images(Path story, Map<String, String> env, ByteArrayOutputStream log) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        return ImageStage.run(input, Settings.of(env), false, new Progress(new PrintStream(log, true), false, List.of()));
    }

    @Test
    void aWorkflowIsQueuedUnderAPromptIdSavedFirstWithItsPlaceholdersFilledAndItsPictureFetched(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            Path story = ImagesTest.story(dir.resolve("s"), "a red kite over the sea", "a lighthouse at night");
            var onDisk = new AtomicBoolean(true);
            comfy.onPrompt = body -> {
                try {
                    String id = body.get("prompt_id").asText();
                    boolean saved = false;
                    try (var jobs = Files.list(dir.resolve("s/story.work/jobs"))) {
                        for (Path j : jobs.toList()) saved |= Files.readString(j).contains(id);
                    }
                    if (!saved) onDisk.set(false);
                } catch (Exception e) {
                    onDisk.set(false);
                }
            };
            var log = new ByteArrayOutputStream();
            var result = images(story, env(comfy, FLUX), log);
            assertEquals(0, result.exitCode(), result.failures() + "\n" + log);
            assertTrue(onDisk.get(), "each prompt id was on disk before it was queued");
            var posts = comfy.requests("POST", "/prompt");
            assertEquals(2, posts.size());
            JsonNode body = Json.MAPPER.readTree(posts.getFirst().body());
            assertFalse(body.path("client_id").asText().isBlank());
            JsonNode prompt = body.get("prompt");
            assertTrue(List.of("a red kite over the sea", "a lighthouse at night").contains(prompt.at("/6/inputs/text").asText()), prompt.toString());
            assertTrue(prompt.at("/27/inputs/width").isNumber() && prompt.at("/27/inputs/width").asInt() == 360, "numbers stay numbers: " + prompt);
            assertTrue(prompt.at("/31/inputs/seed").isNumber(), prompt.toString());
            assertTrue(prompt.at("/9/inputs/filename_prefix").asText().matches("shortsmith/s[12]"), prompt.toString());
            assertTrue(log.toString().contains("step 4/4"), "progress from the websocket:\n" + log);
            var picture = javax.imageio.ImageIO.read(Path.of(result.story().scene("s1").image()).toFile());
            assertEquals(180, picture.getWidth());
            assertFalse(comfy.requests("GET", "/view").isEmpty());

            // Nothing changed: nothing queued. A changed workflow: new pictures.
            var again = images(story, env(comfy, FLUX), new ByteArrayOutputStream());
            assertEquals(0, again.exitCode());
            assertEquals(2, comfy.requests("POST", "/prompt").size(), "an unchanged workflow queues nothing");
            Path edited = dir.resolve("flux-30-steps.json");
            Files.writeString(edited, Files.readString(FLUX).replace("\"steps\": 20", "\"steps\": 30"));
            var changed = images(story, env(comfy, edited), new ByteArrayOutputStream());
            assertEquals(0, changed.exitCode(), changed.failures().toString());
            assertEquals(4, comfy.requests("POST", "/prompt").size(), "a changed workflow makes new pictures");
        }
    }

    @Test
    void withoutAWebsocketTheHistoryIsPolled(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            comfy.websocket = false;
            var log = new ByteArrayOutputStream();
            var result = images(ImagesTest.story(dir.resolve("s"), "a kite"), env(comfy, FLUX), log);
            assertEquals(0, result.exitCode(), result.failures() + "\n" + log);
            assertTrue(log.toString().contains("polling the history"), log.toString());
            assertTrue(comfy.requests("GET", "/history/").size() >= 2, "polled");
        }
    }

    @Test
    void nodeErrorsAndExecutionErrorsAreOneLineNamingTheNode(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            Path missing = dir.resolve("missing.json");
            Files.writeString(missing, Files.readString(FLUX).replace("flux1-dev-fp8.safetensors", "missing-model.safetensors"));
            var refused = images(ImagesTest.story(dir.resolve("a"), "a kite"), env(comfy, missing), new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), refused.exitCode());
            String m = refused.failures().get("s1").getMessage();
            assertTrue(m.contains("node 30 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'missing-model.safetensors'"), m);
            assertEquals(1, m.lines().count());

            var crashed = images(ImagesTest.story(dir.resolve("b"), "CRASH on purpose"), env(comfy, FLUX), new ByteArrayOutputStream());
            String c = crashed.failures().get("s1").getMessage();
            assertTrue(c.contains("node 6 (CLIPTextEncode) failed: CUDA out of memory"), c);
        }
    }

    @Test
    void aWorkflowWithoutItsPlaceholderOrInUiFormatOrWithAnUnknownNodeIsRefusedAtStart(@TempDir Path dir) throws Exception {
        Path noPrompt = dir.resolve("no-prompt.json");
        Files.writeString(noPrompt, Files.readString(FLUX).replace("{{prompt}}", "a fixed prompt"));
        var e = assertThrows(ShortsmithException.class, () -> ImageProvider.from(Settings.of(Map.of("IMAGE_PROVIDER", "comfyui",
                "IMAGE_WORKFLOW", noPrompt.toString()))));
        assertTrue(e.getMessage().startsWith("IMAGE_WORKFLOW=") && e.getMessage().contains("has no {{prompt}}"), e.getMessage());
        Path ui = dir.resolve("ui.json");
        Files.writeString(ui, "{\"last_node_id\": 9, \"nodes\": [], \"links\": []}");
        var uiError = assertThrows(ShortsmithException.class, () -> ImageProvider.from(Settings.of(Map.of("IMAGE_PROVIDER", "comfyui",
                "IMAGE_WORKFLOW", ui.toString()))));
        assertTrue(uiError.getMessage().contains("Save (API)"), uiError.getMessage());
        var nodeError = assertThrows(ShortsmithException.class, () -> ImageProvider.from(Settings.of(Map.of("IMAGE_PROVIDER", "comfyui",
                "IMAGE_WORKFLOW", FLUX.toString(), "IMAGE_OUTPUT_NODE", "99"))));
        assertTrue(nodeError.getMessage().contains("IMAGE_OUTPUT_NODE=99 is not a node"), nodeError.getMessage());
        var typo = dir.resolve("typo.json");
        Files.writeString(typo, Files.readString(FLUX).replace("{{seed}}", "{{sed}}"));
        var typoError = assertThrows(ShortsmithException.class, () -> ImageProvider.from(Settings.of(Map.of("IMAGE_PROVIDER", "comfyui",
                "IMAGE_WORKFLOW", typo.toString()))));
        assertTrue(typoError.getMessage().contains("{{sed}}"), typoError.getMessage());
    }

    @Test
    void aKillBetweenQueueingAndTheResultNeverQueuesTwiceAndARestartedServerGetsItOnceMore(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            comfy.runMillis = 4000;
            Path story = ImagesTest.story(dir.resolve("s"), "a kite");
            var env = env(comfy, FLUX);
            var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "gen-images", "story.json")
                    .directory(story.getParent().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile());
            pb.environment().remove("SHORTSMITH_HOME");
            pb.environment().putAll(env);
            Process first = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (comfy.requests("POST", "/prompt").isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            first.destroyForcibly();   // kill -9 while the prompt runs
            first.waitFor();
            String id = Json.MAPPER.readTree(comfy.requests("POST", "/prompt").getFirst().body()).get("prompt_id").asText();
            assertTrue(comfy.isQueuedOrRunning(id), "the prompt is still ComfyUI's");
            comfy.runMillis = 200;
            var second = TestSupport.jbang(story.getParent(), env, null, "gen-images", "story.json");
            assertEquals(0, second.exitCode(), second + "\n" + comfy.requests);
            assertEquals(1, comfy.requests("POST", "/prompt").size(), "waited for the queued prompt instead of queueing it again");

            // Killed again, then the server restarts and forgets: queued once more, under the same id.
            Path other = ImagesTest.story(dir.resolve("t"), "a lake");
            comfy.runMillis = 4000;
            pb.directory(other.getParent().toFile());
            Process third = pb.start();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (comfy.requests("POST", "/prompt").size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
            third.destroyForcibly();
            third.waitFor();
            String lost = Json.MAPPER.readTree(comfy.requests("POST", "/prompt").get(1).body()).get("prompt_id").asText();
            comfy.restart();
            comfy.runMillis = 200;
            var fourth = TestSupport.jbang(other.getParent(), env, null, "gen-images", "story.json");
            assertEquals(0, fourth.exitCode(), fourth.toString());
            assertTrue(fourth.stderr().contains("(restarted?): queued it again"), fourth.stderr());
            var posts = comfy.requests("POST", "/prompt");
            assertEquals(3, posts.size());
            assertEquals(lost, Json.MAPPER.readTree(posts.get(2).body()).get("prompt_id").asText(), "the same prompt id, queued once more");
        }
    }

    @Test
    void ctrlCTakesOurPromptsOutOfTheQueueAndInterruptsOursButNobodyElses(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            comfy.runMillis = 6000;
            Path story = ImagesTest.story(dir.resolve("s"), "a kite", "a lake");
            var env = env(comfy, FLUX);
            env.put("MAX_PARALLEL_IMAGES", "2");
            var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "gen-images", "story.json")
                    .directory(story.getParent().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile());
            pb.environment().remove("SHORTSMITH_HOME");
            pb.environment().putAll(env);
            Process run = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (comfy.requests("POST", "/prompt").size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(300);
            String foreignPending = comfy.queueForeign();
            // Which of ours runs is up to the order the two submissions reached the server, not the order they were logged.
            String running = comfy.runningPrompt();
            new ProcessBuilder("kill", "-INT", String.valueOf(run.pid())).start().waitFor();
            assertTrue(run.waitFor(30, TimeUnit.SECONDS), Files.readString(dir.resolve("run.log")));
            List<String> ours = comfy.requests("POST", "/prompt").stream().map(r -> {
                try {
                    return Json.MAPPER.readTree(r.body()).get("prompt_id").asText();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            var deletes = comfy.requests("POST", "/queue");
            assertFalse(deletes.isEmpty(), "our pending prompts were deleted: " + comfy.requests);
            for (var d : deletes) {
                for (JsonNode id : Json.MAPPER.readTree(d.body()).path("delete")) assertTrue(ours.contains(id.asText()), "only ours: " + d.body());
            }
            assertTrue(ours.contains(running), "one of ours was running: " + running + " of " + ours);
            String waiting = ours.get(0).equals(running) ? ours.get(1) : ours.get(0);
            assertFalse(comfy.isQueuedOrRunning(waiting), "our waiting prompt is gone from the queue, never started");
            assertTrue(comfy.isQueuedOrRunning(foreignPending), "another client's prompt is untouched");
            var interrupts = comfy.requests("POST", "/interrupt");
            assertEquals(1, interrupts.size(), "our running prompt was interrupted: " + comfy.requests);
            assertEquals(running, Json.MAPPER.readTree(interrupts.getFirst().body()).path("prompt_id").asText(), "by its id, not globally");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (comfy.historyOf(running) == null && System.nanoTime() < until) Thread.sleep(50);
            assertTrue(String.valueOf(comfy.historyOf(running)).contains("execution_interrupted"));
        }
    }

    @Test
    void aSpeechWorkflowNarratesAScene(@TempDir Path dir) throws Exception {
        try (var comfy = standIn(dir)) {
            var env = Map.of("TTS_PROVIDER", "comfyui", "COMFYUI_URL", comfy.base(), "TTS_WORKFLOW", SPEECH.toString(),
                    "TTS_VOICE", "ef_dora", "PROVIDER_RETRY_DELAY", "0.05");
            var input = StoryInput.resolve(List.of(ImagesTest.story(dir.resolve("s"), "a").toString()), System.in, true);
            var result = SpeechStage.run(input, Settings.of(env), false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(0, result.exitCode(), result.failures().toString());
            JsonNode prompt = Json.MAPPER.readTree(comfy.requests("POST", "/prompt").getFirst().body()).get("prompt");
            assertEquals("Escena 1.", prompt.at("/1/inputs/text").asText());
            assertEquals("ef_dora", prompt.at("/1/inputs/voice").asText());
            assertTrue(prompt.at("/1/inputs/speed").isNumber());
            assertEquals("es", prompt.at("/1/inputs/lang").asText());
            assertTrue(Files.size(Path.of(result.story().scene("s1").audio())) > 1000);
        }
    }

    /**
     * ComfyUI restarts while our prompts run and wait (queue and history forgotten, websocket
     * dropped): each prompt is queued again at once, under its own id, once, and the run says so
     * and finishes. Before, the run went on polling for prompts that no longer existed until
     * PROVIDER_DEADLINE. With and without the websocket (then the polls find the prompt in neither
     * the history nor the queue).
     */
    @Test
    void aServerThatRestartsMidRunGetsOurForgottenPromptsOnceMoreAtOnce(@TempDir Path dir) throws Exception {
        for (boolean websocket : new boolean[] {true, false}) {
            try (var comfy = standIn(dir)) {
                comfy.websocket = websocket;
                comfy.runMillis = 2500;
                Path story = ImagesTest.story(dir.resolve("s-" + websocket), "a kite", "a lake");
                var env = env(comfy, FLUX);
                env.put("MAX_PARALLEL_IMAGES", "2");
                env.put("PROVIDER_DEADLINE", "60");
                var log = new ByteArrayOutputStream();
                var restarted = Thread.ofVirtual().start(() -> {
                    try {
                        while (comfy.runningPrompt() == null || comfy.requests("POST", "/prompt").size() < 2) Thread.sleep(20);
                        Thread.sleep(300);
                        comfy.runMillis = 300;
                        comfy.restart(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                long t0 = System.nanoTime();
                var result = images(story, env, log);
                double took = (System.nanoTime() - t0) / 1e9;
                restarted.join();
                assertEquals(1, comfy.restarts(), "the server restarted mid-run");
                assertEquals(0, result.exitCode(), websocket + ": " + result.failures() + "\n" + log);
                assertTrue(took < 20, websocket + ": noticed at once, not at the deadline: " + took + " s\n" + log);
                var posts = comfy.requests("POST", "/prompt");
                assertEquals(4, posts.size(), "each of the two queued once more, no more: " + comfy.requests);
                var ids = posts.stream().map(p -> {
                    try {
                        return Json.MAPPER.readTree(p.body()).get("prompt_id").asText();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
                assertEquals(java.util.Set.copyOf(ids.subList(0, 2)), java.util.Set.copyOf(ids.subList(2, 4)), "under their own ids");
                assertTrue(log.toString().contains("(restarted?): queued it again"), log.toString());
                for (var s : result.story().scenes()) assertNotNull(javax.imageio.ImageIO.read(Path.of(s.image()).toFile()), s.id());
            }
        }
    }
}
