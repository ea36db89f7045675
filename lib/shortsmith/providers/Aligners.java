package shortsmith.providers;

import shortsmith.core.Settings;
import shortsmith.media.WordAligner;

import java.util.function.Consumer;

/** The aligner ALIGN_PROVIDER names: {@code local} (offline, the default) or {@code openai} (a transcription service). */
public final class Aligners {
    private Aligners() {}

    /** The configured aligner; {@code onProblem} hears why a transcription was not used. */
    static WordAligner from(Settings settings, Jobs jobs, Consumer<String> onProblem) {
        var a = settings.providers().align();
        if (!a.provider().equals("openai")) return WordAligner.LOCAL;
        var base = Http.base(a.baseUrl(), "https://api.openai.com");
        return new TranscriptionAligner(base, a.model(), a.key(), Http.of("transcription", settings, base), jobs, onProblem);
    }
}
