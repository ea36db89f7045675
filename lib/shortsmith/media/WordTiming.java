package shortsmith.media;

import shortsmith.core.Story;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    /**
     * The words with every shared onset split: a run of words that start at the same moment (an
     * engine gives a short function word and the next one one onset, "of the") shares the time
     * from that onset to the next word's (or to the run's last end) by syllables, so each has a
     * length of its own. Words outside such runs keep their times exactly.
     */
    public static List<Story.Word> splitSharedOnsets(List<Story.Word> words) {
        List<Story.Word> out = new ArrayList<>(words);
        for (int i = 0; i < out.size(); ) {
            int j = i + 1;
            while (j < out.size() && out.get(j).start() - out.get(i).start() < 0.001) j++;
            if (j - i > 1) {
                double from = out.get(i).start();
                double to = j < out.size() ? out.get(j).start() : out.subList(i, j).stream().mapToDouble(Story.Word::end).max().orElse(from);
                if (to - from >= 0.002) {
                    double units = 0;
                    for (int k = i; k < j; k++) units += Math.max(1, syllables(out.get(k).word()));
                    double t = from;
                    for (int k = i; k < j; k++) {
                        var w = out.get(k);
                        double next = k + 1 < j ? t + (to - from) * Math.max(1, syllables(w.word())) / units : Math.max(w.end(), t);
                        out.set(k, new Story.Word(w.word(), round(t), round(k + 1 < j ? next : Math.min(next, Math.max(to, t)))));
                        t = next;
                    }
                }
            }
            i = j;
        }
        return out;
    }

    /** Vowel groups, a good syllable count for Spanish and a fair one for English; at least 1. */
    public static int syllables(String word) {
        String w = word.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]", "");
        if (w.isEmpty()) return 0;
        if (w.chars().allMatch(Character::isDigit)) return Math.max(1, w.length());   // numbers are read out long
        int groups = 0;
        boolean inVowel = false;
        for (char c : w.toCharArray()) {
            boolean vowel = "aeiouáéíóúüàèìòùâêîôûäëïöy".indexOf(c) >= 0;
            if (vowel && !inVowel) groups++;
            inVowel = vowel;
        }
        return Math.max(1, groups);
    }

    /** The pause after a word, in syllables: short at commas, longer at the end of a sentence. */
    public static double pauseAfter(String word) {
        if (word.matches(".*[.!?…]+[\"'»”)]*$")) return 2.5;
        if (word.matches(".*[,;:—–]+[\"'»”)]*$")) return 1.5;
        return 0;
    }

    /** Word times spread over the speech span by syllables, with pauses at punctuation: the fallback when nothing better is known. */
    public static List<Story.Word> estimate(String text, Narration.SpeechSpan span) {
        List<String> words = List.of(text.strip().split("\\s+"));
        double units = 0;
        for (int i = 0; i < words.size(); i++) {
            units += Math.max(1, syllables(words.get(i)));
            if (i < words.size() - 1) units += pauseAfter(words.get(i));
        }
        double perUnit = (span.end() - span.start()) / units;
        List<Story.Word> out = new ArrayList<>();
        double t = span.start();
        for (int i = 0; i < words.size(); i++) {
            double d = Math.max(1, syllables(words.get(i))) * perUnit;
            out.add(new Story.Word(words.get(i), round(t), round(t + d)));
            t += d + (i < words.size() - 1 ? pauseAfter(words.get(i)) * perUnit : 0);
        }
        return out;
    }

    private static double round(double s) { return Math.round(s * 1000) / 1000.0; }
}
