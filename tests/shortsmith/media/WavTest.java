package shortsmith.media;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** WAV chunk sizes are untrusted (#23): a lying size is one line of bad input naming the file, never a loop or a stray exception. */
public class WavTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    /** {@code wav} with a chunk {@code id} of {@code size} (and no body) inserted after the RIFF header. */
    public static byte[] withChunk(byte[] wav, String id, long size) {
        var b = ByteBuffer.allocate(wav.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(wav, 0, 12).put(id.getBytes()).putInt((int) size).put(wav, 12, wav.length - 12);
        return b.array();
    }

    /** {@code wav} with its {@code fmt } chunk's size replaced. */
    static byte[] withFormatSize(byte[] wav, long size) {
        byte[] b = wav.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(16, (int) size);   // espeak-ng's fmt chunk is the first, at 12
        return b;
    }

    @Test
    void aChunkSizeOf2GiBOrMoreOrPastTheEndIsBadInputNamingTheFileNeverALoop(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(StoryFixture.speak("Hola a todos.", dir.resolve("good.wav")));
        assertEquals("fmt ", new String(good, 12, 4), "the fixture's layout");
        double seconds = Narration.load(FFMPEG, dir.resolve("good.wav")).duration();
        var cases = List.of(withChunk(good, "junk", 0xFFFFFFF8L),   // (int) -8: the walk stood still forever
                withChunk(good, "junk", 0xFFFFFFF7L),                  // odd: -9 + 1 pad byte, the same
                withChunk(good, "LIST", 0x80000000L),                  // 2 GiB: a negative offset
                withChunk(good, "junk", 1 << 20),                      // merely past the end
                withFormatSize(good, 0x7FFFFFF0L));                    // below 2 GiB, yet body + size overflows an int
        for (int i = 0; i < cases.size(); i++) {
            Path bad = Files.write(dir.resolve("bad" + i + ".wav"), cases.get(i));
            var e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(ShortsmithException.class, () -> Narration.load(FFMPEG, bad)),
                    "case " + i + " must not hang");
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().startsWith(bad + " is a damaged WAV file: its \""), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        // Streamed WAVs (espeak-ng to a pipe) leave the data size unset: still read, to the end of the file.
        for (long unset : new long[] {0, 0xFFFFFFFFL}) {
            byte[] streamed = good.clone();
            int data = indexOf(streamed, "data");
            ByteBuffer.wrap(streamed).order(ByteOrder.LITTLE_ENDIAN).putInt(data + 4, (int) unset);
            assertEquals(seconds, Narration.load(FFMPEG, Files.write(dir.resolve("streamed.wav"), streamed)).duration(), 1e-9);
        }
        // Samples before their format, and a RIFF without samples.
        byte[] noFormat = good.clone();
        noFormat[12] = 'x';
        var e = assertThrows(ShortsmithException.class, () -> Narration.load(FFMPEG, Files.write(dir.resolve("noformat.wav"), noFormat)));
        assertTrue(e.getMessage().contains("damaged WAV"), e.getMessage());
    }

    @Test
    void joiningPiecesNamesTheDamagedPiece(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(StoryFixture.speak("Hola.", dir.resolve("good.wav")));
        byte[] joined = Wav.join(FFMPEG, List.of(good, good));
        assertEquals(2 * Wav.parse(good, "good").data().length, Wav.parse(joined, "joined").data().length);
        var e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ShortsmithException.class, () -> Wav.join(FFMPEG, List.of(good, withChunk(good, "junk", 0xFFFFFFF8L)))));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("narration piece 2 of 2 is a damaged WAV file"), e.getMessage());
    }

    @Test
    void aNarrationLargerThanAnyShortsIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path huge = dir.resolve("huge.wav");
        try (var f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(Narration.MAX_BYTES + 1);   // sparse: takes no disk
        }
        var e = assertThrows(ShortsmithException.class, () -> Narration.load(FFMPEG, huge));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(huge + " is 537 MB of audio"), e.getMessage());
    }

    static int indexOf(byte[] b, String id) {
        for (int i = 12; i + 4 <= b.length; i++) if (new String(b, i, 4).equals(id)) return i;
        throw new AssertionError("no " + id);
    }
}
