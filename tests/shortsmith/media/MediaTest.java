package shortsmith.media;

import shortsmith.core.Json;
import shortsmith.core.Settings;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class MediaTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    static Path tone(Path file, double seconds) {
        var r = Proc.run(FFMPEG.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=d=" + seconds, "-c:a", "pcm_s16le",
                file.toString()), Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        return file;
    }

    @Test
    void aKeptProbeIsReadBackWhileTheFileIsUnchangedAndProbedAgainOnceItChanges(@TempDir Path dir) throws Exception {
        Path file = tone(dir.resolve("a.wav"), 1), record = dir.resolve("a.probe.json");
        assertEquals(1.0, Media.probeKept(FFMPEG, file, record).duration(), 0.01);
        assertTrue(Files.isRegularFile(record));

        // Mark the kept answer: reading it back (not probing) is what returns the mark.
        var kept = (ObjectNode) Json.MAPPER.readTree(record.toFile());
        ((ObjectNode) kept.path("ffprobe").path("format")).put("duration", "42.0");
        Files.writeString(record, Json.MAPPER.writeValueAsString(kept));
        assertEquals(42.0, Media.probeKept(FFMPEG, file, record).duration(), 1e-9);

        tone(file, 2);   // another file under the same name: size and time differ
        assertEquals(2.0, Media.probeKept(FFMPEG, file, record).duration(), 0.01);
        Files.writeString(record, "{not json");
        assertEquals(2.0, Media.probeKept(FFMPEG, file, record).duration(), 0.01, "an unreadable record is probed again");
    }
}
