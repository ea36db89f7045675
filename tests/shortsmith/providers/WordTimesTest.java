package shortsmith.providers;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.media.Espeak;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.WordTiming;
import shortsmith.testing.FakeServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Word times from the engines that report them (Kokoro-FastAPI's captioned speech, ElevenLabs'
 * with-timestamps) and from an OpenAI-compatible transcription service, against loopback servers
 * that answer in their documented shapes, errors included.
 */
class WordTimesTest {
    static final String TEXT = "La vieja cometa roja subió sobre el puerto, y nadie supo adónde fue.";
    static final String ELEVEN_KEY = "sk_eleven-test-DO-NOT-PRINT-4242";

    /** Speech of TEXT (another voice than the aligner's reference) and where each of its words starts. */
    record Spoken(byte[] wav, double[] onsets, double seconds) {}

    static Spoken spoken(String text) {
        var s = Espeak.speak(text, "es+f2", 160);
        return new Spoken(s.wav(), s.onsets(WordTiming.tokens(text)), s.seconds());
    }

    static Path story(Path dir, String... texts) throws Exception {
        var scenes = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < texts.length; i++) scenes.add(Map.of("id", "s" + (i + 1), "text", texts[i]));
        Path story = Files.createDirectories(dir).resolve("story.json");
        Files.writeString(story, Json.write(Map.of("title", "Cometa", "language", "es", "scenes", scenes)));
        return story;
    }

    static StageResult tts(Path story, Map<String, String> values, ByteArrayOutputStream errors) throws Exception {
        var m = new HashMap<>(Map.of("PROVIDER_RETRY_DELAY", "0.05", "PROVIDER_DEADLINE", "20"));
        m.putAll(values);
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        return SpeechStage.run(input, Settings.of(m), false, new Progress(new PrintStream(errors, true), false, List.of()));
    }

    /** The fields of a multipart/form-data body, by name (text fields; a file field gives its filename). */
    static Map<String, String> form(FakeServer.Request r) {
        String type = r.header("Content-Type");
        assertTrue(type.startsWith("multipart/form-data; boundary="), type);
        String boundary = "--" + type.substring(type.indexOf("boundary=") + 9);
        var fields = new LinkedHashMap<String, String>();
        String body = new String(r.raw(), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String part : body.split(java.util.regex.Pattern.quote(boundary))) {
            int blank = part.indexOf("\r\n\r\n");
            if (blank < 0) continue;
            String head = part.substring(0, blank);
            var name = java.util.regex.Pattern.compile("name=\"([^\"]+)\"").matcher(head);
            if (!name.find()) continue;
            var file = java.util.regex.Pattern.compile("filename=\"([^\"]+)\"").matcher(head);
            String value = part.substring(blank + 4, part.length() - 2);
            fields.put(name.group(1), file.find() ? "file:" + file.group(1) + ":" + value.length()
                    : new String(value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), java.nio.charset.StandardCharsets.UTF_8));
        }
        return fields;
    }

    @Test
    void kokoroCaptionedSpeechGivesTheEngineWordTimesAndItsErrorsInOneLine(@TempDir Path dir) throws Exception {
        var speech = spoken(TEXT);
        // Kokoro's tokens: punctuation apart, times of the audio it sends.
        var words = WordTiming.tokens(TEXT);
        var timestamps = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i).word().replaceAll("[,.]$", "");
            double end = i + 1 < words.size() ? speech.onsets()[i + 1] : speech.seconds();
            timestamps.add(Map.of("word", w, "start_time", speech.onsets()[i], "end_time", end));
            if (!w.equals(words.get(i).word())) timestamps.add(Map.of("word", words.get(i).word().substring(w.length()), "start_time", end, "end_time", end));
        }
        try (var server = new FakeServer(r -> {
            var body = Json.MAPPER.readTree(r.body());
            if (!r.path().equals("/dev/captioned_speech")) return FakeServer.Answer.json(404, "{\"detail\":\"Not Found\"}");
            assertEquals("kokoro", body.get("model").asText());
            assertEquals("wav", body.get("response_format").asText());
            assertFalse(body.get("stream").asBoolean(), "one JSON answer, not a stream");
            assertTrue(body.get("return_timestamps").asBoolean());
            if (body.get("voice").asText().equals("ef_garbled")) return FakeServer.Answer.json("{\"audio\":\"%% not base 64\",\"timestamps\":[]}");
            if (!body.get("voice").asText().equals("ef_dora")) {
                return FakeServer.Answer.json(400, "{\"detail\":{\"error\":\"validation_error\",\"message\":\"Voice '" + body.get("voice").asText()
                        + "' not found\",\"type\":\"invalid_request_error\"}}");
            }
            return FakeServer.Answer.json(Json.write(Map.of("audio", Base64.getEncoder().encodeToString(speech.wav()), "audio_format", "audio/wav",
                    "timestamps", timestamps)));
        })) {
            Path story = story(dir, TEXT);
            var errors = new ByteArrayOutputStream();
            var result = tts(story, Map.of("TTS_PROVIDER", "kokoro", "TTS_BASE_URL", server.base()), errors);
            assertEquals(0, result.exitCode(), result.failures() + " " + errors);
            var scene = result.story().scene("s1");
            assertEquals(Story.Timing.ENGINE, scene.timing());
            for (int i = 0; i < words.size(); i++) {
                assertEquals(words.get(i).word(), scene.words().get(i).word());
                assertEquals(speech.onsets()[i], scene.words().get(i).start(), 0.001, scene.words().get(i).word());
            }
            assertArrayEquals(speech.wav(), Files.readAllBytes(Path.of(scene.audio())));
            assertNull(server.requests("POST", "/dev/").getFirst().header("Authorization"), "a local server gets no key");

            var refused = tts(story(dir.resolve("b"), "Otra escena."), Map.of("TTS_PROVIDER", "kokoro", "TTS_BASE_URL", server.base(),
                    "TTS_VOICE", "xx_nobody"), new ByteArrayOutputStream());
            assertEquals(ExitCode.PROVIDER.code(), refused.exitCode());
            String message = refused.failures().get("s1").getMessage();
            assertTrue(message.contains("validation_error: Voice 'xx_nobody' not found"), message);
            assertFalse(message.contains("\n"), message);

            // An answered request whose audio is not base 64 may have been billed: it fails, and is not sent again.
            Path garbled = story(dir.resolve("c"), "Una escena más.");
            var env = Map.of("TTS_PROVIDER", "kokoro", "TTS_BASE_URL", server.base(), "TTS_VOICE", "ef_garbled");
            var bad = tts(garbled, env, new ByteArrayOutputStream());
            String said = bad.failures().get("s1").getMessage();
            assertTrue(said.contains("kokoro: the answer's audio is not base 64") && said.contains("billed"), said);
            int sent = server.requests("POST", "/dev/").size();
            tts(garbled, env, new ByteArrayOutputStream());
            assertEquals(sent, server.requests("POST", "/dev/").size(), "not sent twice");
        }
    }

    @Test
    void elevenLabsWithTimestampsTimesEachWordFromItsCharactersAndKeepsItsKeyAndQuota(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("pcm"));
        var speech = spoken(TEXT);
        // ElevenLabs sends raw 16-bit PCM at 24 kHz with pcm_24000.
        Path wav = Files.write(dir.resolve("pcm/in.wav"), speech.wav()), raw = dir.resolve("pcm/out.raw");
        assertTrue(Proc.run(List.of("ffmpeg", "-loglevel", "error", "-i", wav.toString(), "-ar", "24000", "-f", "s16le", raw.toString()),
                Duration.ofSeconds(30)).ok());
        byte[] pcm = Files.readAllBytes(raw);
        // Each character of the text with a time: a word's characters share its span.
        var chars = new ArrayList<String>();
        var starts = new ArrayList<Double>();
        var ends = new ArrayList<Double>();
        var words = WordTiming.tokens(TEXT);
        int[] cps = TEXT.codePoints().toArray();
        for (int i = 0, w = -1; i < cps.length; i++) {
            while (w + 1 < words.size() && words.get(w + 1).start() <= i) w++;
            double from = w < 0 ? 0 : speech.onsets()[w], to = w + 1 < words.size() ? speech.onsets()[w + 1] : speech.seconds();
            int k = i - (w < 0 ? 0 : words.get(w).start()), length = w < 0 ? 1 : words.get(w).end() - words.get(w).start() + 1;
            chars.add(new String(Character.toChars(cps[i])));
            starts.add(from + (to - from) * k / length);
            ends.add(from + (to - from) * (k + 1) / length);
        }
        var calls = new AtomicInteger();
        try (var server = new FakeServer(r -> {
            if (!ELEVEN_KEY.equals(r.header("xi-api-key"))) {
                return FakeServer.Answer.json(401, "{\"detail\":{\"status\":\"invalid_api_key\",\"message\":\"Invalid API key\"}}");
            }
            var body = Json.MAPPER.readTree(r.body());
            if (body.get("text").asText().contains("cuota")) {
                return FakeServer.Answer.json(401, "{\"detail\":{\"status\":\"quota_exceeded\",\"message\":\"This request exceeds your quota of 10000. "
                        + "You have 12 credits remaining, while 13 credits are required for this request.\"}}");
            }
            if (calls.incrementAndGet() == 1) {
                return FakeServer.Answer.json(429, "{\"detail\":{\"status\":\"too_many_concurrent_requests\",\"message\":\"Too many concurrent requests\"}}");
            }
            assertEquals("/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/with-timestamps", r.path());
            assertEquals("output_format=pcm_24000", r.query());
            assertEquals("eleven_multilingual_v2", body.get("model_id").asText());
            assertNull(body.get("language_code"), "multilingual v2 refuses language_code");
            return FakeServer.Answer.json(Json.write(Map.of("audio_base64", Base64.getEncoder().encodeToString(pcm),
                    "alignment", Map.of("characters", chars, "character_start_times_seconds", starts, "character_end_times_seconds", ends),
                    "normalized_alignment", Map.of("characters", chars, "character_start_times_seconds", starts, "character_end_times_seconds", ends))));
        })) {
            Path story = story(dir, TEXT, "Sin cuota no hay voz.");
            var errors = new ByteArrayOutputStream();
            var result = tts(story, Map.of("TTS_PROVIDER", "elevenlabs", "TTS_BASE_URL", server.base(), "TTS_API_KEY", ELEVEN_KEY), errors);
            assertEquals(ExitCode.FAILED.code(), result.exitCode());
            var scene = result.story().scene("s1");
            assertEquals(Story.Timing.ENGINE, scene.timing());
            for (int i = 0; i < words.size(); i++) assertEquals(speech.onsets()[i], scene.words().get(i).start(), 0.002, scene.words().get(i).word());
            var n = Narration.load(Ffmpeg.locate(Settings.defaults()), Path.of(scene.audio()));
            assertEquals(24000, n.sampleRate());
            assertEquals(speech.seconds(), n.duration(), 0.01, "the PCM wrapped as WAV, not misread");
            String quota = result.failures().get("s2").getMessage();
            assertTrue(quota.contains("quota_exceeded: This request exceeds your quota"), quota);
            assertFalse((quota + errors).contains(ELEVEN_KEY), "the key is never printed");
            assertEquals(2, server.requests("POST", "/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/").stream()
                    .filter(r -> r.body().contains("cometa")).count(), "a 429 is sent again (it was not accepted), once");
        }
        var outOfRange = assertThrows(shortsmith.core.ShortsmithException.class, () -> tts(story(dir.resolve("c"), TEXT),
                Map.of("TTS_PROVIDER", "elevenlabs", "TTS_API_KEY", ELEVEN_KEY, "TTS_SPEED", "1.5"), new ByteArrayOutputStream()));
        assertEquals(ExitCode.USAGE, outOfRange.exitCode());
        assertTrue(outOfRange.getMessage().startsWith("TTS_SPEED=1.5 is outside what ElevenLabs takes"), outOfRange.getMessage());
    }

    @Test
    void aTranscriptionServiceTimesNarrationThatCameWithoutWordsAndIsNeverAskedTwice(@TempDir Path dir) throws Exception {
        var speech = spoken(TEXT);
        String other = "Sí, claro.";   // a scene whose narration is another scene's: far longer than its text
        var words = WordTiming.tokens(TEXT);
        var transcriptions = new AtomicInteger();
        try (var server = new FakeServer(r -> {
            if (r.path().equals("/v1/audio/speech")) return FakeServer.Answer.bytes("audio/wav", speech.wav());
            assertEquals("/v1/audio/transcriptions", r.path());
            assertEquals("Bearer whisper-key-TEST-77", r.header("Authorization"));
            var form = form(r);
            assertEquals("whisper-1", form.get("model"));
            assertEquals("verbose_json", form.get("response_format"));
            assertEquals("word", form.get("timestamp_granularities[]"));
            assertEquals("es", form.get("language"));
            assertTrue(form.get("file").matches("file:s[12].wav:" + speech.wav().length), form.get("file"));
            transcriptions.incrementAndGet();
            if (form.get("prompt").startsWith("Sí")) return FakeServer.Answer.json(500, "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}");
            // What Whisper hears: no punctuation, a slip ("cometas"), "adónde" as two words.
            var heard = new ArrayList<Map<String, Object>>();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i).word().replaceAll("[,.]", "").replace("cometa", "cometas");
                double end = i + 1 < words.size() ? speech.onsets()[i + 1] : speech.seconds();
                if (w.equals("adónde")) {
                    heard.add(Map.of("word", "a", "start", speech.onsets()[i], "end", speech.onsets()[i] + 0.05));
                    heard.add(Map.of("word", "dónde", "start", speech.onsets()[i] + 0.05, "end", end));
                } else {
                    heard.add(Map.of("word", w, "start", speech.onsets()[i], "end", end));
                }
            }
            return FakeServer.Answer.json(Json.write(Map.of("task", "transcribe", "language", "spanish", "duration", speech.seconds(),
                    "text", TEXT, "words", heard)));
        })) {
            Path story = story(dir, TEXT, other);
            var settings = Map.of("TTS_PROVIDER", "openai", "TTS_BASE_URL", server.base(), "ALIGN_PROVIDER", "openai",
                    "ALIGN_BASE_URL", server.base(), "ALIGN_API_KEY", "whisper-key-TEST-77");
            var errors = new ByteArrayOutputStream();
            var result = tts(story, settings, errors);
            assertEquals(0, result.exitCode(), result.failures().toString());
            var s1 = result.story().scene("s1");
            assertEquals(Story.Timing.ALIGNED, s1.timing());
            for (int i = 0; i < words.size(); i++) assertEquals(speech.onsets()[i], s1.words().get(i).start(), 0.001, s1.words().get(i).word());
            // s2: the service failed after receiving the request (it may have been billed): not asked again; the offline aligner
            // finds that the narration does not say s2's text, and its captions are estimated.
            assertTrue(errors.toString().contains("s2.wav: transcription: HTTP 500") || errors.toString().contains("s2.wav: transcription"), errors.toString());
            assertTrue(errors.toString().contains("aligned offline instead"), errors.toString());
            assertEquals(Story.Timing.ESTIMATED, result.story().scene("s2").timing());
            assertEquals(2, transcriptions.get(), errors.toString());
            tts(story, settings, new ByteArrayOutputStream());
            assertEquals(2, transcriptions.get(), "timed narrations are not sent again");
            assertFalse(errors.toString().contains("whisper-key-TEST-77"));
        }
    }
}
