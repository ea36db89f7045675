package shortsmith.providers;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Wav;
import shortsmith.media.WordMatch;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ElevenLabs: {@code POST {base}/v1/text-to-speech/{voice_id}/with-timestamps?output_format=pcm_24000}
 * with {@code text, model_id} (and {@code voice_settings.speed}, {@code language_code} where the model
 * takes them), the key in the {@code xi-api-key} header. The answer is JSON: {@code audio_base64}
 * (raw 16-bit PCM at 24 kHz, wrapped here as WAV) and {@code alignment} (each character of the text
 * with its start and end), from which every word's time is taken. Errors come as {@code detail:
 * {status, message}} (401 invalid_api_key or quota_exceeded, 429 too_many_concurrent_requests or
 * system_busy) or a 422 validation list. Each request is sent at most once.
 */
record ElevenLabsSpeech(URI base, String model, Settings.Secret key, Http http) implements SpeechProvider {

    /** George, one of ElevenLabs' default voices; the multilingual models speak any language with it. */
    static final String DEFAULT_VOICE = "JBFqnCBsd6RMkjVDRZzb";
    static final int SAMPLE_RATE = 24_000;

    /** ElevenLabs' speeds: TTS_SPEED outside them is refused before anything is sent. */
    static double checkSpeed(double speed) {
        if (speed < 0.7 || speed > 1.2) {
            throw ShortsmithException.usage("TTS_SPEED=" + speed + " is outside what ElevenLabs takes (0.7–1.2): set TTS_SPEED between them");
        }
        return speed;
    }

    public String name() { return "elevenlabs"; }

    public String defaultVoice(String language) { return DEFAULT_VOICE; }

    /** Long narration goes in sentence-bounded pieces well under every model's per-request limit. */
    public int maxInputChars() { return 2500; }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException { return speak(r, c).audio(); }

    @Override
    public Spoken speak(Request r, ImageProvider.Context c) throws InterruptedException {
        var body = new LinkedHashMap<String, Object>();
        body.put("text", r.text());
        body.put("model_id", model);
        if (r.speed() != 1.0) body.put("voice_settings", Map.of("speed", r.speed()));
        // Only the v2.5 models take a language to enforce; the others refuse the field.
        if (model.contains("v2_5") && r.language() != null && !r.language().isBlank()) body.put("language_code", r.language().toLowerCase(Locale.ROOT));
        URI uri = base.resolve("v1/text-to-speech/" + URLEncoder.encode(r.voice(), StandardCharsets.UTF_8) + "/with-timestamps?output_format=pcm_"
                + SAMPLE_RATE);
        JsonNode answer = c.jobs().sendOnce("speech-" + r.sceneId(), key(r), name(), () -> http.withRetries(() -> {
            try (var permit = c.submissions().permit()) {
                c.status().accept("synthesising with word times");
                return http.submit(uri, Map.of("xi-api-key", key.value()), body);
            }
        }, Http.retryStatus(c.status())));
        byte[] pcm = Http.base64(answer.path("audio_base64"), "elevenlabs: the answer's audio");
        JsonNode alignment = answer.path("alignment");
        JsonNode chars = alignment.path("characters"), starts = alignment.path("character_start_times_seconds"),
                ends = alignment.path("character_end_times_seconds");
        List<WordMatch.Timed> timed = new ArrayList<>();
        for (int i = 0; i < chars.size() && i < starts.size() && i < ends.size(); i++) {
            timed.add(new WordMatch.Timed(chars.get(i).asText(), starts.get(i).asDouble(), ends.get(i).asDouble()));
        }
        var matched = WordMatch.onto(r.text(), timed);
        return new Spoken(Wav.mono16(pcm, SAMPLE_RATE), matched.agreement() >= KokoroSpeech.MIN_AGREEMENT ? matched.words() : null);
    }
}
