package shortsmith.media;

import shortsmith.core.Settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PictureHeaderTest {

    @Test
    void readsWhatFfprobeReportsForPngAndJpegAndLeavesTheRestToIt(@TempDir Path tmp) throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        // Each picture made by ffmpeg in the given pixel format; odd sizes, so width and height cannot be swapped unnoticed.
        List<String[]> made = List.of(new String[] {"rgba.png", "rgba"}, new String[] {"rgb.png", "rgb24"}, new String[] {"pal.png", "pal8"},
                new String[] {"gray.png", "gray"}, new String[] {"ya.png", "ya8"}, new String[] {"deep.png", "rgba64be"},
                new String[] {"photo.jpg", "yuvj420p"}, new String[] {"fine.jpg", "yuvj444p"}, new String[] {"gray.jpg", "gray"},
                new String[] {"picture.webp", "yuv420p"});
        for (String[] m : made) {
            Path file = tmp.resolve(m[0]);
            var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=173x291", "-frames:v", "1",
                    "-pix_fmt", m[1], file.toString()), Duration.ofSeconds(30));
            assertTrue(r.ok(), m[0] + ": " + r.stderr());
            var probed = Media.probePicture(ffmpeg, file).video().orElseThrow();
            var header = PictureHeader.read(file);
            if (m[0].endsWith(".webp")) {
                assertTrue(header.isEmpty(), "WebP is left to ffprobe");
                continue;
            }
            assertEquals(new PictureHeader(probed.width(), probed.height(), probed.pixFmt()), header.orElseThrow(() -> new AssertionError(m[0] + ": no header read; ffprobe says " + probed.pixFmt())), m[0]);
        }
        // Real photographs (camera JPEGs with EXIF and ICC segments before the frame header).
        try (var photos = Files.list(shortsmith.testing.TestSupport.repo().resolve("examples/photos"))) {
            for (Path photo : photos.filter(f -> f.toString().endsWith(".jpg")).toList()) {
                var probed = Media.probePicture(ffmpeg, photo).video().orElseThrow();
                assertEquals(new PictureHeader(probed.width(), probed.height(), probed.pixFmt()), PictureHeader.read(photo).orElseThrow(), photo.toString());
            }
        }
        Files.write(tmp.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J'});
        assertTrue(PictureHeader.read(tmp.resolve("broken.jpg")).isEmpty(), "a cut-off JPEG is left to ffprobe");
        Files.write(tmp.resolve("noise.png"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertTrue(PictureHeader.read(tmp.resolve("noise.png")).isEmpty());
    }
    @Test
    void lyingLengthsAndSizesAreEmptyNeverAnExceptionOrALongWalk(@TempDir Path tmp) throws Exception {
        var png = java.nio.ByteBuffer.allocate(33).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}).putInt(13).put("IHDR".getBytes())
                .putInt(640).putInt(480).put((byte) 8).put((byte) 6).array();
        assertEquals(new PictureHeader(640, 480, "rgba"), PictureHeader.read(Files.write(tmp.resolve("ok.png"), png)).orElseThrow());
        for (int[] lie : new int[][] {{8, 0x7FFFFFFF}, {16, 0x80000000}, {20, 0}, {16, -1}}) {
            byte[] bad = png.clone();
            java.nio.ByteBuffer.wrap(bad).putInt(lie[0], lie[1]);
            assertTrue(PictureHeader.read(Files.write(tmp.resolve("bad.png"), bad)).isEmpty(), "a PNG whose int at " + lie[0] + " is " + lie[1]);
        }
        // JPEG segments claiming lengths below their own length field, or past the end of the file.
        byte[][] jpegs = {
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 0},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 1},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, (byte) 0xFF, (byte) 0xFF, 1, 2, 3},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 8, 8, 0, 1},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 2},
                // a frame header whose length is 0 or 1 (below its own two bytes): read as a negative count before
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 0, 8, 0, 1, 0, 1, 3},
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC2, 0, 1, 8, 0, 1, 0, 1, 3}};
        for (byte[] jpeg : jpegs) {
            Path f = Files.write(tmp.resolve("bad.jpg"), jpeg);
            assertTrue(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PictureHeader.read(f)).isEmpty(), java.util.Arrays.toString(jpeg));
        }
        // A long run of fill bytes and markers without a frame header is walked once, to its end.
        byte[] fills = new byte[1 << 20];
        java.util.Arrays.fill(fills, (byte) 0xFF);
        fills[1] = (byte) 0xD8;
        assertTrue(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PictureHeader.read(Files.write(tmp.resolve("fills.jpg"), fills))).isEmpty());
    }
}
