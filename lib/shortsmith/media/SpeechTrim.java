package shortsmith.media;

import shortsmith.core.Story;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The part of a narration a clip plays: from {@link #KEEP_BEFORE} before its speech starts to
 * {@link #KEEP_AFTER} after it ends, so a scene join holds a speaker's breath rather than an
 * engine's padding (espeak-ng ends every narration with 0.30–0.34 s of silence, other engines
 * start with some). Any narration is trimmed alike: a TTS engine's, an aligner's, the user's own
 * recording. Speech is where 10 ms windows rise above a threshold set from the narration itself:
 * {@link #BELOW_LOUD} dB under its loud parts (95th percentile), within −55…−35 dBFS, and at least
 * {@link #ABOVE_FLOOR} dB over its quietest parts (10th percentile), so a quiet recording and a
 * noisy room trim as well as digital silence does. A narration whose speech cannot be told from
 * its background (music under the voice) is played whole. Word times move with the cut
 * ({@link #shift}). Boundaries are samples at the narration's own rate, so a clip and the
 * soundtrack cut the very same samples.
 *
 * <pre>jshell> SpeechTrim.of(Narration.load(ffmpeg, Path.of("scene1.wav")))</pre>
 */
public record SpeechTrim(long first, long end, int sampleRate, long frames) {

    /** Silence kept before the first word: enough for a soft onset, short enough for pace. */
    public static final double KEEP_BEFORE = 0.05;
    /** Silence kept after the last word: a word's decay (a final s, a nasal) lives here. */
    public static final double KEEP_AFTER = 0.10;
    static final double BELOW_LOUD = 30, ABOVE_FLOOR = 10;

    public SpeechTrim {
        if (sampleRate <= 0 || first < 0 || end < first || end > frames) {
            throw new IllegalArgumentException("not a span of " + frames + " samples at " + sampleRate + " Hz: " + first + "…" + end);
        }
    }

    /** The whole narration, nothing cut (a clip of the user's own, whose sound must stay where it is). */
    public static SpeechTrim whole(Narration n) { return new SpeechTrim(0, n.frames(), n.sampleRate(), n.frames()); }

    /** The narration's speech with {@link #KEEP_BEFORE} and {@link #KEEP_AFTER} of silence around it. */
    public static SpeechTrim of(Narration n) {
        int window = Math.max(1, n.sampleRate() / 100);
        double[] levels = WordTiming.levels(n.mono(), n.sampleRate());
        if (levels.length < 10) return whole(n);
        double[] sorted = levels.clone();
        Arrays.sort(sorted);
        double loud = sorted[(int) (0.95 * (sorted.length - 1))], floor = sorted[(int) (0.10 * (sorted.length - 1))];
        double threshold = Math.max(Math.max(-55, Math.min(-35, loud - BELOW_LOUD)), floor + ABOVE_FLOOR);
        if (threshold > loud - 6) return whole(n);   // no silence to tell apart from the speech
        int firstLoud = -1, lastLoud = -1;
        for (int w = 0; w < levels.length; w++) {
            if (levels[w] > threshold) {
                if (firstLoud < 0) firstLoud = w;
                lastLoud = w;
            }
        }
        if (firstLoud < 0) return whole(n);
        long first = Math.max(0, (long) firstLoud * window - Math.round(KEEP_BEFORE * n.sampleRate()));
        long end = Math.min(n.frames(), (long) (lastLoud + 1) * window + Math.round(KEEP_AFTER * n.sampleRate()));
        return new SpeechTrim(first, end, n.sampleRate(), n.frames());
    }

    /** Where the played part starts in the narration, seconds. */
    public double start() { return (double) first / sampleRate; }

    /** How long the played part lasts, seconds. */
    public double seconds() { return (double) (end - first) / sampleRate; }

    /** How much silence was cut, before and after, seconds. */
    public double cutBefore() { return start(); }

    public double cutAfter() { return (double) (frames - end) / sampleRate; }

    /** The ffmpeg filter that keeps exactly these samples of the narration, its time starting at 0. */
    public String filter() { return "atrim=start_sample=" + first + ":end_sample=" + end + ",asetpts=PTS-STARTPTS"; }

    /**
     * Word times (seconds into the narration) on the trimmed narration's clock: moved by the cut,
     * kept inside what is played. Null stays null.
     */
    public List<Story.Word> shift(List<Story.Word> words) {
        if (words == null) return null;
        double offset = start(), length = seconds();
        List<Story.Word> out = new ArrayList<>(words.size());
        for (Story.Word w : words) {
            double s = clamp(w.start() - offset, length), e = clamp(w.end() - offset, length);
            out.add(new Story.Word(w.word(), round(s), round(Math.max(s, e))));
        }
        return List.copyOf(out);
    }

    private static double clamp(double t, double length) { return Math.max(0, Math.min(length, t)); }

    private static double round(double s) { return Math.round(s * 1000) / 1000.0; }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SpeechTrim[%.3f…%.3f s of %.3f s: %.3f s cut before, %.3f s after]", start(), (double) end / sampleRate,
                (double) frames / sampleRate, cutBefore(), cutAfter());
    }
}
