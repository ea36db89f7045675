package shortsmith.media;

import shortsmith.core.Story;

import java.util.ArrayList;
import java.util.List;

/**
 * Word times from word onsets: the text's words (split at white space, as captions split them),
 * each ending at its last voiced 10 ms before the next word starts, so pauses show as gaps. Shared
 * by espeak-ng's own word events and the aligner.
 */
public final class WordTiming {
    private WordTiming() {}

    /** A word of the text: its characters, and where it is in the text (code points, [start, end)). */
    public record Token(String word, int start, int end) {}

    /** The text's words, split at white space. */
    public static List<Token> tokens(String text) {
        int[] cps = text.codePoints().toArray();
        List<Token> tokens = new ArrayList<>();
        for (int i = 0; i < cps.length; ) {
            while (i < cps.length && Character.isWhitespace(cps[i])) i++;
            int start = i;
            while (i < cps.length && !Character.isWhitespace(cps[i])) i++;
            if (i > start) tokens.add(new Token(new String(cps, start, i - start), start, i));
        }
        return tokens;
    }

    /** For each 10 ms of {@code mono}, whether it is louder than −40 dBFS. */
    public static boolean[] voiced(float[] mono, int sampleRate) {
        double[] levels = levels(mono, sampleRate);
        boolean[] voiced = new boolean[levels.length];
        for (int k = 0; k < levels.length; k++) voiced[k] = levels[k] > -40;
        return voiced;
    }

    /** The level of each 10 ms of {@code mono}, dBFS. */
    public static double[] levels(float[] mono, int sampleRate) {
        int window = Math.max(1, sampleRate / 100), n = mono.length / window;
        double[] levels = new double[n];
        for (int k = 0; k < n; k++) {
            double sum = 0;
            for (int i = k * window; i < (k + 1) * window; i++) sum += mono[i] * mono[i];
            levels[k] = 10 * Math.log10(sum / window + 1e-20);
        }
        return levels;
    }

    /**
     * The words with their onsets ({@code starts}, seconds, one per token, non-decreasing) and ends:
     * the last voiced 10 ms before the next onset, at least 50 ms after the word's own.
     */
    public static List<Story.Word> words(List<Token> tokens, double[] starts, double audioSeconds, boolean[] voiced) {
        List<Story.Word> words = new ArrayList<>();
        for (int t = 0; t < tokens.size(); t++) {
            double next = t + 1 < tokens.size() ? Math.max(starts[t], starts[t + 1]) : audioSeconds;
            int w = (int) Math.floor(next * 100) - 1, first = (int) Math.floor(starts[t] * 100);
            while (w > first && w < voiced.length && !voiced[w]) w--;
            double end = Math.min(next, Math.max(starts[t] + 0.05, (w + 1) / 100.0));
            words.add(new Story.Word(tokens.get(t).word(), round(starts[t]), round(Math.max(end, starts[t]))));
        }
        return words;
    }

    private static double round(double s) { return Math.round(s * 1000) / 1000.0; }
}
