package shortsmith.providers;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;
import shortsmith.media.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The offline narrator: espeak-ng with the voice of the story's language (Spanish for {@code es}),
 * at 175 words a minute times TTS_SPEED. Free and instant, so the toolkit runs with no keys.
 */
record EspeakSpeech() implements SpeechProvider {

    public String name() { return "espeak"; }

    public String model() { return "espeak-ng"; }

    public boolean runsHere() { return true; }

    public String defaultVoice(String language) {
        String l = language == null ? "en" : language.toLowerCase(Locale.ROOT);
        return l.isBlank() ? "en" : l;
    }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException {
        c.status().accept("espeak-ng " + r.voice());
        Path wav;
        try {
            wav = Files.createTempFile("espeak", ".wav");
        } catch (IOException e) {
            throw ShortsmithException.output("cannot create a temporary file: " + e.getMessage(), e);
        }
        try {
            int wpm = (int) Math.round(175 * r.speed());
            // The text goes on stdin: a narration that starts with "-" is words to speak, not an option.
            var result = Proc.run(List.of("espeak-ng", "-v", r.voice(), "-s", String.valueOf(wpm), "-w", wav.toString(), "--stdin"),
                    null, Duration.ofMinutes(2), r.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!result.ok()) {
                String why = result.lastErrorLine();
                throw new ShortsmithException(ExitCode.BAD_INPUT, "espeak-ng cannot speak with voice '" + r.voice() + "' (" + why
                        + "); set TTS_VOICE to one of `espeak-ng --voices`, or the story's language");
            }
            return Files.readAllBytes(wav);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot read espeak-ng's output: " + e.getMessage(), e);
        } finally {
            WorkDir.deleteQuietly(wav);
        }
    }
}
