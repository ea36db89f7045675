package shortsmith.video;

import shortsmith.core.Settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a clip's video is encoded: NVENC on the GPU, x264 on the CPU, or lossless (the quality
 * reference). Each turns into ffmpeg arguments; every clip of a story uses one profile, so the
 * clips can be joined without re-encoding.
 *
 * <pre>jshell> EncoderProfile.nvenc(Settings.defaults()).videoArgs(30)</pre>
 */
public sealed interface EncoderProfile {

    /** Short name used by --profile and in reports: nvenc, x264, lossless. */
    String name();

    /** The ffmpeg encoder: h264_nvenc, hevc_nvenc, libx264. */
    String codec();

    /** The encoder's own options (as in {@code ffmpeg -h encoder=CODEC}), in command-line order. */
    Map<String, String> privateOptions();

    /** Everything ffmpeg needs after the filtergraph to encode the video at {@code fps}. */
    default List<String> videoArgs(int fps) {
        var args = new ArrayList<>(List.of("-c:v", codec()));
        // ":v" keeps options such as -profile and -preset away from the audio encoder.
        privateOptions().forEach((k, v) -> { args.add("-" + k + ":v"); args.add(v); });
        args.addAll(rateArgs());
        args.addAll(gopArgs(fps));
        args.addAll(List.of("-pix_fmt", "yuv420p"));
        return args;
    }

    /**
     * The GOP YouTube's upload recommendations ask for: 2 consecutive B-frames, closed GOPs, a
     * keyframe every second (a GOP of {@code fps} frames). ffmpeg hands {@code -bf} and {@code -g}
     * to x264 and NVENC alike (NVENC: frameIntervalP = 3, gopLength = idrPeriod = fps, so every
     * GOP opens with an IDR frame and none reaches back into the one before).
     */
    default List<String> gopArgs(int fps) {
        return List.of("-bf", String.valueOf(B_FRAMES), "-g", String.valueOf(fps), "-flags", "+cgop");
    }

    /** Consecutive B-frames, as YouTube recommends. */
    int B_FRAMES = 2;

    /** Generic (non-private) rate-control arguments such as -b:v and -maxrate. */
    default List<String> rateArgs() { return List.of(); }

    /**
     * NVENC, following the seed (preset, {@code -tune hq}, VBR with a CQ target, maxrate, spatial and
     * temporal AQ) minus what is inert: with {@code -cq} set, ffmpeg ≥ 4.3 ignores an average
     * bitrate, so {@code -b:v} is 0 and only {@code -maxrate} caps the rate. {@code cq = 0} means no
     * quality target; then {@code bitrate} is the VBR average.
     */
    record Nvenc(String codec, String preset, int cq, String bitrate, String maxrate, String bufsize)
            implements EncoderProfile {
        public String name() { return "nvenc"; }

        public Map<String, String> privateOptions() {
            var o = new LinkedHashMap<String, String>();
            o.put("preset", preset);
            o.put("tune", "hq");
            o.put("rc", "vbr");
            if (cq > 0) o.put("cq", String.valueOf(cq));
            o.put("spatial-aq", "1");
            o.put("temporal-aq", "1");
            o.put("profile", codec.startsWith("hevc") ? "main" : "high");
            return o;
        }

        @Override
        public List<String> rateArgs() {
            return List.of("-b:v", cq > 0 ? "0" : bitrate, "-maxrate", maxrate, "-bufsize", bufsize);
        }

        /** The same settings for another NVENC codec (hevc_nvenc for the probe). */
        public Nvenc withCodec(String other) { return new Nvenc(other, preset, cq, bitrate, maxrate, bufsize); }

        /** The same settings at another preset (p1…p7). */
        public Nvenc withPreset(String other) { return new Nvenc(codec, other, cq, bitrate, maxrate, bufsize); }
    }

    /** x264 on the CPU. {@code threads = 0} lets x264 choose (1.5 × logical CPUs). */
    record X264(String preset, String tune, int crf, int threads, String params) implements EncoderProfile {
        public String name() { return "x264"; }

        public String codec() { return "libx264"; }

        public Map<String, String> privateOptions() {
            var o = new LinkedHashMap<String, String>();
            o.put("preset", preset);
            if (!tune.equals("none")) o.put("tune", tune);
            o.put("crf", String.valueOf(crf));
            o.put("profile", "high");
            if (!params.isEmpty()) o.put("x264-params", params);
            return o;
        }

        @Override
        public List<String> rateArgs() {
            return threads > 0 ? List.of("-threads", String.valueOf(threads)) : List.of();
        }

        /** The same settings with another thread count (0 = x264's default). */
        public X264 withThreads(int n) { return new X264(preset, tune, crf, n, params); }
    }

    /** Mathematically lossless H.264 of the yuv420p frames: the reference quality is measured against. */
    record Lossless() implements EncoderProfile {
        public String name() { return "lossless"; }

        public String codec() { return "libx264"; }

        public Map<String, String> privateOptions() {
            var o = new LinkedHashMap<String, String>();
            o.put("preset", "ultrafast");
            o.put("qp", "0");
            return o;
        }

        /** A reference, not an upload: no B-frames (ultrafast has none), a keyframe every second. */
        @Override
        public List<String> gopArgs(int fps) { return List.of("-bf", "0", "-g", String.valueOf(fps), "-flags", "+cgop"); }
    }

    static Nvenc nvenc(Settings settings) {
        var e = settings.encoding();
        return new Nvenc("h264_nvenc", e.nvencPreset(), e.cq(), e.bitrate(), e.maxrate(), e.bufsize());
    }

    static X264 x264(Settings settings) {
        var e = settings.encoding();
        return new X264(e.x264Preset(), e.x264Tune(), e.x264Crf(), e.x264Threads(), e.x264Params());
    }

    static Lossless lossless() { return new Lossless(); }
}
