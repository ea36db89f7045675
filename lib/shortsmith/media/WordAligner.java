package shortsmith.media;

import java.nio.file.Path;

/**
 * Finds where the words of a text are spoken in a narration that came without word times:
 * {@link #LOCAL} (espeak-ng reference and DTW, offline) or a transcription service
 * (ALIGN_PROVIDER).
 */
public interface WordAligner {

    String name();

    /** The words of {@code text} in {@code narration} (read from {@code audio}), or why they could not be found. */
    Aligner.Result align(Path audio, Narration narration, String text, String language) throws InterruptedException;

    /** The offline aligner: no network, no model. */
    WordAligner LOCAL = new WordAligner() {
        public String name() { return "local"; }

        public Aligner.Result align(Path audio, Narration narration, String text, String language) {
            return Aligner.align(narration, text, language);
        }

        @Override
        public String toString() { return "WordAligner[local]"; }
    };
}
