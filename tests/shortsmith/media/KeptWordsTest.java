package shortsmith.media;

import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A kept words file that is damaged is timed again, as its promise says (#23): never a NullPointerException, never its bad times. */
class KeptWordsTest {

    @Test
    void aDamagedKeptFileIsReadAsNoneAndTheNarrationIsTimedAgain(@TempDir Path dir) throws Exception {
        String text = "Hola a todos.";
        Path audio = StoryFixture.speak(text, dir.resolve("s1.wav"));
        var work = new WorkDir(dir.resolve("story.work"));
        Path file = KeptWords.fileOf(work, "s1");
        var good = KeptWords.of(Story.Timing.ALIGNED, audio, text, List.of(new Story.Word("Hola", 0.1, 0.3), new Story.Word("a", 0.3, 0.4),
                new Story.Word("todos.", 0.4, 0.9)));
        good.write(file);
        assertEquals(good, KeptWords.read(file, audio, text).orElseThrow());
        String kept = Files.readString(file);
        String firstWord = kept.substring(kept.indexOf('{', kept.indexOf("\"words\"")), kept.indexOf('}', kept.indexOf("\"words\"")) + 1);
        var damaged = List.of(kept.replace(firstWord, "null"),
                kept.replace("\"Hola\"", "null"),
                kept.replace("\"start\" : 0.1", "\"start\" : \"NaN\""),
                kept.replace("\"start\" : 0.1", "\"start\" : -0.1"),
                kept.replace("\"start\" : 0.1", "\"start\" : 0.35"),   // after its own end
                kept.replace("\"start\" : 0.1,", ""),                  // missing
                "null", "[]", "\"words\"", "{\"timing\": \"sideways\"}");
        for (String bad : damaged) {
            assertNotEquals(kept, bad, "the damage must change the file");
            Files.writeString(file, bad);
            assertTrue(assertDoesNotThrow(() -> KeptWords.read(file, audio, text), bad).isEmpty(), bad);
        }
        try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(KeptWords.MAX_BYTES + 1);
        }
        assertTrue(KeptWords.read(file, audio, text).isEmpty(), "a file larger than any kept words file is not one");

        // The stage that needs the times then times the narration again, and keeps usable ones.
        Files.writeString(file, kept.replace("\"start\" : 0.1", "\"start\" : \"NaN\""));
        var story = new Story("T", "es", null, work.root().toString(), null,
                List.of(new Story.Scene("s1", text, null, null, null, audio.toString(), null, null, null)));
        var words = shortsmith.video.EncodeStage.wordsFor(story, story.scenes().getFirst(), work, Ffmpeg.locate(Settings.of(Map.of())));
        assertEquals(3, words.words().size(), words.toString());
        assertNull(Story.Word.problemOf(words.words()), words.toString());
        assertNull(Story.Word.problemOf(KeptWords.read(file, audio, text).orElseThrow().words()), "kept again, usable");
        assertFalse(Json.write(words.words()).contains("NaN"));
    }
}
