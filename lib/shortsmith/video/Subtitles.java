package shortsmith.video;

import shortsmith.core.Story;
import shortsmith.core.WorkDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Short's narration as subtitle files for players and YouTube's caption track, SRT and WebVTT:
 * cues made for reading, not the burned-in chunks. Each cue is one line of whole words (never
 * hyphenated) of up to {@link #MAX_LINE} characters, on screen at least {@link #MIN_DURATION}
 * where the speech leaves room, read at no more than {@link #MAX_CPS} characters a second, from
 * its first word's onset (each scene's words shifted by where its clip starts) until the next cue
 * or a moment after its last word. The text is the story's own, literal in both files.
 *
 * <pre>jshell> Subtitles.srt(Subtitles.cues(scenes, "es"))</pre>
 */
public final class Subtitles {
    private Subtitles() {}

    /** The longest line of a cue, in characters (a word longer than this gets a cue of its own). */
    public static final int MAX_LINE = 42;
    /** The shortest a cue stays, where the next speech leaves room. */
    public static final double MIN_DURATION = 0.7;
    /** The fastest reading a cue asks for, characters a second. */
    public static final double MAX_CPS = 20;
    /** How long a cue stays after its last word when nothing follows at once. */
    static final double LINGER = 0.3;
    /** A silence longer than this always ends a cue; shorter ones are where cues prefer to end. */
    static final double LONG_PAUSE = 1.0, PAUSE = 0.4;

    /** One cue: from {@code start} to {@code end} seconds, its lines of text. */
    public record Cue(double start, double end, List<String> lines) {}

    /** One scene of the Short: where its clip starts, how long it lasts, and its words (seconds into its narration). */
    public record Scene(double offset, double duration, List<Story.Word> words) {}

    /** A word on the Short's timeline. */
    private record Timed(String text, double start, double end) {}

    private static final double IMPOSSIBLE = 1e12;

    /** The cues of the Short's scenes, in order; {@code language} (the story's) says which words lean on the next. */
    public static List<Cue> cues(List<Scene> scenes, String language) {
        List<List<Timed>> timeline = new ArrayList<>();
        for (Scene scene : scenes) {
            List<Timed> words = new ArrayList<>();
            if (scene.words() != null) {
                double until = scene.offset() + scene.duration();
                for (var w : scene.words()) {
                    String text = w.word().strip().replaceAll("\\s+", " ");
                    double start = Math.min(until, scene.offset() + w.start());
                    if (!text.isEmpty()) words.add(new Timed(text, start, Math.max(start, Math.min(until, scene.offset() + w.end()))));
                }
            }
            timeline.add(words);
        }
        double end = scenes.isEmpty() ? 0 : scenes.getLast().offset() + scenes.getLast().duration();
        List<Cue> cues = new ArrayList<>();
        for (int s = 0; s < timeline.size(); s++) {
            double next = end;
            for (int t = s + 1; t < timeline.size(); t++) {
                if (!timeline.get(t).isEmpty()) {
                    next = timeline.get(t).getFirst().start();
                    break;
                }
            }
            if (!timeline.get(s).isEmpty()) cues.addAll(cut(timeline.get(s), next, language));
        }
        return cues;
    }

    /** A scene's words cut into cues with the least cost; {@code next} is when the following speech (or the Short) starts. */
    private static List<Cue> cut(List<Timed> words, double next, String language) {
        int n = words.size();
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        Arrays.fill(best, IMPOSSIBLE * 10);
        best[0] = 0;
        for (int j = 1; j <= n; j++) {
            int chars = -1;
            for (int i = j - 1; i >= 0; i--) {
                chars += 1 + words.get(i).text().length();
                if (chars > MAX_LINE && j - i > 1) break;
                if (i + 1 < j && words.get(i + 1).start() - words.get(i).end() > LONG_PAUSE) break;
                if (best[i] >= IMPOSSIBLE) continue;
                double c = best[i] + cost(words, i, j, chars, next, language);
                if (c < best[j]) {
                    best[j] = c;
                    from[j] = i;
                }
            }
        }
        List<Cue> cues = new ArrayList<>();
        for (int j = n; j > 0; j = from[j]) {
            int i = from[j];
            var text = new StringBuilder();
            for (int k = i; k < j; k++) text.append(k > i ? " " : "").append(words.get(k).text());
            cues.addFirst(new Cue(words.get(i).start(), until(words, i, j, text.length(), next), List.of(text.toString())));
        }
        return cues;
    }

    /** When a cue leaves: long enough to read (and {@link #MIN_DURATION}), a moment after its last word, never after the next cue starts. */
    private static double until(List<Timed> words, int i, int j, int chars, double next) {
        double start = words.get(i).start(), room = j < words.size() ? words.get(j).start() : next;
        return Math.max(words.get(j - 1).end(), Math.min(room, Math.max(words.get(j - 1).end() + LINGER, start + Math.max(MIN_DURATION, chars / MAX_CPS))));
    }

    private static double cost(List<Timed> words, int i, int j, int chars, double next, String language) {
        double c = 10, duration = until(words, i, j, chars, next) - words.get(i).start();
        if (duration < MIN_DURATION - 1e-9) c += 400 + 100 * (MIN_DURATION - duration);
        if (chars / Math.max(duration, 0.01) > MAX_CPS) c += 20 * (chars / Math.max(duration, 0.01) - MAX_CPS);
        String last = words.get(j - 1).text();
        if (j < words.size() && FunctionWords.endsOnOne(last, language)) c += 15;
        for (int k = i; k < j - 1; k++) {
            String w = words.get(k).text();
            if (CaptionChunker.endsSentence(w)) c += 30;
            else if (CaptionChunker.endsClause(w)) c += 5;
            if (words.get(k + 1).start() - words.get(k).end() > PAUSE) c += 40;
        }
        return c;
    }

    /**
     * SubRip: the text literal. SRT has no escapes, and players read {@code <i>}, {@code <font …>},
     * {@code {\an8}} and entities such as {@code &amp;} in it as markup; a word joiner (U+2060,
     * invisible) after the {@code <}, {@code {} or {@code &} that would open one keeps the text as
     * written, which is what the WebVTT file (with its own escapes) says too.
     */
    public static String srt(List<Cue> cues) {
        var out = new StringBuilder();
        for (int i = 0; i < cues.size(); i++) {
            var c = cues.get(i);
            out.append(i + 1).append('\n').append(time(c.start(), ',')).append(" --> ").append(time(c.end(), ',')).append('\n');
            c.lines().forEach(l -> out.append(literalSrt(oneLine(l))).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    /** WebVTT: the text literal, with {@code &}, {@code <} and {@code >} escaped as the format asks. */
    public static String vtt(List<Cue> cues) {
        var out = new StringBuilder("WEBVTT\n\n");
        for (var c : cues) {
            out.append(time(c.start(), '.')).append(" --> ").append(time(c.end(), '.')).append('\n');
            c.lines().forEach(l -> out.append(oneLine(l).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    private static String oneLine(String text) { return text.replaceAll("\\s*\\R\\s*", " "); }

    static String literalSrt(String text) {
        return text.replaceAll("<(?=/?\\s*[A-Za-z])", "<\u2060").replaceAll("\\{(?=\\\\)", "{\u2060").replaceAll("&(?=#?[A-Za-z0-9]+;)", "&\u2060");
    }

    static String time(double seconds, char decimal) {
        long ms = Math.max(0, Math.round(seconds * 1000));
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, decimal, ms % 1000);
    }

    /** Writes NAME.srt and NAME.vtt beside {@code video}; the two files written. */
    public static List<Path> writeBeside(Path video, List<Cue> cues) {
        String stem = video.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        Path srt = video.resolveSibling(stem + ".srt"), vtt = video.resolveSibling(stem + ".vtt");
        WorkDir.writeAtomically(srt, srt(cues));
        WorkDir.writeAtomically(vtt, vtt(cues));
        return List.of(srt, vtt);
    }
}
