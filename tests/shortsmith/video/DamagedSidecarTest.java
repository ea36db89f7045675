package shortsmith.video;

import shortsmith.core.Progress;
import shortsmith.core.StoryInput;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A clip's record in the work folder that is damaged means "encode again", never a NullPointerException (#23, the kept-file class). */
class DamagedSidecarTest {

    @Test
    void aDamagedClipRecordIsEncodedAgain(@TempDir Path dir) throws Exception {
        Path story = StoryFixture.story(dir, "Hola, mundo.");
        var quiet = new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of());
        var first = EncodeStage.run(StoryInput.resolve(List.of(story.toString()), System.in, true), StoryFixture.smallSettings(), "x264", false, quiet);
        assertEquals(0, first.exitCode(), first.failures().toString());
        Path record = dir.resolve("story.work/clips/s1.json");
        assertTrue(Files.isRegularFile(record));
        for (String damaged : List.of("null", "{}", "{\"key\": null}")) {
            Files.writeString(record, damaged);
            assertEquals(java.util.Optional.empty(), damaged.equals("null") ? ClipEncoder.profileOf(dir.resolve("story.work/clips/s1.mp4"), "s1")
                    : java.util.Optional.empty());
            var again = EncodeStage.run(StoryInput.resolve(List.of(story.toString()), System.in, true), StoryFixture.smallSettings(), "x264", false, quiet);
            assertEquals(0, again.exitCode(), damaged + ": " + again.failures());
            assertNotEquals(damaged, Files.readString(record), "written again with the clip");
        }
    }
}
