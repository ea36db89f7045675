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
        return new Spoken(speech.wav(), words(r.text(), speech.words(), speech.seconds()));
    }

    /**
     * The text's words (split at white space, as captions split them) with the times of espeak-ng's
     * word events: a word starts at the first event inside it and ends where the next word starts.
     * A word espeak-ng does not voice (a lone dash) starts where the previous one ends.
     */
    static List<Story.Word> words(String text, List<Espeak.WordStart> events, double audioSeconds) {
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
            double end = t + 1 < tokens.size() ? Math.max(starts[t], starts[t + 1]) : audioSeconds;
            String word = new String(cps, tokens.get(t)[0], tokens.get(t)[1] - tokens.get(t)[0]);
            words.add(new Story.Word(word, Math.round(starts[t] * 1000) / 1000.0, Math.round(end * 1000) / 1000.0));
        }
        return words;
    }
}
