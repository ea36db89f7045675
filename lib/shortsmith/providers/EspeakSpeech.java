package shortsmith.providers;

import shortsmith.media.Espeak;

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
        return new Spoken(speech.wav(), speech.wordTimes(r.text()));
    }

}
