package shortsmith.video;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A creator's caption controls, each judged on the frame it renders (libass through the overlay the
 * encoder burns captions in with, on a flat 360×640 picture), their validation, and the clip's cache key.
 */
class CaptionLookTest {
    private static final int W = 360, H = 640, FPS = 25, BACKGROUND = 150;
    private static final List<Story.Word> WORDS = List.of(new Story.Word("una", 0.1, 0.4), new Story.Word("casa", 0.4, 0.8),
            new Story.Word("roja", 0.8, 1.2));

    /** The frame at {@code seconds} with the captions of {@code settings} (and a hook) burned in over flat grey. */
    static byte[] frame(Map<String, String> settings, double seconds, String hook) { return frame(WORDS, settings, seconds, hook); }

    static byte[] frame(List<Story.Word> words, Map<String, String> settings, double seconds, String hook) {
        var values = new HashMap<>(Map.of("VIDEO_SIZE", W + "x" + H, "VIDEO_FPS", String.valueOf(FPS)));
        values.putAll(settings);
        var spec = Captions.Spec.of(Settings.of(values), "es", null);
        String ass = Captions.ass(words, spec, 3.0, hook);
        byte[] frame = new byte[W * H * 3 / 2];
        Arrays.fill(frame, 0, W * H, (byte) BACKGROUND);
        Arrays.fill(frame, W * H, frame.length, (byte) 128);
        try (var overlay = CaptionOverlay.of(ass, W, H, FPS, spec.font().file())) {
            overlay.drawOnto(frame, (int) Math.round(seconds * FPS));
        }
        return frame;
    }

    static byte[] frame(Map<String, String> settings) { return frame(settings, 0.2, null); }

    /** The first and last rows (and columns) whose luma differs from the background: {top, bottom, left, right}, or null. */
    static int[] extent(byte[] frame) {
        int top = H, bottom = -1, left = W, right = -1;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (Math.abs((frame[y * W + x] & 0xFF) - BACKGROUND) > 8) {
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                }
            }
        }
        return bottom < 0 ? null : new int[] {top, bottom, left, right};
    }

    /** How many luma samples satisfy a test on (Y, U, V) of the sample and its chroma. */
    static int count(byte[] frame, YuvTest test) {
        int n = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int c = (y / 2) * (W / 2) + x / 2;
                if (test.holds(frame[y * W + x] & 0xFF, frame[W * H + c] & 0xFF, frame[W * H + W * H / 4 + c] & 0xFF)) n++;
            }
        }
        return n;
    }

    @FunctionalInterface
    interface YuvTest {
        boolean holds(int y, int u, int v);
    }

    @Test
    void positionMovesTheTextsRowsAndKeepsThemInsideTheSafeArea() {
        double safeTop = H * Settings.CaptionLook.SAFE_TOP, safeBottom = H * Settings.CaptionLook.SAFE_BOTTOM;
        var bottom = extent(frame(Map.of("CAPTION_POSITION", "bottom")));
        var middle = extent(frame(Map.of("CAPTION_POSITION", "middle")));
        var top = extent(frame(Map.of("CAPTION_POSITION", "top")));
        var third = extent(frame(Map.of("CAPTION_POSITION", "0.3")));
        for (var e : List.of(bottom, middle, top, third)) {
            assertNotNull(e);
            assertTrue(e[0] >= safeTop && e[1] <= safeBottom, "rows " + e[0] + "–" + e[1] + " outside the safe area " + safeTop + "–" + safeBottom);
        }
        assertTrue(bottom[1] > safeBottom - 0.04 * H, "bottom sits on the safe area's bottom: " + bottom[1]);
        assertTrue(top[0] < safeTop + 0.04 * H, "top sits under the safe area's top: " + top[0]);
        assertEquals(H * 0.5, (middle[0] + middle[1]) / 2.0, 0.03 * H, "middle is centred on the frame");
        assertEquals(H * 0.3, (third[0] + third[1]) / 2.0, 0.03 * H, "0.3 is centred at 30 % of the height");
        assertTrue(top[1] < third[0] && third[1] < middle[0] && middle[1] < bottom[0], "top, 0.3, middle, bottom in that order");
    }

    @Test
    void theBoxDarkensTheAreaBehindTheText() {
        byte[] plain = frame(Map.of()), boxed = frame(Map.of("CAPTION_BOX", "#000000 60%"));
        int expected = (int) Math.round(BACKGROUND * 0.4 + 16 * 0.6);   // black at 60 % over the grey
        YuvTest behind = (y, u, v) -> Math.abs(y - expected) <= 4;
        var box = extent(boxed);
        int area = (box[1] - box[0] + 1) * (box[3] - box[2] + 1);
        int darkened = count(boxed, behind) - count(plain, behind);
        assertTrue(darkened > 0.4 * area, darkened + " samples of the " + area + " the box spans are the grey under black at 60 %");
        // Between the box's top and the letters, every sample of the middle half of the box is darkened.
        int letters = box[0];
        while (letters < box[1] && rowHas(boxed, letters, v -> v > BACKGROUND + 20)) letters++;
        while (letters < box[1] && !rowHas(boxed, letters, v -> v > BACKGROUND + 20)) letters++;
        assertTrue(letters - box[0] >= 3, "room between the box's edge and the letters: " + (letters - box[0]) + " rows");
        int quarter = (box[3] - box[2]) / 4;
        for (int y = box[0] + 2; y < letters - 1; y++) {
            for (int x = box[2] + quarter; x < box[3] - quarter; x++) assertEquals(expected, boxed[y * W + x] & 0xFF, 4, "at " + x + "," + y);
        }
        var text = extent(plain);
        assertTrue(box[3] - box[2] > text[3] - text[2] + 8, "the box reaches beyond the text on both sides");
        assertTrue(box[0] >= H * Settings.CaptionLook.SAFE_TOP && box[1] <= H * Settings.CaptionLook.SAFE_BOTTOM, "the box stays in the safe area");
        assertNull(extent(frame(Map.of("CAPTION_BOX", "#000000 60%"), 2.9, null)), "the box leaves with its chunk");
    }

    private static boolean rowHas(byte[] frame, int y, java.util.function.IntPredicate luma) {
        for (int x = 0; x < W; x++) if (luma.test(frame[y * W + x] & 0xFF)) return true;
        return false;
    }

    @Test
    void theTextColourIsTheOneAsked() {
        // #ff0000 in BT.709 TV range: Y 63, Cb 102, Cr 240.
        assertEquals(0, count(frame(Map.of("CAPTION_STYLE", "chunk")), (y, u, v) -> v > 200), "white captions: no red");
        int red = count(frame(Map.of("CAPTION_STYLE", "chunk", "CAPTION_COLOR", "#ff0000")), (y, u, v) -> v > 200 && Math.abs(y - 63) < 20);
        assertTrue(red > 300, "red letters: " + red);
    }

    @Test
    void theSpokenWordIsInTheHighlightColour() {
        // #00ff00: Y 173, Cb 42, Cr 26. At 0.2 s the first word is spoken; plain chunks highlight nothing.
        YuvTest green = (y, u, v) -> u < 70 && v < 60 && y > 140;
        int lit = count(frame(Map.of("CAPTION_HIGHLIGHT", "#00ff00")), green);
        assertTrue(lit > 100, "the spoken word in green: " + lit);
        assertEquals(0, count(frame(Map.of("CAPTION_HIGHLIGHT", "#00ff00", "CAPTION_STYLE", "chunk")), green));
        assertEquals(0, count(frame(Map.of()), green), "amber by default");
    }

    @Test
    void theOutlineHasItsColourAndWidth() {
        YuvTest blue = (y, u, v) -> u > 200 && v < 128;   // #0000ff: Cb 240, Cr 118
        int none = count(frame(Map.of("CAPTION_OUTLINE", "none")), blue);
        int thin = count(frame(Map.of("CAPTION_OUTLINE", "#0000ff 4")), blue), thick = count(frame(Map.of("CAPTION_OUTLINE", "#0000ff 14")), blue);
        assertEquals(0, none);
        assertTrue(thin > 100 && thick > 1.8 * thin, "blue outline samples: " + thin + " at 4 px, " + thick + " at 14 px");
        int[] outlined = extent(frame(Map.of("CAPTION_OUTLINE", "#0000ff 14"))), bare = extent(frame(Map.of("CAPTION_OUTLINE", "none")));
        assertTrue(outlined[3] - outlined[2] > bare[3] - bare[2] + 4, "a wide outline widens the text");
    }

    @Test
    void theSizeScalesTheType() {
        var sun = List.of(new Story.Word("sol", 0.1, 1.0));
        var normal = extent(frame(sun, Map.of("CAPTION_STYLE", "chunk"), 0.2, null));
        var large = extent(frame(sun, Map.of("CAPTION_STYLE", "chunk", "CAPTION_SIZE", "1.5"), 0.2, null));
        double ratio = (double) (large[3] - large[2]) / (normal[3] - normal[2]);
        assertEquals(1.5, ratio, 0.12, "one line 1.5 times as wide: " + Arrays.toString(normal) + " " + Arrays.toString(large));
    }

    @Test
    void capitalsAreDrawnInCapitals() {
        // "una casa" has no ascenders nor descenders: in capitals the letters rise higher above the same baseline.
        var house = List.of(new Story.Word("una", 0.1, 0.4), new Story.Word("casa", 0.4, 0.8));
        var lower = extent(frame(house, Map.of("CAPTION_STYLE", "chunk"), 0.2, null));
        var upper = extent(frame(house, Map.of("CAPTION_STYLE", "chunk", "CAPTION_UPPERCASE", "true"), 0.2, null));
        assertTrue(upper[0] < lower[0] - 2 && Math.abs(upper[1] - lower[1]) <= 3, "capitals: rows " + Arrays.toString(upper) + ", lower case " + Arrays.toString(lower));
        var spec = Captions.Spec.of(Settings.of(Map.of("CAPTION_UPPERCASE", "true")), "tr", null);
        assertTrue(Captions.ass(List.of(new Story.Word("istanbul", 0, 1)), spec, 2, null).contains("İSTANBUL"), "by the language's own rules");
    }

    @Test
    void maxWordsBoundsEveryChunk() {
        var words = shortsmith.media.WordTiming.estimate("uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
                new shortsmith.media.Narration.SpeechSpan(0, 6));
        for (int max : new int[] {1, 2, 3}) {
            var spec = Captions.Spec.of(Settings.of(Map.of("CAPTION_MAX_WORDS", String.valueOf(max))), "es", null);
            var chunks = CaptionReport.chunksOf(Captions.ass(words, spec, 7, null), 30);
            assertTrue(chunks.stream().allMatch(c -> c.lines().stream().mapToInt(List::size).sum() <= max), max + ": " + chunks);
            assertTrue(chunks.stream().anyMatch(c -> c.lines().stream().mapToInt(List::size).sum() == max), max + ": " + chunks);
        }
    }

    @Test
    void theHookIsBigAboveTheCaptionsForTwoSecondsThenGone() {
        byte[] early = frame(Map.of(), 0.2, "Nadie la olvidó"), plain = frame(Map.of(), 0.2, null);
        var captions = extent(plain);
        int above = 0;
        for (int y = 0; y < captions[0]; y++) for (int x = 0; x < W; x++) if (early[y * W + x] != plain[y * W + x]) above++;
        assertTrue(above > 1500, "the hook is drawn above the captions: " + above + " samples");
        YuvTest amber = (y, u, v) -> u < 60 && v > 130 && y > 170;   // #ffe500: Y 203, Cb 25, Cr 149
        assertTrue(count(early, amber) - count(plain, amber) > 800, "in the highlight colour: " + (count(early, amber) - count(plain, amber)));
        assertFalse(Arrays.equals(frame(Map.of(), 1.9, null), frame(Map.of(), 1.9, "Nadie la olvidó")), "still there, fading, at 1.9 s");
        assertArrayEquals(frame(Map.of(), 2.0, null), frame(Map.of(), 2.0, "Nadie la olvidó"), "gone at 2 s");
        assertThrows(ShortsmithException.class, () -> frame(Map.of(), 0.2, "una frase demasiado larga para enseñarla en grande durante los dos "
                + "primeros segundos del vídeo corto que nadie podría leer"));
        // Captions at the top: the hook goes under them.
        var topCaptions = extent(frame(Map.of("CAPTION_POSITION", "top"), 0.2, null));
        byte[] top = frame(Map.of("CAPTION_POSITION", "top"), 0.2, "Nadie la olvidó");
        int below = 0;
        for (int y = topCaptions[1] + 1; y < H; y++) for (int x = 0; x < W; x++) if (Math.abs((top[y * W + x] & 0xFF) - BACKGROUND) > 8) below++;
        assertTrue(below > 1500, "under captions at the top: " + below);
    }

    @Test
    void eachSettingIsCheckedWithOneLineNamingIt() {
        for (var bad : List.of(Map.entry("CAPTION_POSITION", "0.9"), Map.entry("CAPTION_POSITION", "left"), Map.entry("CAPTION_SIZE", "5"),
                Map.entry("CAPTION_COLOR", "#12345"), Map.entry("CAPTION_HIGHLIGHT", "sparkly"), Map.entry("CAPTION_OUTLINE", "#000000 50"),
                Map.entry("CAPTION_BOX", "#000000 5%"), Map.entry("CAPTION_UPPERCASE", "maybe"), Map.entry("CAPTION_MAX_WORDS", "0"))) {
            var e = assertThrows(ShortsmithException.class, () -> Settings.of(Map.of(bad.getKey(), bad.getValue())), bad.toString());
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().startsWith(bad.getKey() + "=" + bad.getValue()) && e.getMessage().contains("allowed")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
        var look = Settings.of(Map.of("CAPTION_POSITION", "40%", "CAPTION_SIZE", "large", "CAPTION_COLOR", "FFF", "CAPTION_HIGHLIGHT", "cyan",
                "CAPTION_OUTLINE", "8", "CAPTION_BOX", "on", "CAPTION_UPPERCASE", "yes", "CAPTION_MAX_WORDS", "4")).captions();
        assertEquals(new Settings.CaptionLook("0.4", 1.25, "#ffffff", "#00e5ff", "#101010 8", "#000000 55%", true, 4), look);
        assertEquals(new Settings.CaptionLook("bottom", 1, "#ffffff", "#ffe500", "#101010 8", "none", false, 6), Settings.defaults().captions());
    }

    @Test
    void anUnquotedColourInDotenvIsAnErrorNotASilentComment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // dotenv reads everything from an unquoted '#' as a comment: the colour would silently be the default.
        java.nio.file.Files.writeString(dir.resolve(".env"), "CAPTION_COLOR=#ff0000\n");
        var e = assertThrows(ShortsmithException.class, () -> Settings.load(dir, Map.of()));
        assertTrue(e.getMessage().contains("CAPTION_COLOR") && e.getMessage().contains("comment") && e.getMessage().contains("\"#ff0000\""),
                e.getMessage());
        java.nio.file.Files.writeString(dir.resolve(".env"), "CAPTION_COLOR=\"#ff0000\"\nCAPTION_HIGHLIGHT=00ff00\nCAPTION_BOX=\"#000000 60%\"  # a box\n");
        var look = Settings.load(dir, Map.of()).captions();
        assertEquals(List.of("#ff0000", "#00ff00", "#000000 60%"), List.of(look.color(), look.highlight(), look.box()));
    }

    @Test
    void aStoryHasItsOwnLookCheckedWhenRead() {
        var story = Story.parse("""
                {"title": "t", "language": "es", "hook": "¡Mira!", "captions": {"position": "top", "box": "#202020 70%", "max_words": 3,
                 "uppercase": true}, "scenes": [{"id": "a", "text": "Hola."}]}""", "story.json");
        assertEquals("¡Mira!", story.hook());
        var look = Captions.Spec.of(Settings.of(Map.of("CAPTION_COLOR", "#eeeeee")), story.language(), story.captions()).look();
        assertEquals(new Settings.CaptionLook("top", 1, "#eeeeee", "#ffe500", "#101010 8", "#202020 70%", true, 3), look);
        assertTrue(story.toJson().contains("\"max_words\" : 3") && story.toJson().contains("\"hook\" : \"¡Mira!\""), story.toJson());
        assertEquals(story, Story.parse(story.toJson(), "again"), "written and read back the same");
        for (String bad : List.of("{\"position\": \"left\"}", "{\"postion\": \"top\"}", "{\"max_words\": 40}", "{\"uppercase\": \"maybe\"}")) {
            var e = assertThrows(ShortsmithException.class, () -> Story.parse("{\"title\": \"t\", \"captions\": " + bad
                    + ", \"scenes\": [{\"id\": \"a\", \"text\": \"Hola.\"}]}", "story.json"));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().startsWith("story.json is not a valid story manifest") && !e.getMessage().contains("\n")
                    && !e.getMessage().contains("Cannot construct"), e.getMessage());
        }
    }

    @Test
    void aChangedLookHookOrLanguageRendersTheClipAgain() {
        var in = new ClipEncoder.Inputs("t", "s1", "Hola.", null, Path.of("a.png"), Path.of("a.wav"), null, null, 0, "es", null, null);
        var ffmpeg = shortsmith.media.Ffmpeg.locate(Settings.defaults());
        String key = new ClipEncoder(ffmpeg, Settings.defaults(), EncoderProfile.lossless()).key(in);
        for (var setting : List.of("CAPTION_POSITION=top", "CAPTION_SIZE=1.1", "CAPTION_COLOR=#eeeeee", "CAPTION_HIGHLIGHT=red",
                "CAPTION_OUTLINE=#000000 4", "CAPTION_BOX=on", "CAPTION_UPPERCASE=true", "CAPTION_MAX_WORDS=3")) {
            var kv = setting.split("=");
            assertNotEquals(key, new ClipEncoder(ffmpeg, Settings.of(Map.of(kv[0], kv[1])), EncoderProfile.lossless()).key(in), setting);
        }
        var encoder = new ClipEncoder(ffmpeg, Settings.defaults(), EncoderProfile.lossless());
        var story = Story.parse("{\"title\": \"t\", \"captions\": {\"box\": \"on\"}, \"scenes\": [{\"id\": \"a\", \"text\": \"Hola.\"}]}", "s");
        assertNotEquals(key, encoder.key(new ClipEncoder.Inputs("t", "s1", "Hola.", null, Path.of("a.png"), Path.of("a.wav"), null, null, 0, "es", null,
                story.captions())), "the story's own look");
        assertNotEquals(key, encoder.key(new ClipEncoder.Inputs("t", "s1", "Hola.", null, Path.of("a.png"), Path.of("a.wav"), null, null, 0, "es", "¡Mira!",
                null)), "a hook");
        assertNotEquals(key, encoder.key(new ClipEncoder.Inputs("t", "s1", "Hola.", null, Path.of("a.png"), Path.of("a.wav"), null, null, 0, "ca", null,
                null)), "the language (its function words)");
    }
}
