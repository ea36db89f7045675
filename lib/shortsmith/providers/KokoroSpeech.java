package shortsmith.providers;

import shortsmith.core.Settings;
import shortsmith.media.WordMatch;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Kokoro-FastAPI's captioned speech: {@code POST {base}/dev/captioned_speech} with {@code model,
 * input, voice, response_format, speed}, {@code stream: false} and {@code return_timestamps: true};
 * the answer is JSON with the audio in base 64 and {@code timestamps} ({@code word, start_time,
 * end_time}, its own tokens, punctuation included), laid onto the script's words so captions use the
 * engine's own times. Errors come as {@code detail: {error, message, type}}. A server on this machine
 * needs no key; behind a proxy, TTS_API_KEY goes as a bearer token.
 */
record KokoroSpeech(URI base, String model, Settings.Secret key, Http http) implements SpeechProvider {

    /** Kokoro's voices: the first letter is the language (a American English, e Spanish, f French, i Italian, p Portuguese…). */
    private static final Map<String, String> VOICES = Map.of("en", "af_heart", "es", "ef_dora", "fr", "ff_siwis", "it", "if_sara",
            "pt", "pf_dora", "ja", "jf_alpha", "zh", "zf_xiaobei", "hi", "hf_alpha");

    /** The share of the script's letters the engine's tokens must agree with before their times are used. */
    static final double MIN_AGREEMENT = 0.6;

    public String name() { return "kokoro"; }

    public String defaultVoice(String language) {
        String l = language == null ? "en" : language.toLowerCase(Locale.ROOT).replaceFirst("[-_].*", "");
        return VOICES.getOrDefault(l, "af_heart");
    }

    public boolean runsHere() { return SpeechProvider.isLoopback(base); }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException { return speak(r, c).audio(); }

    @Override
    public Spoken speak(Request r, ImageProvider.Context c) throws InterruptedException {
        var body = OpenAiSpeech.body(model, r);
        body.put("stream", false);
        body.put("return_timestamps", true);
        JsonNode answer = c.jobs().sendOnce("speech-" + r.sceneId(), key(r), name(), () -> http.withRetries(() -> {
            try (var permit = c.submissions().permit()) {
                c.status().accept("synthesising with word times");
                return http.submit(base.resolve("dev/captioned_speech"), Http.bearer(key), body);
            }
        }, Http.retryStatus(c.status())));
        byte[] audio = Http.base64(answer.path("audio"), "kokoro: the answer's audio");
        List<WordMatch.Timed> timed = new ArrayList<>();
        for (JsonNode t : answer.path("timestamps")) {
            timed.add(new WordMatch.Timed(t.path("word").asText(""), t.path("start_time").asDouble(), t.path("end_time").asDouble()));
        }
        var matched = WordMatch.onto(r.text(), timed);
        // Tokens that do not spell the script (another text, a normaliser's rewrite) are not trusted: the aligner times it instead.
        return new Spoken(audio, matched.agreement() >= MIN_AGREEMENT ? matched.words() : null);
    }
}
