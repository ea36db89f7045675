package shortsmith.benchmark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.testing.StoryFixture;
import shortsmith.video.NvencProbe;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark's results share one shape with detect-nvenc's. */
class BenchmarkTest {

    @Test
    void anUnavailableRowCarriesTheReasonAndTheMessageApartAsDetectNvencDoes() throws Exception {
        var status = new NvencProbe.EncoderStatus(true, false, NvencProbe.Reason.DRIVER_LIBRARY_MISSING, "Cannot load libcuda.so.1");
        var row = Json.MAPPER.readTree(Json.write(Benchmark.Row.unavailable("nvenc-p4", status)));
        var probe = Json.MAPPER.readTree(Json.write(status));
        assertEquals("driver-library-missing", row.get("reason").asText());
        assertEquals("Cannot load libcuda.so.1", row.get("message").asText());
        assertEquals(probe.get("reason"), row.get("reason"));
        assertEquals(probe.get("message"), row.get("message"));
        assertFalse(row.get("available").asBoolean());
        assertFalse(row.has("seconds"), "no figures for a row that did not run: " + row);
    }

    @Test
    void theRenderRowTimesTheScenesAsEncodeMovesThemAndMadeToPanWithTheVectorApi(@TempDir Path dir) throws Exception {
        var settings = StoryFixture.smallSettings();
        var ffmpeg = Ffmpeg.locate(settings);
        // Two portrait photos: encode zooms in on them, so the pans come only from the same scenes made to pan.
        var story = Story.read(StoryFixture.story(dir, "Uno.", "Dos."));
        var scenes = Benchmark.scenes(story, dir, ffmpeg, 2);
        var row = Benchmark.render(ffmpeg, scenes, settings, "360x640", 4);
        assertEquals(2, row.scenes());
        assertNotNull(row.zoomMillis(), row.toString());
        assertNotNull(row.panMillis(), row.toString());
        assertTrue(row.minMillis() > 0 && row.minMillis() <= row.medianMillis() && row.medianMillis() <= row.maxMillis(), row.toString());
        assertTrue(row.vectorApi(), "./jbang gives the JVM the Vector API, and the row says so");
    }
}
