package shortsmith.media;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The silence around a narration cut to what a speaker would leave, whatever made the narration. */
class SpeechTrimTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    /** {@code speech} with {@code before} and {@code after} seconds of silence, with a noise floor at {@code noiseDb} (none when null), at a gain. */
    static Path padded(Path speech, Path out, double before, double after, Double noiseDb, double gainDb) {
        String graph = String.format(java.util.Locale.ROOT, "[0:a]aresample=48000,volume=%.1fdB,adelay=%d,apad=pad_dur=%.3f[s]", gainDb,
                Math.round(before * 1000), after);
        List<String> cmd = new java.util.ArrayList<>(FFMPEG.command("-loglevel", "error", "-y", "-i", speech.toString()));
        if (noiseDb != null) {
            cmd.addAll(List.of("-f", "lavfi", "-i", String.format(java.util.Locale.ROOT, "anoisesrc=c=pink:r=48000:a=%.6f:d=30", Math.pow(10, noiseDb / 20))));
            graph += ";[s][1:a]amix=inputs=2:duration=first:normalize=0[out]";
        } else {
            graph += ";[s]anull[out]";
        }
        cmd.addAll(List.of("-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", out.toString()));
        var r = Proc.run(cmd, Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        return out;
    }

    @Test
    void leadingAndTrailingSilenceIsCutToANaturalPauseForEveryKindOfNarration(@TempDir Path dir) {
        Path speech = StoryFixture.speak("Hola a todos, esto es una prueba.", dir.resolve("s.wav"));
        var plain = SpeechTrim.of(Narration.load(FFMPEG, speech));
        // espeak-ng: no silence before, about 0.3 s after; a narration that says its last word is kept whole up to it.
        assertEquals(0, plain.cutBefore(), 0.01, plain.toString());
        assertTrue(plain.cutAfter() > 0.15, plain.toString());
        double speechSeconds = plain.seconds() - SpeechTrim.KEEP_AFTER;
        // The same speech after 1.2 s of digital silence and before 2 s of it; in a room at −62 dBFS; recorded 20 dB quieter.
        for (var c : List.of(new Object[] {"digital silence", null, 0.0}, new Object[] {"a quiet room", -62.0, 0.0},
                new Object[] {"a quiet recording in a room", -70.0, -20.0})) {
            Path file = padded(speech, dir.resolve(c[0].toString().replace(' ', '-') + ".wav"), 1.2, 2.0, (Double) c[1], (double) c[2]);
            var n = Narration.load(FFMPEG, file);
            var trim = SpeechTrim.of(n);
            assertEquals(1.2 - SpeechTrim.KEEP_BEFORE, trim.cutBefore(), 0.03, c[0] + ": " + trim);
            assertEquals(speechSeconds + SpeechTrim.KEEP_BEFORE + SpeechTrim.KEEP_AFTER, trim.seconds(), 0.05, c[0] + ": " + trim);
            assertEquals(n.frames(), trim.frames());
        }
    }

    @Test
    void speechOverMusicIsPlayedWhole(@TempDir Path dir) {
        Path speech = StoryFixture.speak("Hola a todos.", dir.resolve("s.wav"));
        Path bed = dir.resolve("bed.wav");
        var r = Proc.run(FFMPEG.command("-loglevel", "error", "-y", "-i", speech.toString(), "-f", "lavfi", "-i", "sine=f=220:r=48000:d=30",
                "-filter_complex", "[0:a]aresample=48000,adelay=1000,apad=pad_dur=1[s];[1:a]volume=0.3[m];[s][m]amix=inputs=2:duration=first:normalize=0",
                "-c:a", "pcm_s16le", bed.toString()), Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        var n = Narration.load(FFMPEG, bed);
        var trim = SpeechTrim.of(n);
        assertEquals(0, trim.cutBefore(), 1e-9, "the music is not silence: " + trim);
        assertEquals(0, trim.cutAfter(), 1e-9, trim.toString());
    }

    @Test
    void wordTimesMoveWithTheCutAndStayInsideWhatIsPlayed() {
        var trim = new SpeechTrim(48_000, 144_000, 48_000, 200_000);   // 1.0 s … 3.0 s of 4.17 s
        var words = List.of(new Story.Word("uno", 1.05, 1.4), new Story.Word("dos", 1.5, 2.2), new Story.Word("tres", 2.9, 3.4),
                new Story.Word("antes", 0.2, 0.5));
        assertEquals(List.of(new Story.Word("uno", 0.05, 0.4), new Story.Word("dos", 0.5, 1.2), new Story.Word("tres", 1.9, 2.0),
                new Story.Word("antes", 0, 0)), trim.shift(words));
        assertNull(trim.shift(null));
        assertEquals("atrim=start_sample=48000:end_sample=144000,asetpts=PTS-STARTPTS", trim.filter());
        assertThrows(IllegalArgumentException.class, () -> new SpeechTrim(10, 5, 48_000, 100));
        assertTrue(trim.toString().contains("1.000 s cut before"), trim.toString());
    }
}
