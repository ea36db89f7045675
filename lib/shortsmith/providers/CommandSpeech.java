package shortsmith.providers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Narration from a program of the user's ({@code TTS_PROVIDER=command}, {@code TTS_COMMAND}), such
 * as piper: {@code {text} {voice} {speed} {language} {scene}} are filled in, the text also arrives on
 * stdin, and the program writes audio to {@code {out}} (WAV, or anything ffmpeg decodes). It must
 * decode and not be silent, like any provider's narration.
 */
record CommandSpeech(LocalCommand command, Duration timeout) implements SpeechProvider {

    static final Set<String> PLACEHOLDERS = Set.of("text", "voice", "speed", "language", "scene", "out");

    public String name() { return "command"; }

    public String model() { return command.line(); }

    public boolean runsHere() { return true; }

    public String defaultVoice(String language) { return language == null ? "" : language.toLowerCase(Locale.ROOT); }

    public byte[] synthesize(Request r, ImageProvider.Context c) {
        c.status().accept("running " + command.words().getFirst());
        return command.run(Map.of("text", r.text(), "voice", r.voice(), "speed", String.valueOf(r.speed()),
                "language", r.language() == null ? "" : r.language(), "scene", r.sceneId()), "wav",
                r.text().getBytes(StandardCharsets.UTF_8), timeout);
    }
}
