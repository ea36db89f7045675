package shortsmith.benchmark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Mp4Boxes;
import shortsmith.testing.StoryFixture;
import shortsmith.video.EncoderProfile;
import shortsmith.video.NvencProbe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark's results share one shape with detect-nvenc's; its sections are chosen by name; its YouTube model measures what it says. */
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

    static BenchmarkRun.Options only(Path out, String... sections) {
        return new BenchmarkRun.Options(null, "360x640", 25, true, 1, null, List.of(sections), out);
    }

    @Test
    void sectionsAreChosenByNameAndAnUnknownNameListsThemAll() {
        var names = BenchmarkRun.SECTIONS.stream().map(BenchmarkRun.Section::name).toList();
        assertEquals(names.size(), new HashSet<>(names).size(), "unique names: " + names);
        assertTrue(names.containsAll(List.of("encoders", "youtube", "motion", "pace", "captions", "batch")), names.toString());
        assertEquals(List.of("pace", "captions"), BenchmarkRun.select(only(null, "pace", "captions", "pace")).stream().map(BenchmarkRun.Section::name).toList());
        var full = BenchmarkRun.select(new BenchmarkRun.Options(null, "360x640", 25, true, 1, null, null, null));
        assertEquals(BenchmarkRun.SECTIONS.stream().filter(BenchmarkRun.Section::inFullRun).toList(), full);
        var e = assertThrows(ShortsmithException.class, () -> BenchmarkRun.select(only(null, "clusterr")));
        assertEquals(shortsmith.core.ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("--only clusterr") && e.getMessage().contains("youtube") && e.getMessage().contains("pace"), e.getMessage());
    }

    @Test
    void aSectionRunAloneWritesItsOwnTableAndJson(@TempDir Path dir) throws Exception {
        var report = BenchmarkRun.run(only(dir, "framing"), m -> {});
        assertTrue(report.markdown().contains("| framing: subject wholly in frame"), report.markdown());
        var json = Json.MAPPER.readTree(dir.resolve("framing.json").toFile());
        assertEquals(2, json.get("framing").size(), json.toString());
        assertEquals(report.markdown(), Files.readString(dir.resolve("framing.md")));
        assertFalse(Files.exists(dir.resolve("results.json")), "a section alone is not a full run");
    }

    @Test
    void thePreviousDefaultIsModelledAsItWasAndSsimPairsFramesByIndex(@TempDir Path dir) throws Exception {
        var settings = StoryFixture.smallSettings();
        var ffmpeg = Ffmpeg.locate(settings);
        var story = Story.read(StoryFixture.story(dir, "Uno, dos, tres, cuatro, cinco, seis, siete, ocho."));
        var scenes = Benchmark.scenes(story, dir, ffmpeg, 1);
        // x264's own options win over ffmpeg's -bf and -g: the old model keeps 3 B-frames and a keyframe every 2 s.
        Benchmark.runOurs(scenes, settings, YouTubeEncode.previousDefault(25), dir.resolve("previous"));
        Benchmark.runOurs(scenes, settings, EncoderProfile.x264(settings), dir.resolve("default"));
        var previous = Mp4Boxes.read(dir.resolve("previous/" + scenes.getFirst().id() + ".mp4")).of("vide").getFirst();
        var today = Mp4Boxes.read(dir.resolve("default/" + scenes.getFirst().id() + ".mp4")).of("vide").getFirst();
        assertEquals(3, previous.longestBRun());
        assertTrue(previous.longestKeyframeInterval() > 1.5, "keyframes every 2 s: " + previous.longestKeyframeInterval());
        assertEquals(2, today.longestBRun());
        assertTrue(today.longestKeyframeInterval() <= 1.0 + 1e-6);
        // SSIM of a clip against itself is 1; against its YouTube-like encode it is lower, and frames are paired by index.
        Path clip = dir.resolve("default/" + scenes.getFirst().id() + ".mp4");
        assertEquals(1.0, YouTubeEncode.ssim(ffmpeg, clip, clip, 25), 1e-6);
        Path yt = YouTubeEncode.encode(ffmpeg, clip, YouTubeEncode.YOUTUBE, 25, dir.resolve("yt.mp4"));
        double s = YouTubeEncode.ssim(ffmpeg, yt, clip, 25);
        assertTrue(s > 0.9 && s < 1.0, "after a second encode: " + s);
    }
}
