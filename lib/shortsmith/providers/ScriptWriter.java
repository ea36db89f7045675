package shortsmith.providers;

import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * write-script: a story manifest from a topic (Gemini's generateContent with structured JSON output
 * against the manifest's shape) or, with no key and no network, from a text or Markdown file with
 * one paragraph per scene.
 *
 * <pre>jshell> ScriptWriter.fromText("# La cometa\n\nUna cometa roja.\n\nVuela sobre el mar.", "cometa", "es")</pre>
 */
public final class ScriptWriter {
    private ScriptWriter() {}

    /** What Gemini must return: the manifest's writable part, in Gemini's OpenAPI-subset schema. */
    static final Map<String, Object> RESPONSE_SCHEMA = Map.of(
            "type", "OBJECT",
            "properties", Map.of(
                    "title", Map.of("type", "STRING"),
                    "scenes", Map.of("type", "ARRAY", "items", Map.of(
                            "type", "OBJECT",
                            "properties", Map.of(
                                    "text", Map.of("type", "STRING", "description", "What the narrator says: one or two short sentences."),
                                    "image_prompt", Map.of("type", "STRING", "description", "A vivid description of the picture, in English.")),
                            "required", List.of("text", "image_prompt"),
                            "propertyOrdering", List.of("text", "image_prompt")))),
            "required", List.of("title", "scenes"),
            "propertyOrdering", List.of("title", "scenes"));

    /** Asks Gemini for a story of {@code scenes} scenes about {@code topic}, narrated in {@code language}. */
    public static Story fromTopic(Settings settings, String topic, int scenes, String language, java.util.function.Consumer<String> status)
            throws InterruptedException {
        var gemini = settings.providers().gemini();
        Http.requireKey("GEMINI_API_KEY", gemini.key(), "write-script --topic");
        URI base = URI.create(gemini.baseUrl() + "/");
        Http http = Http.of("gemini", settings, base);
        String prompt = "Write the script of a YouTube Short about: " + topic + "\n"
                + "Exactly " + scenes + " scenes. Each scene's text is what the narrator says (one or two short sentences, "
                + "about 8 seconds spoken), written in the language with ISO code '" + language + "'. "
                + "Each image_prompt describes one vertical 9:16 picture for that scene, in English, vivid and concrete, "
                + "without text in the picture. The title is short and in the narration's language.";
        var body = Map.of(
                "contents", List.of(Map.of("role", "user", "parts", List.of(Map.of("text", prompt)))),
                "generationConfig", Map.of("responseMimeType", "application/json", "responseSchema", RESPONSE_SCHEMA));
        URI uri = URI.create(gemini.baseUrl() + "/v1beta/models/" + gemini.model() + ":generateContent");
        JsonNode answer = http.withRetries(() -> {
            status.accept("asking " + gemini.model());
            return http.submit(uri, Map.of("x-goog-api-key", gemini.key().value()), body);
        }, Http.retryStatus(status));
        String block = answer.path("promptFeedback").path("blockReason").asText("");
        if (!block.isEmpty()) throw new Http.ProviderException("gemini blocked the prompt (" + block + "); rephrase the topic", 200, false, null);
        JsonNode candidate = answer.path("candidates").path(0);
        String finish = candidate.path("finishReason").asText("");
        if (!finish.isEmpty() && !finish.equals("STOP")) {
            throw new Http.ProviderException("gemini stopped with finishReason " + finish
                    + (finish.equals("MAX_TOKENS") ? "; ask for fewer scenes" : "; rephrase the topic"), 200, false, null);
        }
        String text = candidate.path("content").path("parts").path(0).path("text").asText("");
        if (text.isBlank()) throw new Http.ProviderException("gemini answered without a script (no candidates[0].content.parts[0].text)", 200, false, null);
        JsonNode script;
        try {
            script = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new Http.ProviderException("gemini's script is not the JSON that was asked for: " + Http.excerpt(text.getBytes()), 200, false, null);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (JsonNode s : script.path("scenes")) {
            if (list.size() == scenes) break;
            list.add(scene(list.size() + 1, s.path("text").asText(""), s.path("image_prompt").asText("")));
        }
        return build(script.path("title").asText(topic), language, list, "gemini's script");
    }

    /** A story from text: a '#' heading (or the file name) is the title, each paragraph a scene. */
    public static Story fromText(String text, String fallbackTitle, String language) {
        String title = fallbackTitle;
        List<Map<String, Object>> list = new ArrayList<>();
        for (String block : text.replace("\r", "").split("\n\\s*\n")) {
            String b = block.strip();
            if (b.isEmpty()) continue;
            if (b.startsWith("#")) {
                if (list.isEmpty() && title.equals(fallbackTitle)) title = b.lines().findFirst().orElse(b).replaceFirst("^#+\\s*", "").strip();
                String rest = b.lines().skip(1).reduce("", (x, y) -> x + " " + y).strip();
                if (rest.isEmpty()) continue;
                b = rest;
            }
            String plain = b.replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1").replaceAll("[*_`>]+", "").replaceAll("^[-+] ", "")
                    .replaceAll("\\s+", " ").strip();
            if (plain.isEmpty()) continue;
            String firstSentence = plain.split("(?<=[.!?])\\s", 2)[0];
            list.add(scene(list.size() + 1, plain, firstSentence.length() > 200 ? firstSentence.substring(0, 200) : firstSentence));
        }
        return build(title, language, list, "the text");
    }

    public static Story fromFile(Path file, String language) {
        try {
            String name = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            return fromText(Files.readString(file), name, language);
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> scene(int n, String text, String imagePrompt) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", "scene" + n);
        m.put("text", text.strip());
        m.put("image_prompt", imagePrompt.isBlank() ? text.strip() : imagePrompt.strip());
        return m;
    }

    private static Story build(String title, String language, List<Map<String, Object>> scenes, String source) {
        if (scenes.isEmpty()) throw ShortsmithException.badInput(source + " has no scenes (paragraphs separated by blank lines)");
        var m = new LinkedHashMap<String, Object>();
        m.put("title", title.isBlank() ? "Short" : title);
        m.put("language", language);
        m.put("scenes", scenes);
        return Story.parse(Json.write(m), source);
    }
}
