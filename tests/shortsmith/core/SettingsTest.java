package shortsmith.core;

import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SettingsTest {

    @Test
    void defaultsFollowTheSeedAndTheIssue() {
        var s = Settings.defaults();
        assertEquals(Settings.EncoderChoice.AUTO, s.encoding().encoder());
        assertEquals("p4", s.encoding().nvencPreset());
        assertEquals(23, s.encoding().cq());
        assertEquals("5M", s.encoding().bitrate());
        assertEquals("384k", s.encoding().audioBitrate());   // YouTube's suggestion for stereo (issue #24)
        assertEquals(14, s.encoding().x264Crf());
        assertEquals(0.2, s.clips().tail());
        assertTrue(s.parallelism().parallelImages());
        assertEquals(8, s.parallelism().maxParallelImages());
        assertFalse(s.parallelism().parallelVideos());
        assertEquals(2, s.parallelism().maxParallelVideos());
        assertEquals(new Settings.Size(1080, 1920), s.video().size());
        assertEquals(30, s.video().fps());
        assertEquals("ffmpeg", s.tools().ffmpeg());
    }

    @Test
    void aBadValueNamesTheVariableTheValueAndWhatIsAllowed() {
        var e = assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("FFMPEG_ENCODER", "gpu")));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("FFMPEG_ENCODER=gpu"), e.getMessage());
        assertTrue(e.getMessage().endsWith("allowed: nvenc, x264, auto"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void rangesAndFormatsAreChecked() {
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("FFMPEG_CQ", "52")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("FFMPEG_CQ", "high")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("FFMPEG_PRESET", "p9")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("VIDEO_SIZE", "1081x1920")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("FFMPEG_AUDIO_BITRATE", "lots")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("PARALLEL_VIDEO_ENCODING", "maybe")));
        assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("MAX_PARALLEL_IMAGES", "0")));
        var s = Settings.of(Map.of("FFMPEG_CQ", "0", "VIDEO_SIZE", "768x1344", "X264_THREADS", "auto", "FFMPEG_ENCODER", "NVENC"));
        assertEquals(0, s.encoding().cq());
        assertEquals("768x1344", s.video().size().toString());
        assertEquals(0, s.encoding().x264Threads());
        assertEquals(Settings.EncoderChoice.NVENC, s.encoding().encoder());
    }

    @Test
    void environmentWinsOverDotenvAndErrorsSayWhereTheValueCameFrom(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "FFMPEG_CQ=19\nVIDEO_FPS=25\n# a comment\nMAX_PARALLEL_VIDEOS=3\n");
        var s = Settings.load(dir, Map.of("VIDEO_FPS", "60"));
        assertEquals(19, s.encoding().cq());
        assertEquals(60, s.video().fps());
        assertEquals(3, s.parallelism().maxParallelVideos());

        Files.writeString(dir.resolve(".env"), "FFMPEG_ENCODER=gpu\n");
        var e = assertThrows(ShortsmithException.class, () -> Settings.load(dir, Map.of()));
        assertTrue(e.getMessage().contains(dir.resolve(".env").toString()), e.getMessage());
    }

    @Test
    void dotenvExampleDocumentsEverySettingTheLibReads() throws Exception {
        String example = Files.readString(TestSupport.repo().resolve(".env.example"));
        String source = Files.readString(TestSupport.repo().resolve("lib/shortsmith/core/Settings.java"));
        var m = java.util.regex.Pattern.compile("r\\.\\w+\\(\"([A-Z0-9_]+)\"").matcher(source);
        int count = 0;
        while (m.find()) {
            count++;
            assertTrue(example.contains(m.group(1) + "="), ".env.example lacks " + m.group(1));
        }
        assertTrue(count >= 22, "found only " + count + " settings");
    }
}
