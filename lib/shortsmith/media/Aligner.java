package shortsmith.media;

import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;

import java.util.List;
import java.util.Locale;

/**
 * Word times for a narration whose engine gave none (the user's own recording, OpenAI, Replicate,
 * ComfyUI, a local command), offline and with no model: espeak-ng speaks the same text as a
 * reference whose word times it knows, both are turned into {@link Mfcc} frames, dynamic time warping
 * finds the cheapest path between them, and each reference word onset is carried through the path
 * (the technique of the aeneas aligner). Onsets near a real pause in the narration are snapped to
 * where speech resumes. When the audio does not say the text, the result says so instead of guessing.
 *
 * <pre>jshell> Aligner.align(Narration.load(ffmpeg, Path.of("scene1.mp3")), "Una cometa roja.", "es")</pre>
 */
public final class Aligner {
    private Aligner() {}

    /**
     * An alignment: the words (seconds from the start of the narration) or, when the audio and the
     * text do not match, none and the reason. {@code match}: how clearly the audio says the text
     * (see {@link Aligner#match}; NaN when it could not be measured).
     */
    public record Result(List<Story.Word> words, double match, String problem) {
        public boolean ok() { return problem == null; }

        @Override
        public String toString() {
            return ok() ? String.format(Locale.ROOT, "Aligned[%d words, match %.2f]", words.size(), match) : "NotAligned[" + problem + "]";
        }
    }

    /** Below this {@link #match} the narration is taken not to say the text: no false refusal in calibration, four in five other texts caught. */
    static final double MIN_MATCH = -0.09;
    static final int WPM = 175;
    private static final double HOP = Mfcc.HOP_SECONDS;

    /** Aligns {@code text} in {@code language} (an espeak-ng voice: {@code es}, {@code en}, …) to {@code narration}. */
    public static Result align(Narration narration, String text, String language) {
        var tokens = WordTiming.tokens(text);
        if (tokens.isEmpty()) return failed("the scene has no words");
        boolean[] voiced = speech(narration.mono(), narration.sampleRate());
        int[] span = span(voiced);
        if (span == null) return failed("the narration is silent");
        String voice = language == null || language.isBlank() ? "en" : language.toLowerCase(Locale.ROOT);
        Espeak.Speech reference;
        try {
            reference = Espeak.speak(text, voice, WPM);
            int[] refSpan = span(speech(reference.mono(), reference.sampleRate()));
            if (refSpan == null) return failed("espeak-ng speaks nothing for the text");
            double ratio = (double) (span[1] - span[0]) / (refSpan[1] - refSpan[0]);
            if (ratio < 1 / 3.0 || ratio > 3) {
                return failed(String.format(Locale.ROOT, "the narration has %.1f s of speech where the text takes about %.1f s",
                        (span[1] - span[0]) * HOP, (refSpan[1] - refSpan[0]) * HOP));
            }
            // A reference at the narration's own pace leaves the warping only the differences of rhythm.
            if (ratio < 0.85 || ratio > 1.18) reference = Espeak.speak(text, voice, (int) Math.round(WPM / ratio));
        } catch (ShortsmithException e) {
            return failed(e.getMessage());
        }
        float[] refMono = reference.mono();
        boolean[] refVoiced = speech(refMono, reference.sampleRate());
        int[] refSpan = span(refVoiced);
        var a = new Frames(Mfcc.of(narration.mono(), narration.sampleRate(), span[0], span[1]), java.util.Arrays.copyOfRange(voiced, span[0], span[1]));
        var b = new Frames(Mfcc.of(refMono, reference.sampleRate(), refSpan[0], refSpan[1]), java.util.Arrays.copyOfRange(refVoiced, refSpan[0], refSpan[1]));
        double[] refOnsets = reference.onsets(tokens);
        int[] refFrames = new int[tokens.size()];
        for (int t = 0; t < tokens.size(); t++) refFrames[t] = Math.clamp(Math.round(refOnsets[t] / HOP) - refSpan[0], 0, b.size() - 1);
        var path = Warp.of(a, b);
        double[] onsets = new double[tokens.size()];
        for (int t = 0; t < tokens.size(); t++) {
            double onset = (span[0] + path.first()[refFrames[t]]) * HOP;
            boolean afterPause = pauseBefore(refVoiced, refSpan[0] + refFrames[t]);
            onsets[t] = snap(onset, voiced, afterPause || t == 0);
            if (t > 0) onsets[t] = Math.max(onsets[t], onsets[t - 1]);
        }
        double match = match(a, b, path, refFrames);
        if (match < MIN_MATCH) {
            return new Result(null, match, String.format(Locale.ROOT, "the narration does not seem to say the text (match %.2f, below %.2f)",
                    match, MIN_MATCH));
        }
        return new Result(WordTiming.words(tokens, onsets, narration.duration(), voiced), match, null);
    }

    private static Result failed(String why) { return new Result(null, Double.NaN, why); }

    /**
     * How clearly the narration says the text: how much better it matches the reference than the
     * same reference with its words in reverse order (audio of another text matches both alike),
     * less a penalty when even the straight diagonal between the two is far (in units of the
     * normalised features). Calibrated on Festival's narration of 40 sentences in English and Italian
     * at two paces against the next sentence's text: the same text scored −0.05 and up, another
     * text −0.23 to −0.02.
     */
    static double match(Frames a, Frames b, Warp path, int[] refFrames) {
        double reversed = 1 - path.cost() / Warp.of(a, b.wordsReversed(refFrames)).cost();
        double diagonal = 0;
        for (int i = 0; i < a.size(); i++) {
            int j = (int) ((long) i * (b.size() - 1) / Math.max(1, a.size() - 1));
            diagonal += Warp.distance(a.features()[i], a.voiced()[i], b.features()[j], b.voiced()[j]);
        }
        return reversed - 0.3 * (diagonal / a.size() - 6.5);
    }

    /** Which 10 ms hold speech: within 40 dB of the loud parts (the 95th percentile), and above −60 dBFS. */
    static boolean[] speech(float[] mono, int sampleRate) {
        double[] levels = WordTiming.levels(mono, sampleRate);
        if (levels.length == 0) return new boolean[0];
        double[] sorted = levels.clone();
        java.util.Arrays.sort(sorted);
        double threshold = Math.max(-60, sorted[(int) (0.95 * (sorted.length - 1))] - 40);
        boolean[] voiced = new boolean[levels.length];
        for (int k = 0; k < levels.length; k++) voiced[k] = levels[k] > threshold;
        // A click is not speech: voiced runs shorter than 30 ms are dropped.
        for (int k = 0; k < voiced.length; ) {
            if (!voiced[k]) { k++; continue; }
            int end = k;
            while (end < voiced.length && voiced[end]) end++;
            if (end - k < 3) java.util.Arrays.fill(voiced, k, end, false);
            k = end;
        }
        return voiced;
    }

    /** The first and one past the last voiced 10 ms, or null when nothing is voiced. */
    private static int[] span(boolean[] voiced) {
        int first = -1, last = -1;
        for (int i = 0; i < voiced.length; i++) {
            if (voiced[i]) {
                if (first < 0) first = i;
                last = i;
            }
        }
        return first < 0 || last - first < 5 ? null : new int[] {first, last + 1};
    }

    /** Whether at least 60 ms of silence come just before frame {@code at}. */
    private static boolean pauseBefore(boolean[] voiced, int at) {
        int silent = 0;
        for (int i = Math.min(at, voiced.length) - 1; i >= 0 && !voiced[i]; i--) silent++;
        return silent >= 6;
    }

    /**
     * An onset moved to where speech resumes when it falls inside a pause of the narration, or,
     * for a word that follows a pause, when a pause ends within 200 ms of it.
     */
    static double snap(double onset, boolean[] voiced, boolean followsPause) {
        int at = Math.clamp((int) Math.round(onset / HOP), 0, voiced.length - 1);
        if (!voiced[at]) {
            int end = at;
            while (end < voiced.length && !voiced[end]) end++;
            int start = at;
            while (start > 0 && !voiced[start - 1]) start--;
            if (end < voiced.length) return end * HOP;
            return start * HOP;
        }
        if (!followsPause) return onset;
        int best = -1;
        for (int d = 0; d <= 20 && best < 0; d++) {
            for (int i : new int[] {at - d, at + d}) {
                if (i >= 6 && i < voiced.length && voiced[i] && silentBefore(voiced, i, 6)) {
                    best = i;
                    break;
                }
            }
        }
        return best < 0 ? onset : best * HOP;
    }

    private static boolean silentBefore(boolean[] voiced, int at, int frames) {
        for (int i = at - frames; i < at; i++) if (voiced[i]) return false;
        return true;
    }

    /** Feature frames and whether each holds speech. */
    record Frames(float[][] features, boolean[] voiced) {
        int size() { return features.length; }

        /** The frames with the words' order reversed (each word's own frames kept in order). */
        Frames wordsReversed(int[] onsets) {
            float[][] f = new float[size()][];
            boolean[] v = new boolean[size()];
            int at = 0;
            for (int w = onsets.length - 1; w >= 0; w--) {
                int from = w == 0 ? 0 : onsets[w], to = w + 1 < onsets.length ? onsets[w + 1] : size();
                for (int i = from; i < to && at < size(); i++, at++) { f[at] = features[i]; v[at] = voiced[i]; }
            }
            for (; at < size(); at++) { f[at] = features[at]; v[at] = voiced[at]; }
            return new Frames(f, v);
        }
    }

    /**
     * A dynamic-time-warping path between two frame sequences (symmetric steps, within a band about
     * the diagonal): for each frame of {@code y}, the first frame of {@code x} it is matched with,
     * and the mean distance between matched frames.
     */
    record Warp(int[] first, double cost) {
        /** A step that holds one sequence still costs half as much again as a diagonal one: keeps the path from collapsing words. */
        static final float STRAIGHT = 1.5f;

        static Warp of(Frames x, Frames y) {
            float[][] a = x.features(), b = y.features();
            boolean[] av = x.voiced(), bv = y.voiced();
            int n = a.length, m = b.length;
            int band = Math.max(50, (int) (0.2 * Math.max(n, m)));
            int width = 2 * band + 1;
            float[] previous = new float[width], current = new float[width];
            byte[] steps = new byte[n * width];   // 0 diagonal, 1 from a's previous frame, 2 from b's previous frame
            int[] lows = new int[n];
            float infinity = Float.POSITIVE_INFINITY;
            int previousLow = 0;
            for (int i = 0; i < n; i++) {
                int centre = (int) ((long) i * (m - 1) / Math.max(1, n - 1));
                int low = Math.max(0, centre - band);
                lows[i] = low;
                java.util.Arrays.fill(current, infinity);
                for (int k = 0; k < width; k++) {
                    int j = low + k;
                    if (j >= m) break;
                    float d = distance(a[i], av[i], b[j], bv[j]);
                    float best;
                    byte step;
                    if (i == 0 && j == 0) {
                        best = d;
                        step = 0;
                    } else {
                        float diagonal = i > 0 ? at(previous, previousLow, j - 1, width) + 2 * d : infinity;
                        float up = i > 0 ? at(previous, previousLow, j, width) + STRAIGHT * d : infinity;
                        float left = k > 0 ? current[k - 1] + STRAIGHT * d : infinity;
                        best = diagonal;
                        step = 0;
                        if (up < best) { best = up; step = 1; }
                        if (left < best) { best = left; step = 2; }
                    }
                    current[k] = best;
                    steps[i * width + k] = step;
                }
                float[] swap = previous; previous = current; current = swap;
                previousLow = low;
            }
            int[] first = new int[m];
            java.util.Arrays.fill(first, -1);
            int i = n - 1, j = m - 1, length = 0;
            double along = 0;
            while (true) {
                first[j] = i;
                along += distance(a[i], av[i], b[j], bv[j]);
                length++;
                if (i == 0 && j == 0) break;
                int k = j - lows[i];
                byte step = k >= 0 && k < width ? steps[i * width + k] : 1;
                if (i == 0) j--;
                else if (j == 0) i--;
                else if (step == 0) { i--; j--; }
                else if (step == 1) i--;
                else j--;
            }
            for (int f = 1; f < m; f++) if (first[f] < 0) first[f] = first[f - 1];
            return new Warp(first, along / length);
        }

        private static float at(float[] row, int low, int j, int width) {
            int k = j - low;
            return j < 0 || k < 0 || k >= width ? Float.POSITIVE_INFINITY : row[k];
        }

        /** Silence matches silence whatever its spectrum (two voices' silences differ only in noise). */
        static float distance(float[] x, boolean xVoiced, float[] y, boolean yVoiced) {
            if (!xVoiced && !yVoiced) return 0;
            return distance(x, y);
        }

        private static float distance(float[] x, float[] y) {
            float sum = 0;
            for (int d = 0; d < x.length; d++) {
                float v = x[d] - y[d];
                sum += v * v;
            }
            return (float) Math.sqrt(sum);
        }
    }
}
