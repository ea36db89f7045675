package shortsmith.video;

import shortsmith.core.Story;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a scene's words into caption chunks the way a person sets them, by the measured width of
 * the words at the type size they are drawn at: a chunk is one line, or two balanced lines of at
 * least two words each; neither a chunk nor its first line ends on an article, preposition or
 * conjunction ({@link FunctionWords}); a chunk never spans a pause longer than {@link #PAUSE},
 * breaks where the punctuation does, and stays on screen at least {@link #MIN_SHOWN} (neighbours
 * are joined rather than a word flashed). Each stretch of speech between pauses is cut with the
 * least cost over all ways of cutting it (dynamic programming), so no rule is traded for a greedy
 * choice made early.
 */
final class CaptionChunker {
    private CaptionChunker() {}

    /** A silence longer than this between two words always ends a chunk: captions follow the speech. */
    static final double PAUSE = 0.25;
    /** A chunk on screen for less than this is a flash. */
    static final double MIN_SHOWN = 0.6;
    /** How long the last chunk before a pause stays after its last word ends. */
    static final double LINGER = 0.4;
    /** The smallest share of the type size a single word too wide for the line is shrunk to. */
    static final double SMALLEST = 0.45;

    /** How wide a text is at a type size, as libass lays it out (advance widths, no outline). */
    @FunctionalInterface
    interface Widths {
        double of(String text, int fontSize);
    }

    /**
     * What a scene's chunks are cut for: each word as drawn ({@code shown}: capitals, escapes
     * undone), their widths, the type size, the widest a line may be ({@code lineWidth}, outline
     * and box included via {@code extra}), the most words a chunk holds, and the story's language.
     */
    record Measure(Widths widths, int fontSize, double lineWidth, double extra, int maxWords, String language) {}

    /**
     * A chunk: words {@code [from, to)}, on two lines split before word {@code split} (or one line:
     * -1), at {@code fontSize}, shown from {@code start} to {@code end} seconds.
     */
    record Chunk(int from, int to, int split, int fontSize, double start, double end) {
        boolean twoLines() { return split > 0; }

        /** The lines as word ranges. */
        List<int[]> lines() { return twoLines() ? List.of(new int[] {from, split}, new int[] {split, to}) : List.<int[]>of(new int[] {from, to}); }
    }

    private static final double IMPOSSIBLE = 1e12;
    private static final double FUNCTION_END = 1000, FLASH = 400, SENTENCE_INSIDE = 200, SENTENCE_AT_BREAK = 60, CLAUSE_INSIDE = 25,
            PER_CHUNK = 10, SECOND_LINE = 6, BALANCE = 20, LONE_WORD = 5;

    /** The chunks of a scene of {@code duration} seconds; {@code shown} is each word as drawn. */
    static List<Chunk> cut(List<Story.Word> words, List<String> shown, Measure m, double duration) {
        int n = words.size();
        double[] width = new double[n];
        for (int k = 0; k < n; k++) width[k] = m.widths().of(shown.get(k), m.fontSize());
        double space = m.widths().of(" ", m.fontSize());
        List<Chunk> out = new ArrayList<>();
        int a = 0;
        while (a < n) {
            int b = a + 1;
            while (b < n && words.get(b).start() - words.get(b - 1).end() <= PAUSE) b++;
            double after = b < n ? words.get(b).start() : duration;
            out.addAll(cutStretch(words, shown, m, width, space, a, b, Math.min(after, duration)));
            a = b;
        }
        out.removeIf(c -> c.end() <= c.start());
        return out;
    }

    /** The best cut of words {@code [a, b)}, spoken without a pause; {@code next} is when the following speech (or the clip) starts. */
    private static List<Chunk> cutStretch(List<Story.Word> words, List<String> shown, Measure m, double[] width, double space, int a, int b,
                                          double next) {
        int n = b - a;
        double[] best = new double[n + 1];
        int[] from = new int[n + 1], split = new int[n + 1];
        Arrays.fill(best, IMPOSSIBLE * 10);
        best[0] = 0;
        for (int j = 1; j <= n; j++) {
            for (int i = Math.max(0, j - m.maxWords()); i < j; i++) {
                if (best[i] >= IMPOSSIBLE) continue;
                int[] chosen = new int[1];
                double c = cost(words, shown, m, width, space, a + i, a + j, b, next, chosen);
                if (best[i] + c < best[j]) {
                    best[j] = best[i] + c;
                    from[j] = i;
                    split[j] = chosen[0];
                }
            }
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int j = n; j > 0; j = from[j]) {
            int i = from[j];
            double start = words.get(a + i).start();
            chunks.addFirst(new Chunk(a + i, a + j, split[j], fontSizeFor(m, width, a + i, a + j), start, shownUntil(words, a + i, a + j, b, next)));
        }
        return chunks;
    }

    /** When a chunk leaves the screen: as the next chunk starts, or after a pause a moment after its last word (at least {@link #MIN_SHOWN} in all). */
    private static double shownUntil(List<Story.Word> words, int i, int j, int b, double next) {
        if (j < b) return words.get(j).start();
        double start = words.get(i).start();
        return Math.min(next, Math.max(words.get(j - 1).end() + LINGER, start + MIN_SHOWN));
    }

    /** A single word wider than the line is shrunk (down to {@link #SMALLEST}); everything else is set at the type size. */
    private static int fontSizeFor(Measure m, double[] width, int i, int j) {
        if (j - i > 1 || width[i] + m.extra() <= m.lineWidth()) return m.fontSize();
        for (double scale = 0.95; scale >= SMALLEST - 1e-9; scale -= 0.05) {
            if (width[i] * scale + m.extra() <= m.lineWidth()) return (int) Math.floor(m.fontSize() * scale);
        }
        return (int) Math.floor(m.fontSize() * SMALLEST);
    }

    private static double lineWidth(double[] width, double space, int i, int j) {
        double w = 0;
        for (int k = i; k < j; k++) w += width[k] + (k > i ? space : 0);
        return w;
    }

    /** The cost of words {@code [i, j)} as one chunk; {@code chosen[0]} gets its line break (or -1). */
    private static double cost(List<Story.Word> words, List<String> shown, Measure m, double[] width, double space, int i, int j, int b,
                               double next, int[] chosen) {
        chosen[0] = -1;
        double c = PER_CHUNK;
        double one = lineWidth(width, space, i, j) + m.extra();
        if (one > m.lineWidth() && j - i > 1) {
            // Two lines, each of at least two words, as balanced as the phrase allows.
            double bestSplit = IMPOSSIBLE;
            for (int k = i + 2; k <= j - 2; k++) {
                double w1 = lineWidth(width, space, i, k) + m.extra(), w2 = lineWidth(width, space, k, j) + m.extra();
                if (w1 > m.lineWidth() || w2 > m.lineWidth()) continue;
                double s = BALANCE * Math.abs(w1 - w2) / m.lineWidth();
                if (FunctionWords.endsOnOne(shown.get(k - 1), m.language())) s += FUNCTION_END;
                if (endsSentence(shown.get(k - 1))) s += SENTENCE_AT_BREAK;
                if (s < bestSplit) {
                    bestSplit = s;
                    chosen[0] = k;
                }
            }
            if (chosen[0] < 0) return IMPOSSIBLE;
            c += SECOND_LINE + bestSplit;
        }
        if (j - i == 1 && b - i > 1) c += LONE_WORD;
        if (FunctionWords.endsOnOne(shown.get(j - 1), m.language())) c += FUNCTION_END;
        for (int k = i; k < j - 1; k++) {
            if (k + 1 == chosen[0]) continue;   // a line break at the punctuation: priced with the split
            if (endsSentence(shown.get(k))) c += SENTENCE_INSIDE;
            else if (endsClause(shown.get(k))) c += CLAUSE_INSIDE;
        }
        double start = words.get(i).start(), end = shownUntil(words, i, j, b, next);
        if (end - start < MIN_SHOWN - 1e-9) c += FLASH + 100 * (MIN_SHOWN - (end - start));
        return c;
    }

    static boolean endsSentence(String word) { return word.matches(".*[.!?…]+[\"'»”’)\\]]*$"); }

    static boolean endsClause(String word) { return word.matches(".*[,;:—–]+[\"'»”’)\\]]*$"); }
}
