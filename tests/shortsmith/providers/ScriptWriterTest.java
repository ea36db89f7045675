package shortsmith.providers;

import shortsmith.core.ExitCode;
import shortsmith.testing.TestSupport;

import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.testing.FakeServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** write-script: Gemini's generateContent on loopback (structured output, 429 with retryDelay, safety), and text files offline. */
class ScriptWriterTest {
    static final String KEY = "AIza-test-DO-NOT-PRINT";

    static String candidate(String text, String finish) throws Exception {
        return Json.write(Map.of("candidates", java.util.List.of(Map.of("content", Map.of("role", "model",
                "parts", java.util.List.of(Map.of("text", text))), "finishReason", finish))));
    }

    @Test
    void geminiWritesTheManifestWithStructuredOutputAndItsRetryDelayIsHonoured() throws Exception {
        var calls = new AtomicInteger();
        String script = "{\"title\":\"La cometa\",\"scenes\":[{\"text\":\"Una cometa roja.\",\"image_prompt\":\"a red kite\"},"
                + "{\"text\":\"Vuela sobre el mar.\",\"image_prompt\":\"a kite over the sea\"},{\"text\":\"Extra.\",\"image_prompt\":\"x\"}]}";
        try (var server = new FakeServer(r -> {
            assertEquals("/v1beta/models/gemini-test:generateContent", r.path());
            assertEquals(KEY, r.header("x-goog-api-key"));
            var body = Json.MAPPER.readTree(r.body());
            assertEquals("application/json", body.at("/generationConfig/responseMimeType").asText());
            assertEquals("ARRAY", body.at("/generationConfig/responseSchema/properties/scenes/type").asText());
            assertTrue(body.at("/contents/0/parts/0/text").asText().contains("Exactly 2 scenes"));
            if (calls.incrementAndGet() == 1) {
                return FakeServer.Answer.json(429, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":"
                        + "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1s\"}]}}");
            }
            return FakeServer.Answer.json(candidate(script, "STOP"));
        })) {
            var settings = Settings.of(Map.of("GEMINI_API_KEY", KEY, "GEMINI_MODEL", "gemini-test", "GEMINI_BASE_URL", server.base(),
                    "PROVIDER_RETRY_DELAY", "0.05"));
            Story story = ScriptWriter.fromTopic(settings, "una cometa", 2, "es", s -> {});
            assertEquals("La cometa", story.title());
            assertEquals("es", story.language());
            assertEquals(2, story.scenes().size(), "no more scenes than asked for");
            assertEquals("scene2", story.scenes().get(1).id());
            assertEquals("a kite over the sea", story.scenes().get(1).imagePrompt());
            var sent = server.requests("POST", "/v1beta");
            assertTrue((sent.get(1).nanos() - sent.get(0).nanos()) / 1_000_000 >= 1000, "retryDelay 1s honoured");
        }
    }

    @Test
    void aSafetyStopOrAnUnreadableScriptIsAOneLineProviderError() throws Exception {
        try (var server = new FakeServer(r -> Json.MAPPER.readTree(r.body()).at("/contents/0/parts/0/text").asText().contains("bad")
                ? FakeServer.Answer.json(candidate("", "SAFETY")) : FakeServer.Answer.json(candidate("{not json", "STOP")))) {
            var settings = Settings.of(Map.of("GEMINI_API_KEY", KEY, "GEMINI_BASE_URL", server.base()));
            var safety = assertThrows(Http.ProviderException.class, () -> ScriptWriter.fromTopic(settings, "bad things", 2, "es", s -> {}));
            assertTrue(safety.getMessage().contains("finishReason SAFETY"), safety.getMessage());
            var broken = assertThrows(Http.ProviderException.class, () -> ScriptWriter.fromTopic(settings, "a kite", 2, "es", s -> {}));
            assertTrue(broken.getMessage().contains("not the JSON"), broken.getMessage());
            assertEquals(2, server.requests.size(), "neither is retried");
        }
    }

    @Test
    void withoutAKeyATextFileBecomesTheStoryAndATopicSaysWhatToSet(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("cuento.md");
        Files.writeString(text, "# La cometa roja\n\nHabía una vez una **cometa** roja. Soñaba con el mar.\n\n"
                + "Un día el [viento](https://example.com) la llevó.\n\n\n\nY volvió a casa.\n");
        var run = TestSupport.jbang(dir, Map.of("GEMINI_API_KEY", ""), null, "write-script", "--from", "cuento.md");
        assertEquals(0, run.exitCode(), run.toString());
        Story story = Story.parse(run.stdout(), "stdout");
        assertEquals("La cometa roja", story.title());
        assertEquals(3, story.scenes().size());
        assertEquals("Había una vez una cometa roja. Soñaba con el mar.", story.scenes().get(0).text());
        assertEquals("Había una vez una cometa roja.", story.scenes().get(0).imagePrompt());
        assertEquals("Un día el viento la llevó.", story.scenes().get(1).text());

        var noKey = TestSupport.jbang(dir, Map.of("GEMINI_API_KEY", ""), null, "write-script", "--topic", "una cometa");
        assertEquals(ExitCode.USAGE.code(), noKey.exitCode(), noKey.toString());
        assertTrue(noKey.stderr().contains("GEMINI_API_KEY is not set") && noKey.stderr().strip().lines().count() == 1, noKey.stderr());
    }
}
