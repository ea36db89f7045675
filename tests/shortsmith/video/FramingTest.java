package shortsmith.video;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Motion;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.testing.StoryFixture;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Subject-aware framing: the subject is found, and every frame of every move holds it. */
class FramingTest {

    static BufferedImage scene(int w, int h, double cx, double cy, long seed) { return TestCards.subject(w, h, cx, cy, seed); }

    static Saliency.Box truth(int w, int h, double cx, double cy) { return TestCards.subjectBox(w, h, cx, cy); }

    static KenBurns.Yuv420 yuv(BufferedImage img) { return Saliency.yuv(img); }

    static final double[][] PLACES = TestCards.PLACES;

    @Test
    void aPanSlidesOneToOneAndDrawsTheBilinearSamplesOfItsWindow() {
        var source = yuv(scene(404, 718, 0.3, 0.6, 5));
        int w = 360, h = 640;
        // A window the frame's size, 0.3 px of the way to the next column and 0.7 to the next row.
        var window = new Framing.Viewport(20.3, 37.7, w, h);
        for (boolean vector : new boolean[] {true, false}) for (boolean bands : new boolean[] {true, false}) {
            var kb = KenBurns.of(source, w, h, bands, vector);
            byte[] frame = new byte[kb.frameBytes()], again = new byte[kb.frameBytes()];
            kb.render(new Framing.Move.Pan(Motion.PAN_LEFT, window, window), 0.5, frame);
            int worst = 0;
            worst = Math.max(worst, worstAgainstBilinear(source.y(), source.width(), frame, 0, w, h, 20.3, 37.7));
            worst = Math.max(worst, worstAgainstBilinear(source.u(), source.width() / 2, frame, w * h, w / 2, h / 2, 20.3 / 2, 37.7 / 2));
            worst = Math.max(worst, worstAgainstBilinear(source.v(), source.width() / 2, frame, w * h * 5 / 4, w / 2, h / 2, 20.3 / 2, 37.7 / 2));
            assertTrue(worst <= 1, "every sample is the bilinear sample of its window, within rounding: " + worst + " levels apart");
            // A pan up to 1 % larger than the frame is drawn at the frame's size, about the same centre.
            var wider = new Framing.Viewport(20.3 - w * 0.004, 37.7 - h * 0.004, w * 1.008, h * 1.008);
            kb.render(new Framing.Move.Pan(Motion.PAN_LEFT, wider, wider), 0.5, again);
            assertArrayEquals(frame, again, "snapped to the frame's size about its centre");
        }
    }

    @Test
    void theVectorApiDrawsTheSameFramesAsTheScalarLoops() {
        assertTrue(KenBurns.VECTOR_API, "./jbang starts every JVM with --add-modules jdk.incubator.vector");
        // Rows of 360 and 180 samples: not whole vectors, so the loops' scalar tails are drawn too.
        var source = yuv(scene(404, 718, 0.3, 0.6, 5));
        int w = 360, h = 640;
        var tight = new Framing.Viewport(30.25, 41.5, 360.5, 641);
        List<Framing.Move> moves = List.of(new Framing.Move.Scale(Motion.ZOOM_IN, 120.3, 300.7, tight, 1.1),
                new Framing.Move.Scale(Motion.ZOOM_OUT, 380, 10, tight, 1.08),
                new Framing.Move.Pan(Motion.PAN_RIGHT, new Framing.Viewport(0.4, 3.3, w, h), new Framing.Viewport(40.9, 70.1, w, h)));
        var vector = KenBurns.of(source, w, h, false, true);
        var scalar = KenBurns.of(source, w, h, false, false);
        byte[] a = new byte[vector.frameBytes()], b = new byte[scalar.frameBytes()];
        for (var move : moves) {
            for (double t : new double[] {0, 0.37, 1}) {
                vector.render(move, t, a);
                scalar.render(move, t, b);
                assertArrayEquals(b, a, move + " at " + t);
            }
        }
    }

    /** The largest difference between a plane and bilinear samples of {@code src} at (x0 + i, y0 + j). */
    private static int worstAgainstBilinear(byte[] src, int sw, byte[] frame, int offset, int w, int h, double x0, double y0) {
        int worst = 0;
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                double x = x0 + i, y = y0 + j, fx = x - Math.floor(x), fy = y - Math.floor(y);
                int p = (int) Math.floor(y) * sw + (int) Math.floor(x);
                double top = (src[p] & 0xFF) * (1 - fx) + (src[p + 1] & 0xFF) * fx;
                double bottom = (src[p + sw] & 0xFF) * (1 - fx) + (src[p + sw + 1] & 0xFF) * fx;
                worst = Math.max(worst, (int) Math.abs(Math.round(top * (1 - fy) + bottom * fy) - (frame[offset + j * w + i] & 0xFF)));
            }
        }
        return worst;
    }

    @Test
    void theSubjectIsFoundNearEveryEdgeAndCornerOnATexturedBackground() {
        for (int[] size : new int[][] {{404, 718}, {960, 540}}) {
            for (double[] p : PLACES) {
                var picture = yuv(scene(size[0], size[1], p[0], p[1], 7));
                long t0 = System.nanoTime();
                var found = Saliency.subject(picture).orElseThrow(() -> new AssertionError("nothing found at " + p[0] + "," + p[1]));
                assertTrue((System.nanoTime() - t0) / 1e6 < 100, "well under 100 ms a picture");
                var t = truth(size[0], size[1], p[0], p[1]);
                assertTrue(found.x0() <= t.x0() + 0.01 && found.y0() <= t.y0() + 0.01 && found.x1() >= t.x1() - 0.01 && found.y1() >= t.y1() - 0.01,
                        "the box holds the subject at " + p[0] + "," + p[1] + ": found " + found + ", truth " + t);
                assertTrue((found.x1() - found.x0()) * (found.y1() - found.y0()) < 0.12, "and little else: " + found);
            }
        }
        var flat = yuv(new BufferedImage(200, 300, BufferedImage.TYPE_INT_RGB));
        assertTrue(Saliency.subject(flat).isEmpty(), "nothing stands out in a flat picture");
    }

    @Test
    void aBandFromEdgeToEdgeIsBackgroundWhenASpotStandsOutAsMuch() {
        // A sunset band across the whole picture and a boat-sized spot below it: the band is sky, the spot the subject.
        var img = scene(404, 718, 0.5, 0.5, 9);
        var g = img.createGraphics();
        g.setColor(new java.awt.Color(90, 105, 75));
        g.fillRect(0, 0, 404, 718);
        g.setColor(new java.awt.Color(250, 150, 40));
        g.fillRect(0, 150, 404, 110);
        g.setColor(new java.awt.Color(60, 70, 160));   // less striking than the band: the peak is in the band
        g.fillOval(100, 470, 70, 50);
        g.dispose();
        var found = Saliency.subject(yuv(img)).orElseThrow();
        assertTrue(found.x0() > 0.15 && found.x1() < 0.5 && found.y0() > 0.6 && found.y1() < 0.8, "the spot, not the band: " + found);
        // Alone, a band is still the subject: nothing else stands out.
        var band = scene(404, 718, 0.5, 0.5, 9);
        g = band.createGraphics();
        g.setColor(new java.awt.Color(90, 105, 75));
        g.fillRect(0, 0, 404, 718);
        g.setColor(new java.awt.Color(250, 150, 40));
        g.fillRect(0, 150, 404, 110);
        g.dispose();
        var only = Saliency.subject(yuv(band)).orElseThrow();
        assertTrue(only.x0() < 0.05 && only.x1() > 0.95, "the band: " + only);
    }

    @Test
    void everyMoveHoldsTheSubjectOrSaysHowMuchItKeepsWhereGeometryAloneLosesIt() {
        int frames = 150;
        double aspect = 9.0 / 16;
        double before = 0, after = 0;
        int cases = 0, cut = 0;
        for (int[] size : new int[][] {{404, 718}, {1210, 2150}, {1600, 900}}) {
            for (double[] p : PLACES) {
                var t = truth(size[0], size[1], p[0], p[1]);
                var motions = new ArrayList<Motion>(Motion.moves());
                motions.add(null);   // none named: chosen toward the subject
                for (Motion m : motions) {
                    var plan = Framing.plan(Framing.Stage.cover(size[0], size[1]), aspect, t, "test", m, cases);
                    var move = plan.move();
                    double share = Framing.shareHolding(move, t, size[0], size[1], frames);
                    String what = "subject at " + p[0] + "," + p[1] + " on " + size[0] + "x" + size[1] + ", " + m + ": " + plan.explain();
                    assertTrue(move.travel().visible(), what);
                    if (m == null) {
                        assertEquals(1.0, share, "a move chosen here holds the subject in every frame: " + what);
                    } else {
                        assertEquals(m, move.motion(), "a named motion keeps its direction");
                        // Honoured even where its kind of move cannot hold the subject (a pan up, the subject 3 % from the top):
                        // then it keeps most of it, and says so.
                        if (share < 1) {
                            cut++;
                            assertTrue(plan.kept() > 0.6 && plan.warning() != null && plan.warning().contains("keeps only"), what);
                        } else {
                            assertNull(plan.warning(), what);
                        }
                        before += Framing.shareHolding(Framing.geometryOnly(size[0], size[1], aspect, m), t, size[0], size[1], frames);
                        after += share;
                        cases++;
                    }
                    for (int k = 0; k < frames; k++) {
                        var v = move.at((double) k / (frames - 1));
                        assertTrue(v.x() >= -1e-6 && v.y() >= -1e-6 && v.x() + v.width() <= size[0] + 1e-6 && v.y() + v.height() <= size[1] + 1e-6,
                                "the viewport stays on the picture: " + v);
                        assertEquals(aspect, v.width() / v.height(), 1e-9);
                    }
                }
            }
        }
        assertTrue(before / cases < 0.8, "geometry alone loses such subjects often: " + before / cases);
        assertTrue(after / cases > 0.95 && cut <= cases / 10, "subject-aware moves hold them: " + after / cases + ", " + cut + " of " + cases + " cut");
    }

    @Test
    void withNoMotionNamedTheMoveGoesTowardTheSubject() {
        var subject = truth(1600, 900, 0.85, 0.5);
        var stage = Framing.Stage.cover(1600, 900);
        var pan = Framing.plan(stage, 9.0 / 16, subject, "test", null, 1).move();
        assertEquals(Motion.PAN_RIGHT, pan.motion(), "a pan's turn, the subject at the right of a wide picture: pan to it");
        assertTrue(pan.at(1).cx() > pan.at(0).cx(), "toward it");
        var zoom = Framing.plan(stage, 9.0 / 16, subject, "test", null, 0).move();
        assertEquals(Motion.ZOOM_IN, zoom.motion(), "a zoom's turn: zoom in on it");
        assertTrue(zoom.at(1).width() < zoom.at(0).width());
        assertTrue(Math.abs(zoom.at(1).cx() - subject.cx() * 1600) < Math.abs(zoom.at(0).cx() - subject.cx() * 1600), "drifting toward it");
    }

    @Test
    void aManifestFocusOverridesDetectionAndTheChoiceIsExplained(@TempDir Path dir) throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        Path picture = dir.resolve("p.png");
        javax.imageio.ImageIO.write(scene(400, 711, 0.85, 0.12, 3), "png", picture.toFile());
        var enc = new ClipEncoder(ffmpeg, StoryFixture.smallSettings(), EncoderProfile.lossless());
        var decoded = enc.decodeImage(new ClipEncoder.Inputs("t", "s", "x", null, picture, null, null), 404, 718);
        var detected = enc.plan(new ClipEncoder.Inputs("t", "s", "x", null, picture, null, null), decoded, 6);
        assertEquals("found in the picture", detected.source());
        assertEquals(0.85, detected.subject().cx(), 0.05);
        var focused = enc.plan(new ClipEncoder.Inputs("t", "s", "x", null, picture, null, null, new Story.Focus(0.2, 0.8)), decoded, 6);
        assertEquals("the manifest's focus", focused.source());
        assertEquals(0.2, focused.subject().cx(), 0.01);
        assertEquals(0.8, focused.subject().cy(), 0.01);
        assertTrue(focused.explain().contains("subject 0.15–0.25 × 0.75–0.85 of the picture (the manifest's focus)"), focused.explain());
    }

    @Test
    void aSmallPictureIsUpscaledWithAOneLineWarning(@TempDir Path dir) throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        Path small = dir.resolve("small.png");
        javax.imageio.ImageIO.write(scene(300, 300, 0.5, 0.5, 1), "png", small.toFile());
        Path wav = StoryFixture.speak("Hola.", dir.resolve("n.wav"));
        var enc = new ClipEncoder(ffmpeg, Settings.of(Map.of("VIDEO_SIZE", "1080x1920", "VIDEO_FPS", "10", "CAPTION_STYLE", "none")),
                EncoderProfile.x264(Settings.defaults()));
        var clip = enc.encode(new ClipEncoder.Inputs("t", "s9", "x", null, small, wav, null), dir.resolve("c.mp4"), true, f -> {});
        assertEquals(1, clip.warnings().size(), clip.warnings().toString());
        String w = clip.warnings().getFirst();
        assertTrue(w.startsWith("scene s9: the picture is 300x300 and is upscaled 6.4x to fill 1080x1920"), w);
        var big = enc.encode(new ClipEncoder.Inputs("t", "s8", "x", null, StoryFixture.photos().getFirst(), wav, null), dir.resolve("d.mp4"), true, f -> {});
        assertTrue(big.warnings().isEmpty(), big.warnings().toString());
    }
}
