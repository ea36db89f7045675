package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Narration;
import shortsmith.media.WordTiming;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** How chunks are cut and timed, read from the ASS script libass draws (and, for highlights, from libass's own bitmaps). */
class CaptionsTest {
    private static final Settings.Size SHORT = new Settings.Size(1080, 1920);

    static Captions.Spec spec(String language, Map<String, String> settings) {
        var s = Settings.of(settings);
        return Captions.Spec.of(s, language, null);
    }

    static Captions.Spec spec(String language) { return spec(language, Map.of()); }

    private static List<Story.Word> words(Object... wordStartEnd) {
        List<Story.Word> out = new ArrayList<>();
        for (int i = 0; i < wordStartEnd.length; i += 3) {
            out.add(new Story.Word((String) wordStartEnd[i], ((Number) wordStartEnd[i + 1]).doubleValue(), ((Number) wordStartEnd[i + 2]).doubleValue()));
        }
        return out;
    }

    /** The English demo's second scene as espeak-ng times it (its own word events): "for" and "the" share an onset. */
    static final List<Story.Word> FAIR = words("At", 0.0, 0.14, "the", 0.147, 0.27, "village", 0.274, 0.66, "fair,", 0.662, 1.02,
            "hundreds", 1.162, 1.65, "of", 1.654, 1.77, "colourful", 1.782, 2.22, "cups", 2.224, 2.59, "waited", 2.594, 2.99,
            "for", 3.001, 3.001, "the", 3.001, 3.25, "children.", 3.257, 3.78, "Lucy", 4.076, 4.38, "chose", 4.388, 4.72,
            "the", 4.72, 4.85, "blue", 4.854, 5.13, "one,", 5.136, 5.4, "as", 5.588, 5.75, "always.", 5.75, 6.29);

    private static List<CaptionReport.Shown> shown(List<Story.Word> words, Captions.Spec spec, double duration) {
        return CaptionReport.chunksOf(Captions.ass(words, spec, duration, null), spec.fps());
    }

    @Test
    void estimatedTimesFollowSyllablesAndPauseAtPunctuation() {
        var words = WordTiming.estimate("Hola, mariposa. Sí", new Narration.SpeechSpan(0.5, 3.0));
        assertEquals(3, words.size());
        assertEquals(0.5, words.getFirst().start(), 1e-9);
        assertEquals(3.0, words.getLast().end(), 1e-6);
        for (int i = 0; i + 1 < words.size(); i++) assertTrue(words.get(i).end() <= words.get(i + 1).start());
        double hola = words.get(0).end() - words.get(0).start(), mariposa = words.get(1).end() - words.get(1).start();
        assertEquals(2.0, mariposa / hola, 1e-6, "4 syllables take twice as long as 2");
        double commaPause = words.get(1).start() - words.get(0).end(), periodPause = words.get(2).start() - words.get(1).end();
        assertTrue(periodPause > commaPause && commaPause > 0);
    }

    @Test
    void noLineOfATwoLineChunkHoldsALoneWord() {
        // Cut at about 22 characters when 15–16 fit on a line, this scene left "the" alone under "cups waited for".
        var chunks = shown(FAIR, spec("en"), 6.8);
        assertTrue(chunks.stream().anyMatch(c -> c.lines().size() == 2), "two-line chunks are still made: " + chunks);
        for (var c : chunks) {
            assertTrue(c.lines().size() <= 2, c.toString());
            if (c.lines().size() == 2) for (var line : c.lines()) assertTrue(line.size() >= 2, "a lone word on a line: " + c.lines());
        }
    }

    @Test
    void neitherAChunkNorALineEndsOnAnArticlePrepositionOrConjunction() {
        for (var c : shown(FAIR, spec("en"), 6.8)) {
            for (var line : c.lines()) assertFalse(FunctionWords.endsOnOne(line.getLast(), "en"), "ends on a function word: " + c.lines());
        }
        var spanish = WordTiming.estimate("Había una vez, en un lugar muy lejano de las montañas, una niña que soñaba con volar sobre el mar.",
                new Narration.SpeechSpan(0, 6));
        for (var c : shown(spanish, spec("es"), 6.5)) {
            for (var line : c.lines()) assertFalse(FunctionWords.endsOnOne(line.getLast(), "es"), "ends on a function word: " + c.lines());
        }
    }

    @Test
    void functionWordsAreKnownForSevenLanguagesAndShortWordsElsewhere() {
        for (var e : Map.of("en", "the", "es", "de", "fr", "les", "it", "della", "pt", "pelo", "de", "zum", "ca", "amb").entrySet()) {
            assertTrue(FunctionWords.hasList(e.getKey()), e.getKey());
            assertTrue(FunctionWords.endsOnOne(e.getValue(), e.getKey() + "-XX"), e.toString());
            assertTrue(FunctionWords.endsOnOne("«" + e.getValue().toUpperCase(java.util.Locale.ROOT), e.getKey()), "capitals and quotes: " + e);
            assertFalse(FunctionWords.endsOnOne(e.getValue() + ",", e.getKey()), "punctuation ends the phrase: " + e);
        }
        assertFalse(FunctionWords.endsOnOne("kite", "en"));
        assertTrue(FunctionWords.endsOnOne("op", "nl"), "Dutch has no list: a two-letter word is taken for one");
        assertFalse(FunctionWords.endsOnOne("vlieger", "nl"));
        assertFalse(FunctionWords.endsOnOne("风筝", "zh"), "a script without spaces has no such guess");
    }

    @Test
    void aChunkNeverSpansAPauseLongerThanAQuarterSecond() {
        var words = words("uno", 0.0, 0.3, "dos", 0.35, 0.6, "tres", 0.95, 1.2, "cuatro", 1.25, 1.6);
        var chunks = shown(words, spec("es"), 2.2);
        assertEquals(List.of(List.of(List.of("uno", "dos")), List.of(List.of("tres", "cuatro"))),
                chunks.stream().map(CaptionReport.Shown::lines).toList(), "a 350 ms silence ends the chunk");
    }

    @Test
    void aWordBeforeAPauseStaysAtLeastSixTenthsOfASecond() {
        // A short word before a silence used to leave after 0.5 s.
        var words = words("Hello.", 0.1, 0.15, "World", 1.4, 1.9, "again.", 1.9, 2.3);
        var first = shown(words, spec("en"), 3).getFirst();
        assertEquals(List.of(List.of("Hello.")), first.lines());
        assertTrue(first.end() - first.start() >= CaptionChunker.MIN_SHOWN - 1e-9, "shown " + (first.end() - first.start()) + " s");
    }

    @Test
    void aWordIsJoinedToItsNeighboursRatherThanFlashed() {
        // Four words then one more before a short pause: cut at four words, "five" flashed for 0.35 s.
        var words = words("one", 0.0, 0.1, "two", 0.1, 0.2, "three", 0.2, 0.3, "four", 0.3, 0.4, "five", 0.4, 0.45,
                "six", 0.75, 1.0, "seven.", 1.0, 1.5);
        for (var c : shown(words, spec("en"), 2.2)) {
            assertTrue(c.end() - c.start() >= CaptionChunker.MIN_SHOWN - 1e-9, "flashed: " + c.lines() + " for " + (c.end() - c.start()) + " s");
        }
    }

    @Test
    void wordsThatShareAnOnsetEachGetTheirOwnStretchAndNothingElseMoves() {
        var split = WordTiming.splitSharedOnsets(FAIR);
        assertEquals(FAIR.size(), split.size());
        for (int i = 0; i < FAIR.size(); i++) {
            boolean shared = i == 9 || i == 10;   // "for the"
            if (!shared) assertEquals(FAIR.get(i), split.get(i), "only the words of a shared onset move");
        }
        assertEquals(3.001, split.get(9).start(), 1e-9);
        assertTrue(split.get(10).start() > split.get(9).start() + 0.05 && split.get(10).start() < FAIR.get(11).start(), split.toString());
        assertEquals(split.get(10).start(), split.get(9).end(), 1e-9, "the first ends where the second starts");
    }

    @Test
    void everyWordIsHighlightedInAtLeastOneFrameAsLibassDrawsIt() {
        // espeak-ng gives "for" and "the" one onset: "for" used to get no time at all. And three words faster than a frame.
        var words = new ArrayList<>(FAIR);
        words.addAll(words("a", 6.6, 6.61, "b", 6.61, 6.62, "c", 6.62, 6.9));
        for (int fps : new int[] {25, 30, 60}) {
            var spec = spec("en", Map.of("VIDEO_FPS", String.valueOf(fps), "VIDEO_SIZE", "360x640"));
            double duration = 7.5;
            String ass = Captions.ass(words, spec, duration, null);
            var report = CaptionReport.chunksOf(ass, fps);
            assertEquals(words.size(), report.stream().mapToInt(c -> c.lit().size()).sum(), fps + " fps: " + report);
            // The same from libass's bitmaps: at each frame, the highlighted word is the image in the highlight colour; count the
            // distinct (chunk, place) pairs it takes.
            int highlight = 0xFFE50000;
            var lit = new HashSet<String>();
            try (var lib = Libass.open(ass, 360, 640, spec.font().file())) {
                for (int f = 0; f < duration * fps; f++) {
                    long ms = (long) (f * 1000.0 / fps);
                    String chunk = null;
                    for (var c : report) if (ms >= Math.round(c.start() * 1000) && ms < Math.round(c.end() * 1000)) chunk = c.lines().toString();
                    for (var im : lib.render(ms).images()) {
                        if ((im.rgba() & 0xFFFFFF00) == highlight) lit.add(chunk + "@" + im.x() + "," + im.y());
                    }
                }
            }
            assertEquals(words.size(), lit.size(), fps + " fps: libass highlighted " + lit);
        }
    }

    @Test
    void chunksAreCutByTheMeasuredWidthAtTheTypeSizeDrawn() {
        // At twice the size fewer words fit: the same words make more, shorter chunks, each line still within the safe width.
        var normal = shown(FAIR, spec("en"), 6.8);
        var large = shown(FAIR, spec("en", Map.of("CAPTION_SIZE", "2")), 6.8);
        assertTrue(large.size() > normal.size(), normal.size() + " chunks at 1x, " + large.size() + " at 2x");
        var look = Settings.of(Map.of("CAPTION_SIZE", "2")).captions();
        var layout = Captions.Layout.of(SHORT, look);
        var awt = Captions.awtFont(Captions.font(""));
        for (var c : large) {
            for (var line : c.lines()) {
                if (line.size() > 1) assertTrue(Captions.advance(String.join(" ", line), layout.fontSize(), awt) + layout.extra() <= layout.lineWidth(),
                        "line wider than the safe area: " + line);
            }
        }
    }

    @Test
    void assTextIsLiteral() throws Exception {
        var font = Captions.font("");
        var awt = java.awt.Font.createFont(java.awt.Font.TRUETYPE_FONT, font.file().toFile());
        assertEquals("\\{a\\} \\\u2060N ¿ñ?", Captions.escape("{a} \\N ¿ñ?", awt));
        assertEquals("ok", Captions.escape("ok🚀", awt), "glyphs the font lacks are left out, not boxes");
    }

    @Test
    void karaokeHighlightsEachWordInTurnOnFrameBoundaries() {
        var words = words("Uno", 0, 0.5, "dos", 0.6, 1.0);
        var spec = spec("es", Map.of("VIDEO_FPS", "25"));
        String ass = Captions.ass(words, spec, 2.0, null);
        var events = ass.lines().filter(l -> l.startsWith("Dialogue:")).toList();
        assertEquals(2, events.size(), ass);
        String lit = "{\\c" + Captions.assColour("#ffe500") + "}";
        assertTrue(events.get(0).contains("0:00:00.00,0:00:00.60") && events.get(0).contains(lit + "Uno"), events.get(0));
        assertTrue(events.get(1).contains("0:00:00.60,0:00:01.40") && events.get(1).contains(lit + "dos"), events.get(1));
        assertTrue(ass.contains("PlayResY: 1920"));
        var chunk = Captions.ass(words, new Captions.Spec(Settings.CaptionStyle.CHUNK, spec.look(), "es", spec.size(), 25, spec.font()), 2.0, null);
        assertEquals(1, chunk.lines().filter(l -> l.startsWith("Dialogue:")).count());
        assertFalse(chunk.contains(lit));
        assertEquals("0:00:00.13", Captions.time(4, 30), "frame 4 at 30 fps starts at 133.3 ms: 13 cs holds it and not frame 3 (100 ms)");
    }
}
