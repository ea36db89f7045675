package shortsmith.providers;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Narration from the user's own ComfyUI workflow ({@code TTS_PROVIDER=comfyui}, {@code TTS_WORKFLOW}
 * in API format): {@code {{text}} {{voice}} {{speed}} {{language}} {{scene}}} are filled in, and the
 * audio the output node saved ({@code outputs[node].audio}: FLAC, WAV or MP3) is fetched with
 * {@code /view}. The cache key is the workflow after substitution.
 */
record ComfySpeech(ComfyUi server, ComfyWorkflow workflow, String outputNode) implements SpeechProvider {

    static final Set<String> PLACEHOLDERS = Set.of("text", "voice", "speed", "language", "scene");

    public String name() { return "comfyui"; }

    public String model() { return workflow.file().getFileName().toString(); }

    public boolean runsHere() { return SpeechProvider.isLoopback(server.base()); }

    public String defaultVoice(String language) { return language == null ? "" : language.toLowerCase(Locale.ROOT); }

    Map<String, Object> values(Request r) {
        return Map.of("text", r.text(), "voice", r.voice(), "speed", r.speed(), "language", r.language() == null ? "" : r.language(),
                "scene", r.sceneId());
    }

    public String key(Request r) { return Asset.key("speech", name(), server.base(), shortsmith.core.Json.write(workflow.fill(values(r)))); }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException {
        return server.run("speech-" + r.sceneId(), key(r), workflow.fill(values(r)), "audio", outputNode, "TTS_OUTPUT_NODE",
                List.of("audio/", "application/octet-stream"), c);
    }
}
