package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.WordTiming;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CaptionOverlayTest {
    private static final int W = 360, H = 640, FPS = 25;

    /** A flat frame: luma {@code y}, neutral chroma. */
    private static byte[] flat(int y) {
        byte[] f = new byte[W * H * 3 / 2];
        Arrays.fill(f, 0, W * H, (byte) y);
        Arrays.fill(f, W * H, f.length, (byte) 128);
        return f;
    }

    private static String ass(Settings.CaptionStyle style) {
        var words = WordTiming.estimate("Junto al viejo muelle de madera.", new Narration.SpeechSpan(0.1, 1.9));
        return Captions.ass(words, style, new Settings.Size(W, H), 2.0, Captions.font(null));
    }

    @Test
    void burnsTheSameCaptionsAsFfmpegsSubtitlesFilter(@TempDir Path tmp) throws Exception {
        String ass = ass(Settings.CaptionStyle.CHUNK);   // white on a dark outline: the same in BT.601 and BT.709
        var font = Captions.font(null);
        byte[] background = flat(100);
        Files.write(tmp.resolve("gray.yuv"), background);
        Captions.writeInto(tmp, ass, font);
        int frame = 12;   // 0.48 s: the first chunk is on screen
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", W + "x" + H,
                "-framerate", String.valueOf(FPS), "-stream_loop", "-1", "-i", "gray.yuv", "-vf", "subtitles=f=captions.ass:fontsdir=fonts",
                "-frames:v", String.valueOf(frame + 1), "-f", "rawvideo", "-pix_fmt", "yuv420p", "filter.yuv"), tmp, Duration.ofSeconds(60));
        assertTrue(r.ok(), r.stderr());
        byte[] all = Files.readAllBytes(tmp.resolve("filter.yuv"));
        byte[] theirs = Arrays.copyOfRange(all, frame * background.length, (frame + 1) * background.length);

        byte[] ours = background.clone();
        try (var overlay = CaptionOverlay.of(ass, W, H, FPS, font.file())) {
            overlay.drawOnto(ours, frame);
        }
        // libass draws both; glyph edges may land a fraction of a pixel apart (the filter feeds libass
        // through ffmpeg's ASS decoder), so compare where captions are and how they look overall.
        long theirsOnly = 0, oursOnly = 0, both = 0, difference = 0, chromaWorst = 0;
        for (int i = 0; i < W * H; i++) {
            boolean a = (ours[i] & 0xFF) != 100, b = (theirs[i] & 0xFF) != 100;
            if (a && b) both++;
            else if (a) oursOnly++;
            else if (b) theirsOnly++;
            if (a || b) difference += Math.abs((ours[i] & 0xFF) - (theirs[i] & 0xFF));
        }
        for (int i = W * H; i < ours.length; i++) chromaWorst = Math.max(chromaWorst, Math.abs((ours[i] & 0xFF) - (theirs[i] & 0xFF)));
        long union = both + oursOnly + theirsOnly;
        assertTrue(both > 2000, "the filter drew captions: " + both + " luma samples");
        assertTrue(both >= 0.98 * union, "the same pixels are captions: " + both + " of " + union);
        assertTrue(difference / (double) union < 2.0, "luma within 2 levels on average: " + difference / (double) union);
        assertTrue(chromaWorst <= 2, "white, outline and shadow stay neutral: chroma " + chromaWorst + " levels apart at most");
    }

    @Test
    void coloursAreBt709AtTvRangeAsFfmpegConvertsThem(@TempDir Path tmp) throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        for (int rgb : new int[] {0xFFE500, 0xFFFFFF, 0x101010, 0x2060C0}) {
            byte[] pixels = new byte[16 * 16 * 3];
            for (int p = 0; p < pixels.length; p += 3) {
                pixels[p] = (byte) (rgb >> 16);
                pixels[p + 1] = (byte) (rgb >> 8);
                pixels[p + 2] = (byte) rgb;
            }
            Files.write(tmp.resolve("c.rgb"), pixels);   // raw: lavfi's color source rounds through YUV itself
            var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "16x16",
                    "-i", "c.rgb", "-vf", "scale=out_color_matrix=bt709:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv444p", "-frames:v", "1", "-f", "rawvideo", "-y", "c.yuv"),
                    tmp, Duration.ofSeconds(30));
            assertTrue(r.ok(), r.stderr());
            byte[] yuv = Files.readAllBytes(tmp.resolve("c.yuv"));
            double[] ours = CaptionOverlay.bt709(rgb >> 16, rgb >> 8 & 0xFF, rgb & 0xFF);
            for (int plane = 0; plane < 3; plane++) {
                assertEquals(yuv[plane * 256] & 0xFF, ours[plane], 1.0, String.format("#%06X plane %d", rgb, plane));
            }
        }
    }

    @Test
    void touchesOnlyTheRowsAndColumnsTheCaptionsCoverAndNothingBetweenChunks() {
        var font = Captions.font(null);
        String ass = ass(Settings.CaptionStyle.KARAOKE);
        try (var overlay = CaptionOverlay.of(ass, W, H, FPS, font.file())) {
            byte[] before = flat(60), frame = before.clone();
            overlay.drawOnto(frame, 0);   // 0 s: before the first word
            assertArrayEquals(before, frame, "nothing is drawn before the first word");
            overlay.drawOnto(frame, 10);
            int top = H, bottom = 0, left = W, right = 0;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    if (frame[y * W + x] != before[y * W + x]) {
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                        left = Math.min(left, x);
                        right = Math.max(right, x);
                    }
                }
            }
            assertTrue(top > H * 0.45 && bottom < H * 0.74, "only the caption band: rows " + top + "–" + bottom);
            assertTrue(left > 0 && right < W - 1, "not the whole width: columns " + left + "–" + right);
            // The same time again: the kept layer is blended, and gives the same frame.
            byte[] again = before.clone();
            overlay.drawOnto(again, 10);
            assertArrayEquals(frame, again);
        }
    }
}
