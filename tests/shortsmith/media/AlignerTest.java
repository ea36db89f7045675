package shortsmith.media;

import shortsmith.core.Settings;
import shortsmith.core.Story;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The aligner on narration whose word times are known: another espeak-ng voice at another pace (its
 * own word events are the truth), with pauses the reference does not have, and text it does not say.
 */
class AlignerTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    /** A narration in a voice and pace other than the aligner's reference, and where its words start. */
    record Spoken(Narration narration, double[] onsets) {}

    static Spoken spoken(Path dir, String text, String voice, int wpm, double silenceBefore) throws Exception {
        var speech = Espeak.speak(text, voice, wpm);
        float[] mono = speech.mono();
        int pad = (int) Math.round(silenceBefore * speech.sampleRate());
        float[] padded = new float[pad + mono.length];
        System.arraycopy(mono, 0, padded, pad, mono.length);
        double[] onsets = speech.onsets(WordTiming.tokens(text));
        for (int i = 0; i < onsets.length; i++) onsets[i] += silenceBefore;
        return new Spoken(new Narration(dir.resolve("n.wav"), speech.sampleRate(), 1, padded.length, padded), onsets);
    }

    static double[] errorsMs(List<Story.Word> words, double[] truth) {
        assertEquals(truth.length, words.size());
        double[] e = new double[truth.length];
        for (int i = 0; i < e.length; i++) e[i] = Math.abs(words.get(i).start() - truth[i]) * 1000;
        Arrays.sort(e);
        return e;
    }

    @Test
    void wordsOfAnotherVoiceAtAnotherPaceLandOnTheirOnsetsInSpanishAndEnglish(@TempDir Path dir) throws Exception {
        String es = "El viejo faro se apagó una noche de invierno, y nadie en el pueblo supo por qué.";
        String en = "The baker opened his shop before sunrise, and the whole street smelled of bread.";
        List<Double> errors = new ArrayList<>();
        for (var c : List.of(spoken(dir, es, "es+m3", 140, 0.4), spoken(dir, en, "en-us+f2", 215, 0.1))) {
            String text = c.onsets().length == WordTiming.tokens(es).size() ? es : en;
            var result = Aligner.align(c.narration(), text, text == es ? "es" : "en");
            assertTrue(result.ok(), result.toString());
            for (double e : errorsMs(result.words(), c.onsets())) errors.add(e);
            // Starts never go back, ends never pass the next start.
            for (int i = 1; i < result.words().size(); i++) {
                assertTrue(result.words().get(i).start() >= result.words().get(i - 1).end() - 1e-9, result.words().toString());
            }
        }
        errors.sort(null);
        assertTrue(errors.get(errors.size() / 2) <= 40, "median onset error " + errors);
        assertTrue(errors.get((int) (errors.size() * 0.9)) <= 100, "90th percentile " + errors);
    }

    @Test
    void aWordAfterALongPauseStartsWhereSpeechResumes(@TempDir Path dir) throws Exception {
        String first = "Nobody believed the map.", second = "But Maria followed it.";
        var a = spoken(dir, first, "en+m7", 160, 0.2);
        var b = spoken(dir, second, "en+m7", 160, 0.9);   // 0.9 s of silence: more than the reference pauses at a full stop
        float[] mono = new float[a.narration().mono().length + b.narration().mono().length];
        System.arraycopy(a.narration().mono(), 0, mono, 0, a.narration().mono().length);
        System.arraycopy(b.narration().mono(), 0, mono, a.narration().mono().length, b.narration().mono().length);
        double offset = a.narration().duration();
        var narration = new Narration(dir.resolve("n.wav"), a.narration().sampleRate(), 1, mono.length, mono);
        var result = Aligner.align(narration, first + " " + second, "en");
        assertTrue(result.ok(), result.toString());
        var but = result.words().get(4);
        assertEquals("But", but.word());
        assertEquals(b.onsets()[0] + offset, but.start(), 0.03, "the first word after the pause: " + result.words());
        assertTrue(result.words().get(3).end() < offset + 0.5, "the word before the pause ends before it: " + result.words());
    }

    @Test
    void narrationThatSaysOtherWordsIsNotAlignedAndSaysWhy(@TempDir Path dir) throws Exception {
        // Another text of about the same length: its words' rhythm cannot be warped onto this one's.
        var other = spoken(dir, "Unbelievably, the extraordinary international collaboration continued indefinitely.", "en+f3", 175, 0.1);
        var result = Aligner.align(other.narration(), "Yes, no, maybe. I do not know, but we can go now and see it all.", "en");
        assertFalse(result.ok(), result.toString());
        assertNull(result.words());
        assertTrue(result.problem().contains("does not seem to say the text") || result.problem().contains("of speech where"), result.problem());

        var silent = new Narration(dir.resolve("s.wav"), 22050, 1, 22050, new float[22050]);
        assertEquals("the narration is silent", Aligner.align(silent, "Hola.", "es").problem());
        assertTrue(Aligner.align(other.narration(), "Hola.", "xx-nonexistent").problem().contains("no voice"));
    }

    @Test
    void aRealFileThroughFfmpegAlignsLikeItsSamples(@TempDir Path dir) throws Exception {
        // An MP3 at 24 kHz, as OpenAI-compatible servers send it.
        String text = "Una cometa roja subió sobre el puerto.";
        var c = spoken(dir, text, "es+f2", 190, 0.3);
        Path wav = dir.resolve("in.wav"), mp3 = dir.resolve("in.mp3");
        var pcm = java.nio.ByteBuffer.allocate(c.narration().mono().length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : c.narration().mono()) pcm.putShort((short) Math.round(v * 32767));
        Files.write(wav, Wav.mono16(pcm.array(), c.narration().sampleRate()));
        assertTrue(Proc.run(FFMPEG.command("-loglevel", "error", "-i", wav.toString(), "-ar", "24000", "-b:a", "64k", mp3.toString()),
                java.time.Duration.ofSeconds(30)).ok());
        var result = Aligner.align(Narration.load(FFMPEG, mp3), text, "es");
        assertTrue(result.ok(), result.toString());
        double[] e = errorsMs(result.words(), c.onsets());
        // MP3 adds its encoder delay (about 25-50 ms) in front of the speech.
        assertTrue(e[e.length / 2] <= 80, Arrays.toString(e));
    }
}
