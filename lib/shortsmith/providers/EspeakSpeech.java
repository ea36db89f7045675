package shortsmith.providers;

import shortsmith.core.Story;
import shortsmith.media.Espeak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The offline narrator: espeak-ng with the voice of the story's language (Spanish for {@code es}),
 * at 175 words a minute times TTS_SPEED, through its library, which also says exactly where each
 * word starts (its own word events), so karaoke captions need no estimate. Free and instant, so the
 * toolkit runs with no keys.
 */
record EspeakSpeech() implements SpeechProvider {

    public String name() { return "espeak"; }

    public String model() { return "espeak-ng"; }

    public boolean runsHere() { return true; }

    public String defaultVoice(String language) {
        String l = language == null ? "en" : language.toLowerCase(Locale.ROOT);
        return l.isBlank() ? "en" : l;
    }

    public byte[] synthesize(Request r, ImageProvider.Context c) { return speak(r, c).audio(); }

    @Override
    public Spoken speak(Request r, ImageProvider.Context c) {
        c.status().accept("espeak-ng " + r.voice());
        var speech = Espeak.speak(r.text(), r.voice(), (int) Math.round(175 * r.speed()));
        return new Spoken(speech.wav(), words(r.text(), speech.words(), speech.seconds(), voiced(speech)));
    }

    /** For each 10 ms of the narration, whether it is louder than −40 dBFS. */
    static boolean[] voiced(Espeak.Speech speech) {
        var pcm = java.nio.ByteBuffer.wrap(speech.wav(), 44, speech.wav().length - 44).order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int window = speech.sampleRate() / 100, n = pcm.remaining() / window;
        boolean[] voiced = new boolean[n];
        for (int k = 0; k < n; k++) {
            double sum = 0;
            for (int i = k * window; i < (k + 1) * window; i++) {
                double v = pcm.get(i) / 32768.0;
                sum += v * v;
            }
            voiced[k] = 10 * Math.log10(sum / window + 1e-20) > -40;
        }
        return voiced;
    }

    /**
     * The text's words (split at white space, as captions split them) with the times of espeak-ng's
     * word events: a word starts at the first event inside it and ends at its last voiced 10 ms before
     * the next word starts.
     * A word espeak-ng does not voice (a lone dash) starts where the previous one ends.
     */
    static List<Story.Word> words(String text, List<Espeak.WordStart> events, double audioSeconds, boolean[] voiced) {
        int[] cps = text.codePoints().toArray();
        List<int[]> tokens = new ArrayList<>();   // [start, end) in code points
        for (int i = 0; i < cps.length; ) {
            while (i < cps.length && Character.isWhitespace(cps[i])) i++;
            int start = i;
            while (i < cps.length && !Character.isWhitespace(cps[i])) i++;
            if (i > start) tokens.add(new int[] {start, i});
        }
        double[] starts = new double[tokens.size()];
        for (int t = 0; t < tokens.size(); t++) {
            starts[t] = Double.NaN;
            for (var e : events) {
                if (e.start() < tokens.get(t)[1] && e.start() + Math.max(1, e.length()) > tokens.get(t)[0]) {
                    starts[t] = e.seconds();
                    break;
                }
            }
            if (Double.isNaN(starts[t])) starts[t] = t == 0 ? 0 : starts[t - 1];
        }
        List<Story.Word> words = new ArrayList<>();
        for (int t = 0; t < tokens.size(); t++) {
            double next = t + 1 < tokens.size() ? Math.max(starts[t], starts[t + 1]) : audioSeconds;
            // The word ends at its last voiced 10 ms before the next word: pauses show as gaps.
            int w = (int) Math.floor(next * 100) - 1, first = (int) Math.floor(starts[t] * 100);
            while (w > first && w < voiced.length && !voiced[w]) w--;
            double end = Math.min(next, Math.max(starts[t] + 0.05, (w + 1) / 100.0));
            String word = new String(cps, tokens.get(t)[0], tokens.get(t)[1] - tokens.get(t)[0]);
            words.add(new Story.Word(word, Math.round(starts[t] * 1000) / 1000.0, Math.round(end * 1000) / 1000.0));
        }
        return words;
    }
}
