package shortsmith.video;

import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class NvencProbeTest {

    @Test
    void knownFfmpegFailuresAreClassified() {
        Map<String, NvencProbe.Reason> cases = Map.of(
                "[h264_nvenc @ 0x558731d3d800] Cannot load libcuda.so.1\nConversion failed!", NvencProbe.Reason.DRIVER_LIBRARY_MISSING,
                "[h264_nvenc @ 0x1] Cannot load libnvidia-encode.so.1", NvencProbe.Reason.DRIVER_LIBRARY_MISSING,
                "[h264_nvenc @ 0x1] No capable devices found", NvencProbe.Reason.NO_CAPABLE_DEVICE,
                "[h264_nvenc @ 0x1] OpenEncodeSessionEx failed: out of memory (10): (no details)", NvencProbe.Reason.SESSION_LIMIT_OR_MEMORY,
                "[h264_nvenc @ 0x1] OpenEncodeSessionEx failed: unsupported device (2): (no details)", NvencProbe.Reason.UNSUPPORTED_DEVICE,
                "[h264_nvenc @ 0x1] Driver does not support the required nvenc API version. Required: 12.0 Found: 11.1\n"
                        + "[h264_nvenc @ 0x1] The minimum required Nvidia driver for nvenc is 520.56.06 or newer", NvencProbe.Reason.DRIVER_TOO_OLD,
                "Unknown encoder 'h264_nvenc'", NvencProbe.Reason.NOT_IN_BUILD,
                "[h264_nvenc @ 0x1] Frame Dimension less than the minimum supported value.", NvencProbe.Reason.OTHER);
        cases.forEach((stderr, reason) -> assertEquals(reason, NvencProbe.classify(stderr).reason(), stderr));
        assertEquals("Cannot load libcuda.so.1", NvencProbe.classify("[h264_nvenc @ 0xab12] Cannot load libcuda.so.1").message());
    }

    @Test
    void nvidiaSmiCsvIsRead() {
        var gpu = NvencProbe.parseGpu("NVIDIA GeForce RTX 3060, 12288, 550.54.14, 1\n");
        assertEquals(new NvencProbe.Gpu("NVIDIA GeForce RTX 3060", 12288, "550.54.14", 1), gpu);
    }

    @Test
    void theDecisionFollowsTheSettingAndTheProbe() {
        var works = new NvencProbe.EncoderStatus(true, true, NvencProbe.Reason.OK, "ok");
        var broken = new NvencProbe.EncoderStatus(true, false, NvencProbe.Reason.DRIVER_LIBRARY_MISSING, "Cannot load libcuda.so.1");
        assertEquals("nvenc", NvencProbe.decide(Settings.EncoderChoice.AUTO, works).encoder());
        assertEquals("x264", NvencProbe.decide(Settings.EncoderChoice.AUTO, broken).encoder());
        assertTrue(NvencProbe.decide(Settings.EncoderChoice.AUTO, broken).why().contains("listed by ffmpeg but a real encode failed"));
        assertEquals("x264", NvencProbe.decide(Settings.EncoderChoice.X264, works).encoder());
    }

    /** The real outcome on whatever machine runs the tests, judged against independent evidence. */
    @Test
    void theProbeTellsListedFromWorking() throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        var report = NvencProbe.detect(Settings.defaults(), true);
        var listing = Proc.run(ffmpeg.command("-encoders"), Duration.ofSeconds(20)).stdout();
        var h264 = report.encoders().get("h264_nvenc");
        assertEquals(listing.contains(" h264_nvenc "), h264.listed());

        // Independent evidence: a plain NVENC encode of our own, without the profile's options.
        var plain = Proc.run(ffmpeg.command("-f", "lavfi", "-i", "color=s=320x320", "-frames:v", "3", "-c:v", "h264_nvenc",
                "-f", "null", "-"), Duration.ofSeconds(30));
        assertEquals(plain.ok(), h264.available(), plain.stderr());
        if (h264.available()) {
            assertEquals(NvencProbe.Reason.OK, h264.reason());
            assertEquals("nvenc", report.decision().encoder());
        } else {
            assertEquals("x264", report.decision().encoder());
            boolean libcudaPresent = Proc.run(List.of("sh", "-c", "ldconfig -p | grep -q 'libcuda.so.1 '"), Duration.ofSeconds(10)).ok();
            if (h264.listed() && !libcudaPresent) assertEquals(NvencProbe.Reason.DRIVER_LIBRARY_MISSING, h264.reason());
            assertFalse(h264.message().isBlank());
        }
        assertTrue(Files.isRegularFile(Home.cache().resolve("nvenc-probe.json")), "the probe result is cached");
    }

    @Test
    void theCachedResultIsReusedUnlessFresh() throws Exception {
        var first = NvencProbe.detect(Settings.defaults(), false);
        Path cache = Home.cache().resolve("nvenc-probe.json");
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        String key = NvencProbe.cacheKey(ffmpeg, ffmpeg.version(), NvencProbe.gpu());
        // Plant a recognisable cached result for this very key: detect() must return it, not probe.
        var planted = Map.of(key, Map.of(
                "h264_nvenc", new NvencProbe.EncoderStatus(true, false, NvencProbe.Reason.TIMEOUT, "planted"),
                "hevc_nvenc", first.encoders().get("hevc_nvenc")));
        Files.writeString(cache, Json.write(planted));
        try {
            assertEquals("planted", NvencProbe.detect(Settings.defaults(), false).encoders().get("h264_nvenc").message());
            assertNotEquals("planted", NvencProbe.detect(Settings.defaults(), true).encoders().get("h264_nvenc").message());
        } finally {
            NvencProbe.detect(Settings.defaults(), true);
        }
    }

    @Test
    void encodeNeverRunsMoreNvencClipsThanTheRememberedSessionCap() throws Exception {
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        Path file = Home.cache().resolve("nvenc-sessions.json");
        byte[] before = Files.exists(file) ? Files.readAllBytes(file) : null;
        var settings = Settings.of(Map.of("PARALLEL_VIDEO_ENCODING", "true", "MAX_PARALLEL_VIDEOS", "3"));
        try {
            Files.deleteIfExists(file);
            assertEquals(3, EncodeStage.clipsAtOnce(EncoderProfile.nvenc(settings), settings));
            String key = NvencProbe.cacheKey(ffmpeg, ffmpeg.version(), NvencProbe.gpu());
            Files.createDirectories(file.getParent());
            Files.writeString(file, Json.write(Map.of(key, 1)));
            assertEquals(java.util.OptionalInt.of(1), NvencProbe.sessionCap(settings));
            assertEquals(1, EncodeStage.clipsAtOnce(EncoderProfile.nvenc(settings), settings));
        } finally {
            if (before != null) Files.write(file, before);
            else Files.deleteIfExists(file);
        }
    }

    @Test
    void jsonHasExactlyTheDocumentedShape() throws Exception {
        JsonNode json = Json.MAPPER.readTree(Json.write(NvencProbe.detect(Settings.defaults(), false)));
        assertEquals(Set.of("ffmpeg", "encoders", "gpu", "decision"), names(json));
        assertEquals(Set.of("path", "version"), names(json.get("ffmpeg")));
        assertEquals(Set.of("h264_nvenc", "hevc_nvenc"), names(json.get("encoders")));
        assertEquals(Set.of("listed", "available", "reason", "message"), names(json.get("encoders").get("h264_nvenc")));
        assertEquals(Set.of("encoder", "why"), names(json.get("decision")));
        assertTrue(json.get("gpu").isNull() || names(json.get("gpu")).equals(Set.of("name", "memoryMiB", "driver", "encoderSessions")));
    }

    private static Set<String> names(JsonNode node) {
        var set = new java.util.HashSet<String>();
        node.fieldNames().forEachRemaining(set::add);
        return set;
    }
}
