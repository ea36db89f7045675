package shortsmith.providers;

import shortsmith.core.Story;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.StageResult;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.testing.FakeServer;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** tts against loopback servers speaking OpenAI's speech API and Replicate's predictions, and espeak-ng offline. */
class SpeechTest {
    static final String KEY = "r8_test-DO-NOT-PRINT-777";

    static byte[] wav(Path dir, String text) throws Exception {
        Path f = StoryFixture.speak(text, dir.resolve("ref-" + Math.abs(text.hashCode()) + ".wav"));
        return Files.readAllBytes(f);
    }

    static byte[] silence(Path dir) throws Exception {
        Path f = dir.resolve("silence.wav");
        var r = Proc.run(List.of("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=24000:cl=mono", "-t", "1", f.toString()),
                Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        return Files.readAllBytes(f);
    }

    static StageResult run(Path story, Map<String, String> values) throws Exception {
        var m = new HashMap<>(Map.of("PROVIDER_RETRY_DELAY", "0.05", "PROVIDER_DEADLINE", "20"));
        m.putAll(values);
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        var progress = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
        return SpeechStage.run(input, Settings.of(m), false, progress);
    }

    @Test
    void openAiCompatibleSpeechHonoursRateLimitResetAndRejectsSilence(@TempDir Path dir) throws Exception {
        byte[] voice = wav(dir, "Hola a todos.");
        byte[] quiet = silence(dir);
        var calls = new AtomicInteger();
        try (var server = new FakeServer(r -> {
            var body = Json.MAPPER.readTree(r.body());
            assertEquals("kokoro", body.get("model").asText());
            assertEquals("ef_dora", body.get("voice").asText());
            assertEquals("wav", body.get("response_format").asText());
            if (calls.incrementAndGet() == 1) {
                return FakeServer.Answer.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}")
                        .withHeader("x-ratelimit-reset-requests", "1s");
            }
            if (body.get("input").asText().contains("silencio")) return FakeServer.Answer.bytes("audio/wav", quiet);
            return FakeServer.Answer.bytes("audio/wav", voice);
        })) {
            Path story = ImagesTest.story(dir, "x", "y");
            Files.writeString(story, Files.readString(story).replace("Escena 2.", "Aquí hay silencio."));
            var result = run(story, Map.of("TTS_PROVIDER", "openai", "TTS_BASE_URL", server.base(), "TTS_MODEL", "kokoro", "TTS_VOICE", "ef_dora"));
            assertEquals(ExitCode.FAILED.code(), result.exitCode());
            assertArrayEquals(voice, Files.readAllBytes(Path.of(result.story().scene("s1").audio())));
            assertTrue(result.failures().get("s2").getMessage().contains("silent audio"), result.failures().toString());
            var sent = server.requests("POST", "/v1/audio/speech");
            long waited = (sent.get(1).nanos() - sent.get(0).nanos()) / 1_000_000;
            assertTrue(waited >= 1000, "x-ratelimit-reset-requests: 1s honoured, waited " + waited + " ms");
            assertNull(sent.getFirst().header("Authorization"), "no key set, no Authorization header (local servers)");
        }
    }

    @Test
    void replicatePredictionsAreSubmittedOncePolledUntilSucceededAndFailuresCarryTheirReason(@TempDir Path dir) throws Exception {
        byte[] voice = wav(dir, "Una cometa.");
        var polls = new AtomicInteger();
        // Replicate delivers outputs from another host (replicate.delivery): no key goes there.
        try (var delivery = new FakeServer(r -> FakeServer.Answer.bytes("audio/wav", voice)); var server = new FakeServer(r -> {
            if (r.path().startsWith("/v1/")) assertEquals("Bearer " + KEY, r.header("Authorization"), r.path());
            if (r.method().equals("POST") && r.path().equals("/v1/models/jaaari/kokoro-82m/predictions")) {
                var input = Json.MAPPER.readTree(r.body()).get("input");
                String id = input.get("text").asText().contains("2") ? "p-fail" : "p-ok";
                String base = "http://127.0.0.1:" + r.header("Host").replaceAll(".*:", "");
                return FakeServer.Answer.json(201, "{\"id\":\"" + id + "\",\"status\":\"starting\",\"urls\":{\"get\":\"" + base
                        + "/v1/predictions/" + id + "\",\"cancel\":\"" + base + "/v1/predictions/" + id + "/cancel\"}}");
            }
            if (r.path().equals("/v1/predictions/p-ok")) {
                int n = polls.incrementAndGet();
                if (n == 1) return FakeServer.Answer.json(503, "{\"detail\":\"upstream unavailable\"}");
                if (n < 4) return FakeServer.Answer.json("{\"id\":\"p-ok\",\"status\":\"processing\",\"output\":null}");
                return FakeServer.Answer.json("{\"id\":\"p-ok\",\"status\":\"succeeded\",\"output\":\"" + delivery.base() + "/files/out.wav\"}");
            }
            if (r.path().equals("/v1/predictions/p-fail")) {
                return FakeServer.Answer.json("{\"id\":\"p-fail\",\"status\":\"failed\",\"error\":\"CUDA out of memory\"}");
            }
            return FakeServer.Answer.json(404, "{\"detail\":\"Not found.\"}");
        })) {
            Path story = ImagesTest.story(dir, "a", "b");
            var result = run(story, Map.of("TTS_PROVIDER", "replicate", "TTS_BASE_URL", server.base(), "TTS_API_KEY", KEY));
            assertEquals(ExitCode.FAILED.code(), result.exitCode(), result.failures().toString());
            assertArrayEquals(voice, Files.readAllBytes(Path.of(result.story().scene("s1").audio())));
            String failure = result.failures().get("s2").getMessage();
            assertTrue(failure.contains("failed: CUDA out of memory"), failure);
            assertEquals(2, server.requests("POST", "/v1/models/").size(), "one prediction per scene");
            assertNull(delivery.requests("GET", "/files/").getFirst().header("Authorization"), "no key sent to the delivery host");
            var body = Json.MAPPER.readTree(server.requests("POST", "/v1/models/").getFirst().body());
            assertEquals("ef_dora", body.at("/input/voice").asText(), "Kokoro's Spanish voice for a Spanish story");
            assertFalse(Files.exists(dir.resolve("story.work/jobs/speech-s1.json")), "the job is forgotten once its narration is kept");
            assertTrue(Files.exists(dir.resolve("story.work/jobs/speech-s2.json")), "a failed prediction stays on record: no new one unless --force");
            assertTrue(failure.contains("--force"), failure);
        }
    }

    @Test
    void espeakIsTheOfflineDefaultAndSpeaksTheStorysLanguage(@TempDir Path dir) throws Exception {
        Path story = ImagesTest.story(dir, "a", "b");
        var result = run(story, Map.of());
        assertEquals(0, result.exitCode(), result.failures().toString());
        for (var scene : result.story().scenes()) {
            Path audio = Path.of(scene.audio());
            var n = Narration.load(Ffmpeg.locate(Settings.defaults()), audio);
            assertTrue(n.duration() > 0.5 && n.rmsDb() > -40, n + " " + n.rmsDb());
            // What espeak-ng's command line makes with the Spanish voice at the default speed: the same
            // length and level (the library carries a little prosody state between utterances, so not
            // sample for sample).
            Path ref = dir.resolve(scene.id() + "-ref.wav");
            assertTrue(Proc.run(List.of("espeak-ng", "-v", "es", "-s", "175", "-w", ref.toString(), scene.text()), Duration.ofSeconds(30)).ok());
            var r = Narration.load(Ffmpeg.locate(Settings.defaults()), ref);
            assertEquals(r.duration(), n.duration(), 0.05, scene.id());
            assertEquals(r.rmsDb(), n.rmsDb(), 3, scene.id());
        }
        long modified = Files.getLastModifiedTime(Path.of(result.story().scene("s1").audio())).toMillis();
        var again = run(story, Map.of());
        assertEquals(modified, Files.getLastModifiedTime(Path.of(again.story().scene("s1").audio())).toMillis(), "cached, not spoken again");
    }

    @Test
    void narrationThatStartsWithADashIsSpokenNotTakenAsAnOption(@TempDir Path dir) throws Exception {
        String text = "-v xx --help: la cometa vuela.";
        Path story = dir.resolve("story.json");
        Files.writeString(story, Json.write(Map.of("title", "Guion", "language", "es", "scenes", List.of(Map.of("id", "s1", "text", text)))));
        var result = run(story, Map.of());
        assertEquals(0, result.exitCode(), result.failures().toString());
        var n = Narration.load(Ffmpeg.locate(Settings.defaults()), Path.of(result.story().scene("s1").audio()));
        assertTrue(n.duration() > 1.5 && n.rmsDb() > -40, "the words were spoken: " + n);
        Path file = Files.writeString(dir.resolve("text.txt"), text);
        Path ref = dir.resolve("ref.wav");
        assertTrue(Proc.run(List.of("espeak-ng", "-v", "es", "-s", "175", "-w", ref.toString(), "-f", file.toString()), Duration.ofSeconds(30)).ok());
        // Within 6 %: the library's state from earlier texts in this JVM changes lengths a little (see Espeak), an option would change everything.
        double expected = Narration.load(Ffmpeg.locate(Settings.defaults()), ref).duration();
        assertEquals(expected, n.duration(), 0.06 * expected, "as espeak-ng speaks the text from a file");
    }

    @Test
    void espeakNgsOwnWordEventsTimeTheWordsAndTheCaptionsUseThemToTheFrame(@TempDir Path dir) throws Exception {
        String text = "¿Hasta dónde podría subir su cometa? ¡Muy alto, sobre el mar!";
        Path story = dir.resolve("story.json");
        Files.writeString(story, Json.write(Map.of("title", "Cometa", "language", "es", "scenes", List.of(Map.of("id", "s1", "text", text,
                "image", StoryFixture.photos().getFirst().toString())))));
        var result = run(story, Map.of());
        assertEquals(0, result.exitCode(), result.failures().toString());
        var scene = result.story().scene("s1");
        assertEquals(Story.Timing.ENGINE, scene.timing());
        var words = scene.words();
        assertEquals(List.of("¿Hasta", "dónde", "podría", "subir", "su", "cometa?", "¡Muy", "alto,", "sobre", "el", "mar!"),
                words.stream().map(Story.Word::word).toList());
        // The words are those of the engine's own synthesis, kept beside the narration it made.
        var kept = shortsmith.media.KeptWords.read(dir.resolve("story.work/audio/s1.words.json"), Path.of(scene.audio()), text).orElseThrow();
        assertEquals(Story.Timing.ENGINE, kept.timing());
        assertEquals(words, kept.words());
        // Within one synthesis, each word starts at the library's first word event inside it. (Another synthesis of the
        // same text may drift by some 10-20 ms with the library's state from earlier texts: see Espeak.)
        var speech = shortsmith.media.Espeak.speak(text, "es", 175);
        double[] onsets = speech.onsets(shortsmith.media.WordTiming.tokens(text));
        var own = speech.wordTimes(text);
        for (int i = 0; i < own.size(); i++) assertEquals(onsets[i], own.get(i).start(), 0.0015, own.get(i).word());
        assertEquals(speech.words().stream().map(e -> Math.round(e.seconds() * 1000) / 1000.0).distinct().limit(3).toList(),
                own.stream().map(Story.Word::start).limit(3).toList(), "the first events are the first words' starts");
        for (int i = 1; i < words.size(); i++) assertTrue(words.get(i).start() > words.get(i - 1).start(), "in order: " + words);
        // The karaoke captions highlight each word within a frame of its event.
        var font = shortsmith.video.Captions.font("");
        String ass = shortsmith.video.Captions.ass(words, Settings.CaptionStyle.KARAOKE, StoryFixture.smallSettings().video().size(), 5, font);
        var starts = ass.lines().filter(l -> l.startsWith("Dialogue")).map(l -> l.split(",")[1]).toList();
        for (var w : words) {
            String t = String.format(java.util.Locale.ROOT, "0:00:%05.2f", w.start());
            assertTrue(starts.stream().anyMatch(s -> Math.abs(seconds(s) - w.start()) <= 1.0 / 25), w + " has no caption event near it: " + starts + " " + t);
        }
        // Encoded, the printed manifest keeps the engine's times; a narration of the user's own gets estimated ones.
        var encoded = shortsmith.video.EncodeStage.run(StoryInput.resolve(List.of("-"), new java.io.ByteArrayInputStream(StoryInput.handOn(result.story()).getBytes()),
                false), StoryFixture.smallSettings(), "x264", false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
        assertEquals(0, encoded.exitCode(), encoded.failures().toString());
        assertEquals(words, encoded.story().scene("s1").words());
        assertEquals(Story.Timing.ENGINE, encoded.story().scene("s1").timing());
    }

    @Test
    void narrationWithoutWordTimesIsAlignedKeptAndNotTimedAgainAndAMismatchIsEstimatedWithAWarning(@TempDir Path dir) throws Exception {
        String said = "La vieja cometa roja subió sobre el puerto, y nadie supo adónde fue.";
        String other = "Sí, claro.";   // a scene whose narration is another scene's: far longer than its text
        // What an OpenAI-compatible server sends: speech without word times, in another voice and pace than the aligner's reference.
        var spoken = shortsmith.media.Espeak.speak(said, "es+f2", 150);
        double[] truth = spoken.onsets(shortsmith.media.WordTiming.tokens(said));
        try (var server = new FakeServer(r -> FakeServer.Answer.bytes("audio/wav", spoken.wav()))) {
            Path story = dir.resolve("story.json");
            Files.writeString(story, Json.write(Map.of("title", "Cometa", "language", "es", "scenes", List.of(
                    Map.of("id", "s1", "text", said), Map.of("id", "s2", "text", other)))));
            var errors = new ByteArrayOutputStream();
            var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
            var settings = Settings.of(Map.of("TTS_PROVIDER", "openai", "TTS_BASE_URL", server.base(), "PROVIDER_RETRY_DELAY", "0.05"));
            var result = SpeechStage.run(input, settings, false, new Progress(new PrintStream(errors, true), false, List.of()));
            assertEquals(0, result.exitCode(), result.failures().toString());
            var s1 = result.story().scene("s1");
            assertEquals(Story.Timing.ALIGNED, s1.timing());
            for (int i = 0; i < truth.length; i++) assertEquals(truth[i], s1.words().get(i).start(), 0.1, s1.words().get(i).word());
            // s2's narration says s1's words: not aligned to text it does not say, but estimated, and the user is told.
            var s2 = result.story().scene("s2");
            assertEquals(Story.Timing.ESTIMATED, s2.timing());
            assertTrue(errors.toString().contains("s2: captions estimated: the narration has "), errors.toString());

            // Again: the cached narrations keep their times; nothing is timed again.
            Path kept = dir.resolve("story.work/audio/s1.words.json");
            var before = Files.getLastModifiedTime(kept);
            var errorsAgain = new ByteArrayOutputStream();
            var again = SpeechStage.run(input, settings, false, new Progress(new PrintStream(errorsAgain, true), false, List.of()));
            assertEquals(before, Files.getLastModifiedTime(kept));
            assertEquals(s1.words(), again.story().scene("s1").words());
            assertFalse(errorsAgain.toString().contains("captions estimated"), "told once: " + errorsAgain);
            assertEquals(2, server.requests("POST", "/v1/audio/speech").size(), "no narration bought twice");

            // The user's own recording, without words, is aligned too; words the user gives are kept as given.
            Path own = dir.resolve("mine.wav");
            Files.write(own, spoken.wav());
            var mine = List.of(new Story.Word("La", 0.5, 0.6));
            Files.writeString(story, Json.write(Map.of("title", "Cometa", "language", "es", "scenes", List.of(
                    Map.of("id", "s1", "text", said, "audio", own.toString()),
                    Map.of("id", "s2", "text", said, "audio", own.toString(), "words", mine)))));
            var ownResult = SpeechStage.run(StoryInput.resolve(List.of(story.toString()), System.in, true), settings, false,
                    new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
            assertEquals(Story.Timing.ALIGNED, ownResult.story().scene("s1").timing());
            assertEquals(s1.words(), ownResult.story().scene("s1").words());
            assertEquals(Story.Timing.MANIFEST, ownResult.story().scene("s2").timing());
            assertEquals(mine, ownResult.story().scene("s2").words());
        }
    }

    static double seconds(String assTime) {
        String[] p = assTime.split(":");
        return Integer.parseInt(p[0]) * 3600 + Integer.parseInt(p[1]) * 60 + Double.parseDouble(p[2]);
    }
}
