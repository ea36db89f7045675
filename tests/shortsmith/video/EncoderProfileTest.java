package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.media.Ffmpeg;

import org.junit.jupiter.api.Test;

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
        assertEquals("50", args.get(args.indexOf("-g") + 1));
        assertEquals("yuv420p", args.get(args.indexOf("-pix_fmt") + 1));
    }

    @Test
    void profilesReadWellInJshell() {
        assertEquals("X264[preset=veryfast, tune=none, crf=19, threads=0, params=subme=1:me=dia:partitions=none:weightp=0]",
                EncoderProfile.x264(Settings.defaults()).toString());
    }
}
