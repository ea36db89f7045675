package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Narration;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CaptionsTest {

    @Test
    void estimatedTimesFollowSyllablesAndPauseAtPunctuation() {
        var words = shortsmith.media.WordTiming.estimate("Hola, mariposa. Sí", new Narration.SpeechSpan(0.5, 3.0));
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
    void chunksAreShortAndEndAtPunctuation() {
        var words = shortsmith.media.WordTiming.estimate("Había una vez, en un lugar muy lejano, una niña que soñaba con volar.", new Narration.SpeechSpan(0, 5));
        var chunks = Captions.chunks(words);
        for (var c : chunks) {
            assertTrue(c.size() <= 4, c.toString());
            assertTrue(c.stream().mapToInt(w -> w.word().length() + 1).sum() <= 24, c.toString());
        }
        assertTrue(chunks.getFirst().getLast().word().endsWith(","), "the first chunk ends at the comma: " + chunks.getFirst());
    }

    @Test
    void assTextIsLiteral() throws Exception {
        var font = Captions.font("");
        var awt = java.awt.Font.createFont(java.awt.Font.TRUETYPE_FONT, font.file().toFile());
        assertEquals("\\{a\\} \\\u2060N ¿ñ?", Captions.escape("{a} \\N ¿ñ?", awt));
        assertEquals("ok", Captions.escape("ok🚀", awt), "glyphs the font lacks are left out, not boxes");
    }

    @Test
    void karaokeHighlightsEachWordInTurn() {
        var words = List.of(new Story.Word("Uno", 0, 0.5), new Story.Word("dos", 0.6, 1.0));
        String ass = Captions.ass(words, Settings.CaptionStyle.KARAOKE, new Settings.Size(1080, 1920), 2.0, Captions.font(""));
        var events = ass.lines().filter(l -> l.startsWith("Dialogue:")).toList();
        assertEquals(2, events.size());
        assertTrue(events.get(0).contains("0:00:00.00,0:00:00.60") && events.get(0).contains("{\\c" + Captions.HIGHLIGHT + "}Uno"), events.get(0));
        assertTrue(events.get(1).contains("{\\c" + Captions.HIGHLIGHT + "}dos"), events.get(1));
        assertTrue(ass.contains("PlayResY: 1920"));
        String chunk = Captions.ass(words, Settings.CaptionStyle.CHUNK, new Settings.Size(1080, 1920), 2.0, Captions.font(""));
        assertEquals(1, chunk.lines().filter(l -> l.startsWith("Dialogue:")).count());
        assertFalse(chunk.contains(Captions.HIGHLIGHT));
    }

    @Test
    void aChunkNeverSpansAPauseLongerThanAQuarterSecond() {
        var words = List.of(new Story.Word("uno", 0.0, 0.3), new Story.Word("dos", 0.35, 0.6), new Story.Word("tres", 0.95, 1.2),
                new Story.Word("cuatro", 1.25, 1.6));
        var chunks = Captions.chunks(words);
        assertEquals(List.of(List.of("uno", "dos"), List.of("tres", "cuatro")),
                chunks.stream().map(c -> c.stream().map(Story.Word::word).toList()).toList(), "a 350 ms silence ends the chunk");
    }
}
