package shortsmith.providers;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Aligner;
import shortsmith.media.Narration;
import shortsmith.media.WordAligner;
import shortsmith.media.WordMatch;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Word times from an OpenAI-compatible transcription service ({@code ALIGN_PROVIDER=openai}):
 * {@code POST {base}/v1/audio/transcriptions} as multipart form data with {@code file, model,
 * language, response_format=verbose_json, timestamp_granularities[]=word} and the script as
 * {@code prompt}; the answer's {@code words} ({@code word, start, end}) are laid onto the script's
 * words. What OpenAI, faster-whisper servers and whisper.cpp's server speak. A transcription is
 * paid for: it is sent at most once per narration; when it fails or does not match the script, the
 * offline aligner times the narration and {@code onProblem} hears why.
 */
public record TranscriptionAligner(URI base, String model, Settings.Secret key, Http http, Jobs jobs, Consumer<String> onProblem)
        implements WordAligner {

    /** The share of the script's letters the recognised words must agree with before their times are used. */
    static final double MIN_AGREEMENT = 0.5;

    public String name() { return "transcription"; }

    @Override
    public Aligner.Result align(Path audio, Narration narration, String text, String language) throws InterruptedException {
        try {
            var words = transcribe(audio, text, language);
            var matched = WordMatch.onto(text, words);
            if (matched.words() != null && matched.agreement() >= MIN_AGREEMENT) return new Aligner.Result(matched.words(), matched.agreement(), null);
            onProblem.accept(String.format(Locale.ROOT, "%s: the transcription matches %.0f %% of the script; aligned offline instead",
                    audio.getFileName(), 100 * matched.agreement()));
        } catch (ShortsmithException e) {
            onProblem.accept(audio.getFileName() + ": " + e.getMessage() + "; aligned offline instead");
        }
        return WordAligner.LOCAL.align(audio, narration, text, language);
    }

    List<WordMatch.Timed> transcribe(Path audio, String text, String language) throws InterruptedException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(audio);
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + audio + ": " + e.getMessage());
        }
        String name = audio.getFileName().toString();
        var parts = new ArrayList<Http.Part>();
        parts.add(new Http.Part("file", name, contentType(name), bytes));
        parts.add(Http.Part.field("model", model));
        parts.add(Http.Part.field("response_format", "verbose_json"));
        parts.add(Http.Part.field("timestamp_granularities[]", "word"));
        if (language != null && !language.isBlank()) parts.add(Http.Part.field("language", language.toLowerCase(Locale.ROOT).replaceFirst("[-_].*", "")));
        // The script as the prompt: names and spellings come out as written. Whisper reads only its last 224 tokens.
        parts.add(Http.Part.field("prompt", text.length() > 800 ? text.substring(text.length() - 800) : text));
        String job = "align-" + Asset.sha256((Asset.sha256(bytes) + "\n" + text).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        JsonNode answer = jobs.sendOnce(job, job, "transcription", () -> http.withRetries(
                () -> http.submitForm(base.resolve("v1/audio/transcriptions"), Http.bearer(key), parts), (attempt, failure, wait) -> {}));
        jobs.remove(job);
        List<WordMatch.Timed> words = new ArrayList<>();
        for (JsonNode w : answer.path("words")) {
            words.add(new WordMatch.Timed(w.path("word").asText(""), w.path("start").asDouble(), w.path("end").asDouble()));
        }
        if (words.isEmpty()) throw new Http.ProviderException("transcription: the answer has no word timestamps (does the server support timestamp_granularities[]=word?)", 200, false, null);
        return words;
    }

    private static String contentType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".wav") ? "audio/wav" : n.endsWith(".mp3") ? "audio/mpeg" : n.endsWith(".flac") ? "audio/flac"
                : n.endsWith(".ogg") || n.endsWith(".opus") ? "audio/ogg" : "application/octet-stream";
    }

    @Override
    public String toString() { return "TranscriptionAligner[" + model + " at " + base + "]"; }
}
