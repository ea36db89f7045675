package shortsmith.providers;

import shortsmith.core.Settings;

/**
 * Where narration comes from: {@code espeak} (offline: espeak-ng with the story language's voice),
 * {@code openai} (OpenAI-compatible {@code /v1/audio/speech}: OpenAI, Kokoro-FastAPI and other
 * local servers), {@code kokoro} and {@code elevenlabs} (with the engine's word times),
 * {@code replicate} (predictions: submit, poll until {@code succeeded}), {@code comfyui} or
 * {@code command}. Chosen by TTS_PROVIDER.
 */
public interface SpeechProvider {

    /** One narration: the text, the story's language, the voice and speed. */
    record Request(String sceneId, String text, String language, String voice, double speed) {}

    String name();

    String model();

    /** The voice used for {@code language} when TTS_VOICE is blank. */
    String defaultVoice(String language);

    default String key(Request r) { return Asset.key("speech", name(), model(), r.voice(), r.speed(), r.language(), r.text()); }

    /**
     * Whether synthesis runs on this machine's CPU (espeak-ng, or a server on loopback), so clip
     * encoding should leave it cores while it runs.
     */
    default boolean runsHere() { return false; }

    /** Whether {@code base} is a server on this machine. */
    static boolean isLoopback(java.net.URI base) {
        String host = base.getHost();
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }

    /** The longest {@code text} one request may carry; longer narration is sent in sentence-bounded pieces. */
    default int maxInputChars() { return Integer.MAX_VALUE; }

    /** A narration and, when the engine knows them, where its words are (seconds from the start of the audio). */
    record Spoken(byte[] audio, java.util.List<shortsmith.core.Story.Word> words) {}

    /** The narration with its word times when the engine reports them (espeak-ng, Kokoro, ElevenLabs do); by default only the audio. */
    default Spoken speak(Request r, ImageProvider.Context c) throws InterruptedException { return new Spoken(synthesize(r, c), null); }

    /** The audio's bytes (WAV, MP3, FLAC or Ogg). */
    byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException;

    static SpeechProvider from(Settings settings) {
        var s = settings.providers().speech();
        return switch (s.provider()) {
            case "openai" -> {
                var base = Http.base(s.baseUrl(), "https://api.openai.com");
                yield new OpenAiSpeech(base, s.model().isBlank() ? "tts-1" : s.model(), s.key(), Http.of("openai speech", settings, base));
            }
            case "kokoro" -> {
                var base = Http.base(s.baseUrl(), "http://127.0.0.1:8880");
                yield new KokoroSpeech(base, s.model().isBlank() ? "kokoro" : s.model(), s.key(), Http.of("kokoro", settings, base));
            }
            case "elevenlabs" -> {
                var base = Http.base(s.baseUrl(), "https://api.elevenlabs.io");
                ElevenLabsSpeech.checkSpeed(s.speed());
                yield new ElevenLabsSpeech(base, s.model().isBlank() ? "eleven_multilingual_v2" : s.model(),
                        Http.requireKey("TTS_API_KEY", s.key(), "elevenlabs"), Http.of("elevenlabs", settings, base));
            }
            case "replicate" -> {
                var base = Http.base(s.baseUrl(), "https://api.replicate.com");
                yield new ReplicateSpeech(base, s.model().isBlank() ? "jaaari/kokoro-82m" : s.model(),
                        Http.requireKey("TTS_API_KEY", s.key(), "replicate"), Http.of("replicate", settings, base));
            }
            case "comfyui" -> new ComfySpeech(ComfyUi.of(settings),
                    ComfyWorkflow.load("TTS_WORKFLOW", s.workflow(), ComfySpeech.PLACEHOLDERS, "text")
                            .checkNode("TTS_OUTPUT_NODE", s.outputNode()), s.outputNode());
            case "command" -> new CommandSpeech(LocalCommand.parse("TTS_COMMAND", s.command(), CommandSpeech.PLACEHOLDERS),
                    settings.providers().requestTimeout());
            default -> new EspeakSpeech();
        };
    }
}
