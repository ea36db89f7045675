package shortsmith.providers;

import shortsmith.core.Settings;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI-compatible speech: {@code POST {base}/v1/audio/speech} with {@code model, input, voice,
 * response_format, speed}; the answer is the audio itself. What Kokoro-FastAPI, openedai-speech
 * and other local servers speak, so the user's local model is one base URL away. OpenAI limits
 * {@code input} to 4096 characters: longer narration is sent in sentence-bounded pieces
 * ({@link SpeechProvider#maxInputChars}) and joined gaplessly. Each piece is sent at most once.
 */
record OpenAiSpeech(URI base, String model, Settings.Secret key, Http http) implements SpeechProvider {

    /** OpenAI's documented limit on {@code input}. */
    static final int MAX_INPUT = 4096;

    public String name() { return "openai"; }

    public String defaultVoice(String language) { return "alloy"; }

    public boolean runsHere() { return SpeechProvider.isLoopback(base); }

    public int maxInputChars() { return MAX_INPUT; }

    /** The OpenAI speech request's fields, which Kokoro-FastAPI's captioned route shares. */
    static LinkedHashMap<String, Object> body(String model, Request r) {
        var body = new LinkedHashMap<String, Object>();
        body.put("model", model);
        body.put("input", r.text());
        body.put("voice", r.voice());
        body.put("response_format", "wav");
        body.put("speed", r.speed());
        return body;
    }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException {
        var body = body(model, r);
        Map<String, String> headers = Http.bearer(key);
        return c.jobs().sendOnce("speech-" + r.sceneId(), key(r), name(), () -> http.withRetries(() -> {
            try (var permit = c.submissions().permit()) {
                c.status().accept("synthesising");
                return http.submitForBytes(base.resolve("v1/audio/speech"), headers, body, List.of("audio/", "application/octet-stream"));
            }
        }, Http.retryStatus(c.status())));
    }
}
