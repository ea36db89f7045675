package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How well a story's captions are set, read from what is drawn (the ASS script libass renders) and
 * what players get (the subtitle cues): orphan lines, words never highlighted, chunks that end on a
 * function word, and chunks and cues on screen too briefly. Every scene needs its word times (after
 * {@code tts} or {@code encode}); a scene without them is counted apart and not measured.
 *
 * <pre>jshell> CaptionReport.measure(Story.read(Path.of("story.json")), Settings.load())</pre>
 */
public record CaptionReport(int scenes, int untimedScenes, int words, int chunks, int twoLineChunks, int orphanLines, int neverLit,
                            int functionWordEnds, int shortChunks, int cues, int shortCues, int splitWords, int fastCues,
                            double fastestCharsPerSecond, int longestCueLine) {

    /** A chunk on screen less than this is a flash. */
    public static final double MIN_CHUNK = 0.6;
    /** A subtitle cue shorter than this is too brief to read, where the speech leaves room. */
    public static final double MIN_CUE = 0.7;
    /** Reading speed a subtitle cue should stay under, characters a second. */
    public static final double MAX_CPS = 20;

    /**
     * The figures of {@code story}'s captions with {@code settings} (and the story's own look), in
     * karaoke style whatever {@code CAPTION_STYLE} says: it shows every line and every highlight.
     */
    public static CaptionReport measure(Story story, Settings settings) {
        int fps = settings.video().fps();
        var own = Captions.Spec.of(settings, story.language(), story.captions());
        var spec = new Captions.Spec(Settings.CaptionStyle.KARAOKE, own.look(), own.language(), own.size(), own.fps(), own.font());
        int scenes = 0, untimed = 0, words = 0, chunks = 0, twoLine = 0, orphans = 0, neverLit = 0, functionEnds = 0, shortChunks = 0;
        List<Subtitles.Scene> timeline = new ArrayList<>();
        List<String> spoken = new ArrayList<>();
        double offset = 0;
        for (Story.Scene s : story.scenes()) {
            scenes++;
            if (s.words() == null || s.words().isEmpty()) {
                untimed++;
                continue;
            }
            double duration = s.duration() != null ? s.duration()
                    : Math.ceil((s.words().getLast().end() + settings.clips().tail()) * fps - 1e-6) / fps;
            String ass = Captions.ass(s.words(), spec, duration, null);
            var shown = chunksOf(ass, fps);
            words += s.words().size();
            for (var c : shown) {
                chunks++;
                if (c.lines().size() == 2) {
                    twoLine++;
                    for (var line : c.lines()) if (line.size() == 1) orphans++;
                }
                var all = c.lines().stream().flatMap(List::stream).toList();
                if (FunctionWords.endsOnOne(all.getLast(), story.language())) functionEnds++;
                for (int l = 0; l + 1 < c.lines().size(); l++) {
                    if (FunctionWords.endsOnOne(c.lines().get(l).getLast(), story.language())) functionEnds++;
                }
                if (c.end() - c.start() < MIN_CHUNK - 1e-6) shortChunks++;
                neverLit += all.size() - c.lit().size();
            }
            timeline.add(new Subtitles.Scene(offset, duration, s.words()));
            s.words().forEach(w -> spoken.add(w.word()));
            offset += duration;
        }
        var cues = Subtitles.cues(timeline, story.language());
        int shortCues = 0, fast = 0, longest = 0;
        double fastest = 0;
        List<String> subtitled = new ArrayList<>();
        for (var cue : cues) {
            double d = cue.end() - cue.start();
            if (d < MIN_CUE - 1e-6) shortCues++;
            int chars = String.join(" ", cue.lines()).length();
            double cps = chars / d;
            fastest = Math.max(fastest, cps);
            if (cps > MAX_CPS + 1e-6) fast++;
            for (String line : cue.lines()) {
                longest = Math.max(longest, line.length());
                subtitled.addAll(List.of(line.strip().split("\\s+")));
            }
        }
        return new CaptionReport(scenes, untimed, words, chunks, twoLine, orphans, neverLit, functionEnds, shortChunks, cues.size(), shortCues,
                splitWords(spoken, subtitled), fast, Math.round(fastest * 10) / 10.0, longest);
    }

    /** The words of the text that the cues do not carry whole (a word hyphenated or cut in two counts once). */
    static int splitWords(List<String> spoken, List<String> subtitled) {
        int split = 0, j = 0;
        for (String w : spoken) {
            if (j < subtitled.size() && subtitled.get(j).equals(w)) {
                j++;
                continue;
            }
            split++;
            var joined = new StringBuilder();
            while (j < subtitled.size() && joined.length() < w.length()) joined.append(subtitled.get(j++).replaceFirst("-$", ""));
        }
        return split;
    }

    /** A chunk as drawn: its lines of words, when it is on screen, and which of its words are highlighted in at least one frame. */
    record Shown(List<List<String>> lines, double start, double end, java.util.Set<Integer> lit) {}

    private static final Pattern DIALOGUE = Pattern.compile("^Dialogue: \\d+,(\\d+):(\\d\\d):(\\d\\d)\\.(\\d\\d),(\\d+):(\\d\\d):(\\d\\d)\\.(\\d\\d),Caption,[^,]*,\\d+,\\d+,\\d+,[^,]*,(.*)$");

    /**
     * The caption chunks of a karaoke ASS script: consecutive events with the same words are one
     * chunk; the word that follows the event's first colour change is the one highlighted, lit when
     * some frame (its time in whole milliseconds, as libass is asked for it) falls inside the event.
     */
    static List<Shown> chunksOf(String ass, int fps) {
        List<Shown> out = new ArrayList<>();
        for (String line : ass.lines().toList()) {
            var m = DIALOGUE.matcher(line);
            if (!m.matches() || m.group(9).contains("\\p1")) continue;   // a box behind the text, not text
            long start = centis(m, 1) * 10, end = centis(m, 5) * 10;
            String text = m.group(9);
            List<List<String>> lines = new ArrayList<>();
            List<String> row = new ArrayList<>();
            var word = new StringBuilder();
            int litIndex = -1, index = 0;
            boolean colourChanged = false;
            for (int k = 0; k <= text.length(); k++) {
                char ch = k < text.length() ? text.charAt(k) : '\n';
                boolean breakHere = ch == '\n' || (ch == '\\' && k + 1 < text.length() && text.charAt(k + 1) == 'N');
                if (ch == ' ' || breakHere) {
                    if (!word.isEmpty()) {
                        row.add(word.toString());
                        word.setLength(0);
                        index++;
                    }
                    if (breakHere) {
                        lines.add(row);
                        row = new ArrayList<>();
                        k++;
                    }
                    continue;
                }
                if (ch == '{') {   // an override block (a literal brace is written \{)
                    int close = text.indexOf('}', k);
                    if (close < 0) close = text.length() - 1;
                    if (text.substring(k, close).matches(".*\\\\1?c&H.*") && litIndex < 0) colourChanged = true;
                    k = close;
                    continue;
                }
                if (ch == '\\' && k + 1 < text.length()) {   // an escaped character: \{ \} or a backslash kept literal
                    word.append(text.charAt(++k));
                    continue;
                }
                if (word.isEmpty() && colourChanged && litIndex < 0) litIndex = index;
                word.append(ch);
            }
            boolean visible = false;
            for (long f = Math.max(0, (long) Math.floor(start * fps / 1000.0) - 1); f * 1000.0 / fps < end; f++) {
                long t = (long) (f * 1000.0 / fps);
                if (t >= start && t < end) {
                    visible = true;
                    break;
                }
            }
            var last = out.isEmpty() ? null : out.getLast();
            java.util.Set<Integer> lit = last != null && last.lines().equals(lines) && Math.abs(last.end() * 1000 - start) < 1e-6
                    ? last.lit() : new java.util.TreeSet<>();
            if (visible && litIndex >= 0) lit.add(litIndex);
            if (last != null && lit == last.lit()) out.set(out.size() - 1, new Shown(lines, last.start(), end / 1000.0, lit));
            else out.add(new Shown(lines, start / 1000.0, end / 1000.0, lit));
        }
        return out;
    }

    private static long centis(java.util.regex.Matcher m, int g) {
        return Long.parseLong(m.group(g)) * 360000 + Long.parseLong(m.group(g + 1)) * 6000 + Long.parseLong(m.group(g + 2)) * 100
                + Long.parseLong(m.group(g + 3));
    }
}
