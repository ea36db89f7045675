package shortsmith.media;

import shortsmith.core.Settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The box reader against what ffmpeg writes and ffprobe says, and against files that lie about their sizes. */
class Mp4BoxesTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    /** 2 s of 25 fps test picture (B-frames as asked) and a tone, muxed with {@code mux}. */
    static Path make(Path file, String x264Params, List<String> mux) {
        List<String> cmd = new ArrayList<>(FFMPEG.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2",
                "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=2", "-c:v", "libx264", "-preset", "veryfast", "-x264-params", x264Params,
                "-c:a", "aac", "-ac", "2"));
        cmd.addAll(mux);
        cmd.add(file.toString());
        var r = Proc.run(cmd, Duration.ofMinutes(1));
        assertTrue(r.ok(), r.stderr());
        return file;
    }

    static double ffprobeStart(Path file, String stream) {
        var r = Proc.run(List.of(FFMPEG.ffprobe().toString(), "-v", "error", "-select_streams", stream, "-show_entries", "stream=start_time",
                "-of", "csv=p=0", file.toString()), Duration.ofSeconds(30));
        return Double.parseDouble(r.stdout().strip());
    }

    @Test
    void ffmpegsDefaultMp4HasEditListsAndOursHasNoneWithBothStreamsAtZero(@TempDir Path dir) throws Exception {
        var plain = Mp4Boxes.read(make(dir.resolve("plain.mp4"), "bframes=2:keyint=25", List.of()));
        var video = plain.of("vide").getFirst();
        var audio = plain.of("soun").getFirst();
        assertTrue(video.hasEditList(), "x264's B-frames delay the first frame, hidden by an edit: " + video);
        assertTrue(audio.hasEditList(), "the AAC priming is skipped by an edit: " + audio);
        assertEquals(Mp4Boxes.AAC_PRIMING, audio.edits().getFirst().mediaTime());
        assertFalse(plain.moovFirst());

        Path ours = make(dir.resolve("ours.mp4"), "bframes=2:keyint=25", Mp4Boxes.MUX_ARGS);
        var movie = Mp4Boxes.read(ours);
        assertTrue(movie.moovFirst());
        for (var t : movie.tracks()) {
            assertFalse(t.hasEditList(), t.toString());
            assertEquals(0, t.start(movie.timescale()), 1e-9, t.toString());
        }
        assertEquals(0, ffprobeStart(ours, "v"), 1e-9);
        assertEquals(0, ffprobeStart(ours, "a"), 1e-9);
        var v = movie.of("vide").getFirst();
        assertEquals(2, v.longestBRun(), "bframes=2");
        assertEquals(1.0, v.longestKeyframeInterval(), 1e-6, "keyint=25 at 25 fps");
        assertEquals(List.of(), v.openGops());
        assertEquals(25, v.sampleRate(), 1e-6);
        assertEquals("avc1", v.codec());
        assertEquals("High", v.entry().avcProfileName(), "x264's default for yuv420p");
        assertEquals(320, v.entry().width());
        var a = movie.of("soun").getFirst();
        assertEquals(2, a.entry().audioObjectType(), "AAC-LC");
        assertEquals(2, a.entry().channels());
        assertEquals(48000, a.entry().sampleRate());
        assertTrue(a.entry().avgBitrate() > 50_000 && a.entry().maxBitrate() >= a.entry().avgBitrate(), a.entry().toString());
        assertEquals(50, v.samples());
        double longest = movie.tracks().stream().mapToDouble(Mp4Boxes.Track::seconds).max().orElseThrow();
        assertEquals(longest, movie.seconds(), 0.001, "the movie lasts as long as its longest track");
        // The bitrate from the sample sizes agrees with ffprobe's.
        var probed = Media.probe(FFMPEG, ours);
        assertEquals(probed.size(), Files.size(ours));
        assertTrue(movie.of("soun").getFirst().bitRate() > 50_000, movie.toString());
    }

    @Test
    void theBFrameRunTheKeyframeIntervalAndOpenGopsAreReadFromTheSampleTable(@TempDir Path dir) throws Exception {
        var three = Mp4Boxes.read(make(dir.resolve("b3.mp4"), "bframes=3:b-adapt=0:keyint=50:scenecut=0", Mp4Boxes.MUX_ARGS)).of("vide").getFirst();
        assertEquals(3, three.longestBRun());
        assertEquals(2.0, three.longestKeyframeInterval(), 1e-6);
        var none = Mp4Boxes.read(make(dir.resolve("b0.mp4"), "bframes=0:keyint=10", Mp4Boxes.MUX_ARGS)).of("vide").getFirst();
        assertEquals(0, none.longestBRun());
        assertEquals(0.4, none.longestKeyframeInterval(), 1e-6);
        var open = Mp4Boxes.read(make(dir.resolve("open.mp4"), "bframes=2:b-adapt=0:keyint=12:open-gop=1:scenecut=0", Mp4Boxes.MUX_ARGS))
                .of("vide").getFirst();
        assertFalse(open.openGops().isEmpty(), "open-gop=1 shows leading B-frames after its I-frames");
        var closed = Mp4Boxes.read(make(dir.resolve("closed.mp4"), "bframes=2:b-adapt=0:keyint=12:scenecut=0", Mp4Boxes.MUX_ARGS))
                .of("vide").getFirst();
        assertEquals(List.of(), closed.openGops());
    }

    @Test
    void sizesAndCountsInTheFileAreNotTrusted(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(make(dir.resolve("good.mp4"), "bframes=2", Mp4Boxes.MUX_ARGS));
        // Cut short: the last box (mdat, after moov) claims more than is left.
        Path cut = dir.resolve("cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
        assertThrows(Mp4Boxes.Malformed.class, () -> Mp4Boxes.read(cut));
        // A table that claims four billion entries.
        byte[] lying = good.clone();
        int stts = indexOf(lying, "stts");
        lying[stts + 8] = lying[stts + 9] = lying[stts + 10] = lying[stts + 11] = (byte) 0xFF;
        Path liar = dir.resolve("liar.mp4");
        Files.write(liar, lying);
        var e = assertThrows(Mp4Boxes.Malformed.class, () -> Mp4Boxes.read(liar));
        assertTrue(e.getMessage().contains("stts"), e.getMessage());
        // A moov whose size says it holds the whole file and more.
        byte[] huge = good.clone();
        int moov = indexOf(huge, "moov") - 4;
        huge[moov] = 0x7F;
        Path big = dir.resolve("big.mp4");
        Files.write(big, huge);
        assertThrows(Mp4Boxes.Malformed.class, () -> Mp4Boxes.read(big));
        Path text = dir.resolve("text.mp4");
        Files.writeString(text, "not a video");
        assertThrows(Mp4Boxes.Malformed.class, () -> Mp4Boxes.read(text));
    }

    static int indexOf(byte[] data, String fourCc) {
        byte[] t = fourCc.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + 4 <= data.length; i++) {
            for (int j = 0; j < 4; j++) if (data[i + j] != t[j]) continue outer;
            return i;
        }
        throw new AssertionError(fourCc + " not found");
    }
}
