package shortsmith.core;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest {

    @Test
    void aBatchShowsOneLinePerStoryAndTheSceneLinesOfTheStoryInFront() {
        var out = new ByteArrayOutputStream();
        var progress = new Progress(new PrintStream(out, true), true, List.of());
        var a = progress.within("monday", List.of("s1", "s2"));
        var b = progress.within("tuesday", List.of("s1", "s2", "s3"));
        a.part("clip").done("s1", "clip 4.20 s");
        a.part("narration").update("s2", "narration: openai", -1);
        b.part("image").done("s1", "image ✓");
        var rows = progress.rows();
        assertEquals("monday           1/2 clips   s2: narration: openai", rows.get(0));
        assertTrue(rows.get(1).startsWith("tuesday          0/3 clips   s1: ✓ image"), rows.toString());
        assertEquals(4, rows.size(), "two story lines, then monday's two scenes: " + rows);
        assertTrue(rows.get(2).contains("monday/s1") && rows.get(3).contains("monday/s2"), rows.toString());
        a.part("clip").done("s2", "clip 3.10 s");
        rows = progress.rows();
        assertEquals("monday           2/2 clips   ✓ all clips", rows.get(0));
        assertTrue(rows.get(2).contains("tuesday/s1"), "the story in front is now tuesday: " + rows);

        // Not a terminal: plain lines, each with its story.
        var plain = new ByteArrayOutputStream();
        var p = new Progress(new PrintStream(plain, true), false, List.of()).within("monday", List.of("s1"));
        p.part("clip").done("s1", "clip 4.20 s");
        p.note("✓ monday.mp4 written");
        assertEquals("monday/s1: ✓ clip 4.20 s\nmonday: ✓ monday.mp4 written\n", plain.toString());
    }
}
