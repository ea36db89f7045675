package shortsmith.media;

import shortsmith.core.Story;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Timed pieces of speech (an engine's tokens, a recogniser's words, characters) laid onto the
 * script's own words. Both are reduced to letters and digits and aligned character by character
 * (edit distance), so punctuation tokens, split or joined words, a number read out as words and a
 * recogniser's slips cost only where they occur; each script word takes the time of the first piece
 * its characters land on. Words that land on nothing are placed between their neighbours.
 *
 * <pre>jshell> WordMatch.onto("Hola, ¿qué tal?", List.of(new WordMatch.Timed("hola", 0.1, 0.4), new WordMatch.Timed("que", 0.5, 0.6), new WordMatch.Timed("tal", 0.6, 0.9)))</pre>
 */
public final class WordMatch {
    private WordMatch() {}

    /** A piece of speech and when it is heard, seconds from the start of the narration. */
    public record Timed(String text, double start, double end) {}

    /** The script's words with times, and the share of the script's letters that found the same letter in the speech. */
    public record Matched(List<Story.Word> words, double agreement) {}

    /** Lays {@code timed} onto the words of {@code script}; {@code words} is null when the script has none. */
    public static Matched onto(String script, List<Timed> given) {
        // A service's times are untrusted: a piece without a usable time (not a number, negative, reversed) times nothing.
        var timed = given.stream().filter(t -> t != null && t.text() != null && Double.isFinite(t.start()) && Double.isFinite(t.end())
                && t.start() >= 0 && t.end() >= t.start()).toList();
        var tokens = WordTiming.tokens(script);
        if (tokens.isEmpty() || timed.isEmpty()) return new Matched(null, 0);
        // The script's letters and the speech's, and which word or piece each belongs to.
        List<Integer> wordOf = new ArrayList<>(), pieceOf = new ArrayList<>();
        String a = letters(tokens.stream().map(WordTiming.Token::word).toList(), wordOf);
        String b = letters(timed.stream().map(Timed::text).toList(), pieceOf);
        int[] x = a.codePoints().toArray(), y = b.codePoints().toArray();
        int n = x.length, m = y.length;
        if (n == 0 || m == 0) return new Matched(null, 0);
        int[][] cost = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) cost[i][0] = i;
        for (int j = 0; j <= m; j++) cost[0][j] = j;
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                cost[i][j] = Math.min(cost[i - 1][j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1), Math.min(cost[i - 1][j], cost[i][j - 1]) + 1);
            }
        }
        // Back through the table: the piece each script letter landed on (-1: none).
        int[] landed = new int[n];
        java.util.Arrays.fill(landed, -1);
        int same = 0;
        for (int i = n, j = m; i > 0 && j > 0; ) {
            if (cost[i][j] == cost[i - 1][j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)) {
                landed[i - 1] = pieceOf.get(j - 1);
                if (x[i - 1] == y[j - 1]) same++;
                i--;
                j--;
            } else if (cost[i][j] == cost[i - 1][j] + 1) {
                i--;
            } else {
                j--;
            }
        }
        double[] starts = new double[tokens.size()], ends = new double[tokens.size()];
        java.util.Arrays.fill(starts, Double.NaN);
        for (int i = 0; i < n; i++) {
            if (landed[i] < 0) continue;
            int w = wordOf.get(i);
            var piece = timed.get(landed[i]);
            if (Double.isNaN(starts[w])) starts[w] = piece.start();
            ends[w] = Math.max(ends[w], piece.end());
        }
        fillGaps(starts, ends, timed.getLast().end());
        List<Story.Word> words = new ArrayList<>();
        for (int w = 0; w < tokens.size(); w++) {
            double start = w > 0 ? Math.max(starts[w], words.get(w - 1).start()) : starts[w];
            double end = Math.max(start, w + 1 < tokens.size() && !Double.isNaN(starts[w + 1]) ? Math.min(ends[w], Math.max(start, starts[w + 1])) : ends[w]);
            words.add(new Story.Word(tokens.get(w).word(), round(start), round(end)));
        }
        return new Matched(words, (double) same / n);
    }

    /** The folded letters of {@code texts} one after another; {@code owner} gets, for each letter, which text it came from. */
    private static String letters(List<String> texts, List<Integer> owner) {
        StringBuilder all = new StringBuilder();
        for (int t = 0; t < texts.size(); t++) {
            for (int c : fold(texts.get(t)).codePoints().toArray()) {
                all.appendCodePoint(c);
                owner.add(t);
            }
        }
        return all.toString();
    }

    /** A word that found no speech starts where the previous one ended and shares the time until the next. */
    private static void fillGaps(double[] starts, double[] ends, double last) {
        for (int w = 0; w < starts.length; ) {
            if (!Double.isNaN(starts[w])) { w++; continue; }
            int to = w;
            while (to < starts.length && Double.isNaN(starts[to])) to++;
            double from = w > 0 ? ends[w - 1] : 0, until = to < starts.length ? starts[to] : last;
            double step = Math.max(0, until - from) / (to - w);
            for (int k = w; k < to; k++) {
                starts[k] = from + step * (k - w);
                ends[k] = starts[k] + step;
            }
            w = to;
        }
    }

    /** Lower case, accents off, letters and digits only. */
    static String fold(String s) {
        String plain = Normalizer.normalize(s.toLowerCase(Locale.ROOT), Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return plain.replaceAll("[^\\p{L}\\p{N}]", "");
    }

    private static double round(double s) { return Math.round(s * 1000) / 1000.0; }
}
