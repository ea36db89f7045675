package shortsmith.media;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class NarrationTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    @Test
    void wavLengthMatchesFfprobeAndSpeechSpanSkipsSilence(@TempDir Path dir) {
        Path speech = StoryFixture.speak("Hola a todos.", dir.resolve("s.wav"));
        // 0.7 s of silence before the speech and 0.9 s after it.
        Path padded = dir.resolve("padded.wav");
        var r = Proc.run(FFMPEG.command("-loglevel", "error", "-i", speech.toString(),
                "-af", "adelay=700,apad=pad_dur=0.9", "-c:a", "pcm_s16le", padded.toString()), Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        var plain = Narration.load(FFMPEG, speech);
        var n = Narration.load(FFMPEG, padded);
        assertEquals(Media.probe(FFMPEG, padded).duration(), n.duration(), 0.001);
        var span = n.speechSpan();
        var plainSpan = plain.speechSpan();
        assertEquals(plainSpan.start() + 0.7, span.start(), 0.03);
        assertEquals(n.duration() - 0.9 - (plain.duration() - plainSpan.end()), span.end(), 0.03);
    }

    @Test
    void otherFormatsAreDecodedByFfmpegAndGarbageIsRefused(@TempDir Path dir) throws Exception {
        Path mp3 = dir.resolve("n.mp3");
        var r = Proc.run(FFMPEG.command("-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5",
                "-c:a", "libmp3lame", mp3.toString()), Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        assertEquals(1.5, Narration.load(FFMPEG, mp3).duration(), 0.06);
        // lavfi's sine has amplitude 1/8: RMS = 20·log10(0.125/√2) ≈ −21.1 dBFS.
        assertEquals(-21.1, Narration.load(FFMPEG, mp3).rmsDb(), 0.5);

        Path junk = dir.resolve("junk.wav");
        Files.writeString(junk, "not audio at all");
        var e = assertThrows(ShortsmithException.class, () -> Narration.load(FFMPEG, junk));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(junk.toString()));
    }
}
