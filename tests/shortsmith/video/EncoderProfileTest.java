package shortsmith.video;

import shortsmith.core.Motion;
import shortsmith.core.Settings;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Mp4Boxes;
import shortsmith.testing.StoryFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EncoderProfileTest {
    private static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    @Test
    void everyNvencOptionAndValueIsAcceptedByTheInstalledFfmpeg() {
        var h264 = EncoderOptions.of(FFMPEG, "h264_nvenc");
        var hevc = EncoderOptions.of(FFMPEG, "hevc_nvenc");
        for (String preset : Settings.NVENC_PRESETS) {
            for (int cq : new int[] {0, 1, 23, 51}) {
                var profile = EncoderProfile.nvenc(Settings.of(Map.of("FFMPEG_PRESET", preset, "FFMPEG_CQ", String.valueOf(cq))));
                assertEquals(List.of(), h264.problems(profile.privateOptions()), profile.toString());
                assertEquals(List.of(), hevc.problems(profile.withCodec("hevc_nvenc").privateOptions()));
            }
        }
        assertTrue(h264.pixelFormats().contains("yuv420p"));
    }

    @Test
    void theCheckerRejectsWhatNvencDoesNotKnow() {
        var h264 = EncoderOptions.of(FFMPEG, "h264_nvenc");
        assertEquals(1, h264.problems(Map.of("preset", "p9")).size());
        assertEquals(1, h264.problems(Map.of("cq", "52")).size());
        assertEquals(1, h264.problems(Map.of("tune", "film")).size());
        assertEquals(1, h264.problems(Map.of("crf", "23")).size(), "crf is x264's, not NVENC's");
        assertEquals(1, h264.problems(Map.of("spatial-aq", "2")).size());
    }

    @Test
    void nvencDropsTheInertAverageBitrateWhenAQualityTargetIsSet() {
        var withCq = EncoderProfile.nvenc(Settings.defaults()).videoArgs(30);
        assertEquals("0", withCq.get(withCq.indexOf("-b:v") + 1));
        assertEquals("8M", withCq.get(withCq.indexOf("-maxrate") + 1));
        assertEquals("23", withCq.get(withCq.indexOf("-cq:v") + 1));
        var bitrateOnly = EncoderProfile.nvenc(Settings.of(Map.of("FFMPEG_CQ", "0"))).videoArgs(30);
        assertEquals("5M", bitrateOnly.get(bitrateOnly.indexOf("-b:v") + 1));
        assertFalse(bitrateOnly.contains("-cq:v"));
    }

    @Test
    void x264AndLosslessOptionsAreAcceptedByTheInstalledFfmpeg() {
        var x264 = EncoderOptions.of(FFMPEG, "libx264");
        for (String preset : Settings.X264_PRESETS) {
            for (String tune : Settings.X264_TUNES) {
                var p = EncoderProfile.x264(Settings.of(Map.of("X264_PRESET", preset, "X264_TUNE", tune)));
                assertEquals(List.of(), x264.problems(p.privateOptions()), p.toString());
            }
        }
        assertEquals(List.of(), x264.problems(EncoderProfile.lossless().privateOptions()));
        var args = EncoderProfile.x264(Settings.of(Map.of("X264_THREADS", "3"))).videoArgs(25);
        assertEquals("3", args.get(args.indexOf("-threads") + 1));
        assertEquals("25", args.get(args.indexOf("-g") + 1), "a keyframe every second");
        assertEquals("yuv420p", args.get(args.indexOf("-pix_fmt") + 1));
    }

    @Test
    void profilesReadWellInJshell() {
        assertEquals("X264[preset=veryfast, tune=none, crf=14, threads=0, params=subme=1:me=dia:partitions=none:weightp=0:mbtree=0:aq-mode=0]",
                EncoderProfile.x264(Settings.defaults()).toString());
    }

    /** A profile's generic arguments (after its private ones) as option → value. */
    static Map<String, String> pairs(List<String> args) {
        var m = new LinkedHashMap<String, String>();
        for (int i = 0; i + 1 < args.size(); i += 2) m.put(args.get(i).substring(1), args.get(i + 1));
        return m;
    }

    @Test
    void nvencAndX264GetYouTubesGopShapeInOptionsFfmpegAccepts() {
        var generic = EncoderOptions.codecContext(FFMPEG);
        var x264 = EncoderProfile.x264(Settings.defaults());
        var nvenc = EncoderProfile.nvenc(Settings.defaults());
        for (EncoderProfile p : List.of(x264, nvenc)) {
            var gop = pairs(p.gopArgs(30));
            assertEquals(Map.of("bf", "2", "g", "30", "flags", "+cgop"), gop, p.name());
            assertEquals(List.of(), generic.problems(gop), p.name());
            var args = p.videoArgs(30);
            assertTrue(java.util.Collections.indexOfSubList(args, List.of("-bf", "2", "-g", "30", "-flags", "+cgop")) > 0, args.toString());
        }
        assertEquals(1, generic.problems(Map.of("flags", "+opengop")).size(), "the checker knows the flags");
        assertEquals(List.of(), EncoderOptions.of(FFMPEG, "h264_nvenc").problems(nvenc.privateOptions()));
    }

    /** Renders the dots test card moving by {@code motion} at 360×640/25 with {@code profile}. */
    static Path dotsClip(Path dir, Motion motion, Settings settings, EncoderProfile profile) throws Exception {
        Path card = dir.resolve("dots.png");
        if (!java.nio.file.Files.exists(card)) ImageIO.write(MotionMetrics.dots(432, 768), "png", card.toFile());
        Path wav = dir.resolve("n.wav");
        if (!java.nio.file.Files.exists(wav)) StoryFixture.speak("Uno, dos, tres, cuatro, cinco.", wav);
        Path clip = dir.resolve(profile.name() + "-" + motion.id() + ".mp4");
        new ClipEncoder(FFMPEG, settings, profile).encode(new ClipEncoder.Inputs("test", "m", "x", motion, card, wav, null), clip, true, f -> {});
        return clip;
    }

    @Test
    void theDefaultX264ClipIsSmoothAfterEncodingAndHasYouTubesGop(@TempDir Path dir) throws Exception {
        var values = new HashMap<>(StoryFixture.SMALL);
        values.put("CAPTION_STYLE", "none");
        var settings = Settings.of(values);
        var profile = EncoderProfile.x264(settings);
        for (Motion m : List.of(Motion.PAN_LEFT, Motion.ZOOM_IN)) {
            Path clip = dotsClip(dir, m, settings, profile);
            double jerk = MotionMetrics.rmsJerk(FFMPEG, clip, 360, 640);
            assertTrue(jerk <= 0.05, m + ": RMS jerk of the tracked dots in the encoded clip " + jerk + " px/frame²");
            var video = Mp4Boxes.read(clip).of("vide").getFirst();
            assertEquals(2, video.longestBRun(), m + ": 2 consecutive B-frames");
            assertTrue(video.longestKeyframeInterval() <= 1.0 + 1e-6, m + ": keyframes " + video.longestKeyframeInterval() + " s apart");
            assertEquals(List.of(), video.openGops());
            assertFalse(video.hasEditList());
        }
    }
}
