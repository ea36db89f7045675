package shortsmith.video;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Motion;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.testing.StoryFixture;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Motion that always moves: every scene travels at least the visible minimum (measured on the
 * clip's own frames), scenes with no motion named vary, a named motion is honoured, contain-blur
 * keeps the whole picture, and a subject cut by the right edge is brought inward.
 */
class MotionTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());
    static final double ASPECT = 9.0 / 16;
    /** A scene's length when a move is planned without rendering it. */
    static final double SCENE = 6;
    static Path dir, wav;
    static List<Path> photos;

    @BeforeAll
    static void narration(@TempDir Path tmp) throws Exception {
        dir = tmp;
        wav = StoryFixture.speak("Al atardecer.", tmp.resolve("n.wav"));
        photos = StoryFixture.photos();
    }

    static ClipEncoder encoder(Map<String, String> extra) {
        var values = new HashMap<>(StoryFixture.SMALL);
        values.put("CAPTION_STYLE", "none");
        values.putAll(extra);
        return new ClipEncoder(FFMPEG, Settings.of(values), EncoderProfile.lossless());
    }

    static ClipEncoder.Inputs scene(String id, Motion motion, Path image, int turn) {
        return new ClipEncoder.Inputs("test", id, "Al atardecer.", motion, image, wav, null, null, turn, null, null, null);
    }

    @Test
    void noSceneOfTheBundledPhotosIsFrozenWhenNoMotionIsNamed() throws Exception {
        // Each photo as a scene of one story, rendered tiny and measured on its first and last frames above the captions.
        var enc = encoder(Map.of("VIDEO_SIZE", "180x320"));
        List<Path> clips = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            Path clip = dir.resolve("auto").resolve("s" + i + ".mp4");
            enc.encode(scene("s" + i, null, photos.get(i), i), clip, true, f -> {});
            clips.add(clip);
        }
        var travel = MotionMetrics.travel(FFMPEG, clips);
        assertEquals(0, MotionMetrics.frozen(travel), travel.toString());
        for (var t : travel) {
            // The plan travels at least the minimum; the measurement is good to a few tenths of a percent.
            assertTrue(t.travel().overMinimum() >= 0.95, "every scene moves at least the minimum (the boats, 03, were a still): " + t);
        }
    }

    @Test
    void theSameStoryTakesTheSameMovesAndItsScenesVary() {
        var enc = encoder(Map.of());
        List<Motion> moves = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            var in = scene("s" + i, null, photos.get(i), i);
            var staged = enc.stage(in, SCENE);
            assertEquals(staged.plan().move(), enc.plan(in, staged.picture(), SCENE).move(), "deterministic");
            moves.add(staged.plan().motion());
        }
        assertTrue(moves.contains(Motion.ZOOM_IN) && moves.contains(Motion.ZOOM_OUT) && moves.stream().anyMatch(Motion::isPan),
                "in, out and pans, not all zoom-ins: " + moves);
        int repeats = 0;
        for (int i = 1; i < moves.size(); i++) if (moves.get(i) == moves.get(i - 1)) repeats++;
        assertTrue(repeats <= 1, "neighbours differ: " + moves);
    }

    @Test
    void aNamedPanOnAPictureItsSubjectFillsStillTravelsAndSaysItCutsIt() throws Exception {
        var fills = new Saliency.Box(0.02, 0.05, 0.98, 0.95);
        for (Motion m : Motion.moves()) {
            var plan = Framing.plan(Framing.Stage.cover(1212, 2152), ASPECT, fills, "test", m, 0);
            assertEquals(m, plan.motion(), "honoured");
            assertTrue(plan.travel().visible(), m + " moves: " + plan.travel());
            assertTrue(plan.kept() > 0.8 && plan.kept() < 1, m + " cuts a little of the subject: " + plan.kept());
            assertNotNull(plan.warning(), m.id());
            assertTrue(plan.warning().startsWith(m.id() + " (") && plan.warning().contains("keeps only"), plan.warning());
        }
        // On a real picture: the boats' subject (the lake, edge to edge) leaves a pan no room; it pans anyway, and says so once.
        var clip = encoder(Map.of()).encode(scene("boats", Motion.PAN_LEFT, photos.get(2), 0), dir.resolve("named/boats.mp4"), true, f -> {});
        var travel = MotionMetrics.travel(FFMPEG, clip.file());
        assertTrue(travel.travel().panX() <= -0.95 * Motion.MIN_PAN, "the camera pans left by at least the minimum: " + travel);
        assertEquals(1, clip.warnings().size(), clip.warnings().toString());
        assertTrue(clip.warnings().getFirst().startsWith("scene boats: pan-left (pan "), clip.warnings().getFirst());
    }

    @Test
    void motionNoneHoldsStillAndSaysNothing() throws Exception {
        var story = Story.parse("{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\",\"motion\":\"none\"}]}", "s.json");
        assertEquals(Motion.NONE, story.scenes().getFirst().motion());
        var clip = encoder(Map.of()).encode(scene("still", Motion.NONE, photos.get(4), 0), dir.resolve("none/still.mp4"), true, f -> {});
        assertTrue(MotionMetrics.travel(FFMPEG, clip.file()).frozen());
        assertTrue(clip.warnings().isEmpty(), clip.warnings().toString());
        assertTrue(clip.plan().startsWith("none: still"), clip.plan());
    }

    @Test
    void containBlurShowsTheWholePictureInEveryFrameOfEveryMove() throws Exception {
        // A landscape picture with a red border on black fill: every frame must show all four sides of the border.
        int pw = 480, ph = 270, border = 8;
        var img = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                boolean edge = x < border || y < border || x >= pw - border || y >= ph - border;
                img.setRGB(x, y, edge ? 0xFF0000 : ((x / 20 + y / 20) % 2 == 0 ? 0x8080A0 : 0x60A060));
            }
        }
        Path picture = dir.resolve("landscape.png");
        javax.imageio.ImageIO.write(img, "png", picture.toFile());
        var enc = encoder(Map.of("FIT", "contain-blur", "BACKGROUND", "#000000"));
        var moves = new ArrayList<Motion>(List.of(Motion.values()));
        moves.add(null);
        var staged = enc.stage(scene("c", null, picture, 1), SCENE);
        var renderer = KenBurns.of(staged.source(), 360, 640, false);
        byte[] frame = new byte[renderer.frameBytes()];
        for (Motion m : moves) {
            var plan = enc.plan(scene("c", m, picture, 1), staged.picture(), SCENE);
            assertTrue(plan.travel().visible() || m == Motion.NONE, m + ": " + plan.explain());
            for (double t : new double[] {0, 0.5, 1}) {
                renderer.render(plan.move(), t, frame);
                double[] sides = redSides(frame, 360, 640);
                for (int side = 0; side < 4; side++) {
                    assertTrue(sides[side] > 0.9, m + " at " + t + ": the picture's " + List.of("left", "right", "top", "bottom").get(side)
                            + " side is cut: " + java.util.Arrays.toString(sides));
                }
            }
        }
    }

    /**
     * The red border in a yuv420p frame: how much of the picture's height its left and right lines
     * run, and of its width its top and bottom lines (1 = whole). A side the frame cuts has no line:
     * its outermost red column (or row) only crosses the other two lines.
     */
    private static double[] redSides(byte[] f, int w, int h) {
        boolean[] red = new boolean[w * h];
        int x0 = w, x1 = -1, y0 = h, y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = f[w * h * 5 / 4 + (y / 2) * (w / 2) + x / 2] & 0xFF, luma = f[y * w + x] & 0xFF;
                if (v > 200 && luma > 40 && luma < 110) {   // BT.709 red: Y ≈ 63, V ≈ 240
                    red[y * w + x] = true;
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) return new double[4];
        double[] sides = new double[4];
        for (int y = y0; y <= y1; y++) {
            if (red[y * w + x0 + 2]) sides[0]++;
            if (red[y * w + x1 - 2]) sides[1]++;
        }
        for (int x = x0; x <= x1; x++) {
            if (red[(y0 + 2) * w + x]) sides[2]++;
            if (red[(y1 - 2) * w + x]) sides[3]++;
        }
        sides[0] /= y1 - y0 + 1;
        sides[1] /= y1 - y0 + 1;
        sides[2] /= x1 - x0 + 1;
        sides[3] /= x1 - x0 + 1;
        return sides;
    }

    @Test
    void aSubjectCutByThePicturesRightEdgeIsBroughtInwardOverItsOwnEdgeBlurred() {
        // The kite (05) is cut by the photo's right edge, under Shorts' action column.
        var enc = encoder(Map.of());
        var kite = photos.get(4);
        for (int turn = 0; turn < 2; turn++) {   // a zoom's turn and a pan's
            for (Motion m : new Motion[] {null, Motion.ZOOM_IN, Motion.PAN_RIGHT}) {
                var staged = enc.stage(scene("kite", m, kite, turn), SCENE);
                var plan = staged.plan();
                var subject = plan.subject();
                assertNotNull(subject, "the kite is found");
                assertTrue(subject.x1() > 0.99, "on the right edge: " + subject);
                double w = staged.picture().source().width();
                var first = plan.move().at(0);
                var last = plan.move().at(1);
                double before = (subject.x1() * w - first.x()) / first.width(), after = (subject.x1() * w - last.x()) / last.width();
                assertTrue(before > 0.99, "it starts on the frame's edge: " + before);
                assertTrue(after <= 1 - Motion.MIN_PAN + 1e-6, (m == null ? "turn " + turn : m.id()) + ": it ends inward: " + after + ", " + plan.explain());
                assertEquals(1.0, plan.kept(), 1e-9, "and whole");
                assertTrue(plan.warning() != null && plan.warning().contains("right edge"), String.valueOf(plan.warning()));
                if (m == null) assertTrue(plan.travel().visible(), plan.explain());

                // Past the edge the picture carries on (its own edge, mirrored and blurred): no dark bar.
                var renderer = KenBurns.of(staged.source(), 360, 640, false);
                byte[] frame = new byte[renderer.frameBytes()];
                renderer.render(plan.move(), 1, frame);
                int edge = (int) Math.floor((w - last.x()) / last.width() * 360);
                assertTrue(edge < 360 - 8, "the picture's edge is in the frame: " + edge);
                double inside = columnsMean(frame, 360, 640, edge - 30, edge - 20), beyond = columnsMean(frame, 360, 640, 352, 360);
                assertTrue(Math.abs(inside - beyond) < 12, "the sky carries on: luma " + inside + " inside, " + beyond + " past the edge");
            }
        }
    }

    /** The mean luma of columns [from, to) over the frame's top quarter (the sky above the kite). */
    private static double columnsMean(byte[] f, int w, int h, int from, int to) {
        double sum = 0;
        int n = 0;
        for (int y = h / 20; y < h / 4; y++) {
            for (int x = from; x < to; x++) {
                sum += f[y * w + x] & 0xFF;
                n++;
            }
        }
        return sum / n;
    }

    @Test
    void thePlannedMotionHasNoStepsAndTheRenderAddsNoJerk() {
        // The plan: every view's edges in frame pixels, second differences frame to frame, at 1080x1920 over 6 s.
        int frames = 180;
        var subjects = new Saliency.Box[] {null, Saliency.Box.around(0.8, 0.3), new Saliency.Box(0.9, 0.3, 1.0, 0.4), new Saliency.Box(0.02, 0.1, 0.98, 0.5)};
        for (var subject : subjects) {
            for (Motion m : Motion.values()) {
                var move = Framing.plan(Framing.Stage.coverWithFill(1210, 2152), ASPECT, subject, "test", m, 0).move();
                double worst = 0;
                for (int k = 1; k + 1 < frames; k++) {
                    var a = move.at((k - 1.0) / (frames - 1));
                    var b = move.at((double) k / (frames - 1));
                    var c = move.at((k + 1.0) / (frames - 1));
                    double scale = 1080 / b.width();
                    worst = Math.max(worst, scale * Math.max(Math.abs(a.x() - 2 * b.x() + c.x()), Math.abs(a.x1() - 2 * b.x1() + c.x1())));
                    worst = Math.max(worst, scale * Math.max(Math.abs(a.y() - 2 * b.y() + c.y()), Math.abs(a.y1() - 2 * b.y1() + c.y1())));
                }
                assertTrue(worst < 0.002, m + " around " + subject + ": the view's edges accelerate " + worst + " px/frame²");
            }
        }
        // The render: dots tracked through frames drawn straight from the renderer, before any encoder.
        var card = Saliency.yuv(MotionMetrics.dots(406, 720));
        for (Motion m : new Motion[] {Motion.ZOOM_IN, Motion.ZOOM_OUT, Motion.PAN_LEFT, Motion.PAN_UP}) {
            var move = Framing.plan(Framing.Stage.cover(card.width(), card.height()), ASPECT, Saliency.Box.around(0.7, 0.4), "test", m, 0).move();
            var renderer = KenBurns.of(card, 360, 640, false);
            List<byte[]> luma = new ArrayList<>();
            for (int k = 0; k < 125; k++) {
                byte[] f = new byte[renderer.frameBytes()];
                renderer.render(move, k / 124.0, f);
                luma.add(java.util.Arrays.copyOf(f, 360 * 640));
            }
            double jerk = MotionMetrics.rmsJerk(luma, 360, 640);
            assertTrue(jerk < 0.035, m + ": " + jerk + " px/frame² before encoding");
        }
    }

    @Test
    void aPanStaysCalmBeyondItsMinimumWhateverItsDirection() {
        // x264 keeps a pan's dots smooth at 0.75 px a frame (1080×1920, 30 fps) and not at 1.2: pans are held to that pace.
        var stage = Framing.Stage.cover(1210, 2152);
        for (double seconds : new double[] {1, 3, 6, 12}) {
            for (Motion m : List.of(Motion.PAN_LEFT, Motion.PAN_RIGHT, Motion.PAN_UP, Motion.PAN_DOWN)) {
                var move = Framing.plan(stage, ASPECT, null, "test", m, 0, seconds).move();
                var a = move.at(0);
                var b = move.at(1);
                double pixels = Math.hypot(b.x() - a.x(), b.y() - a.y()) * 1080 / a.width();   // frame pixels at 1080x1920
                double minimum = Motion.MIN_PAN * (m.isSideways() ? 1080 : 1920);
                assertTrue(pixels >= minimum - 1e-6, m + " over " + seconds + " s travels the minimum: " + pixels);
                // At most 0.76 px a frame at 30 fps, or a little over the minimum when that is more.
                assertTrue(pixels <= Math.max(1.2 * minimum, 0.76 * 30 * seconds) + 1e-6,
                        m + " over " + seconds + " s: " + pixels + " px, " + pixels / (seconds * 30) + " px a frame");
            }
        }
        // With no length given (the benchmark's framing row), a pan takes all the room there is.
        assertEquals(-0.12, Framing.plan(stage, ASPECT, null, "test", Motion.PAN_UP, 0).travel().panY(), 0.002);
    }

    @Test
    void theTravelMeasuredOnFramesIsThePlannedOneDespiteCaptionsAndAHook() {
        var enc = encoder(Map.of());
        var staged = enc.stage(scene("leaf", Motion.ZOOM_IN, photos.get(3), 0), SCENE);
        int w = 144, h = 256;
        var renderer = KenBurns.of(staged.source(), w, h, false);
        var seen = new HashSet<String>();
        for (Motion m : Motion.values()) {
            var move = enc.plan(scene("leaf", m, photos.get(3), 0), staged.picture(), SCENE).move();
            float[] first = grey(renderer, move, 0, w, h), last = grey(renderer, move, 1, w, h);
            // A hook's block of text over the top of the last frame, and captions lower down.
            for (int y = 20; y < 50; y++) for (int x = 20; x < 124; x++) last[y * w + x] = (x / 3 + y / 4) % 2 == 0 ? 255 : 20;
            for (int y = 150; y < 180; y++) for (int x = 10; x < 134; x++) last[y * w + x] = 235;
            var measured = MotionMetrics.travel(Path.of(m.id()), first, last, w, h).travel();
            var planned = move.travel();
            assertEquals(planned.zoom(), measured.zoom(), 0.006, m + ": " + measured + " against " + planned);
            assertEquals(planned.panX(), measured.panX(), 0.006, m + ": " + measured + " against " + planned);
            assertEquals(planned.panY(), measured.panY(), 0.006, m + ": " + measured + " against " + planned);
            seen.add(m.id());
        }
        assertEquals(Motion.values().length, seen.size());
    }

    private static float[] grey(KenBurns renderer, Framing.Move move, double t, int w, int h) {
        byte[] f = new byte[renderer.frameBytes()];
        renderer.render(move, t, f);
        float[] out = new float[w * h];
        for (int i = 0; i < out.length; i++) out[i] = f[i] & 0xFF;
        return out;
    }
}
