package shortsmith.benchmark;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Mp4Boxes;
import shortsmith.media.Proc;
import shortsmith.video.EncoderProfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a viewer sees after YouTube re-encodes a Short: the same scenes uploaded four ways (the
 * lossless render itself, an 8 Mbps upload as YouTube's guide suggests, shortsmith's default
 * x264 clips, and the previous default's), each encoded again as YouTube would, and compared with
 * the lossless render by SSIM, frame by frame.
 *
 * <p>The model of YouTube's encode: x264 {@code medium}, 2 Mbps average with a 3 Mbps peak and a
 * 4 Mbit buffer, closed GOPs of 2 s. YouTube serves 1080×1920 Shorts as H.264 (avc1) at about 2
 * Mbps, besides VP9 and AV1 for clients that take them; x264 medium at that rate is the closest
 * open stand-in for its H.264 rung: every upload loses detail in it, and what matters here is
 * how much less a cleaner upload loses. The model is the same for every upload, so the
 * differences are the uploads'.
 *
 * <p>Time: shortsmith's default clip encode against the previous default's, interleaved, on the
 * same scenes (the issue asks what the quality costs).
 */
public final class YouTubeEncode {
    private YouTubeEncode() {}

    /** YouTube's second encode, as modelled. */
    public static final List<String> YOUTUBE = List.of("-c:v", "libx264", "-preset", "medium", "-b:v", "2000k", "-maxrate", "3000k",
            "-bufsize", "4000k", "-bf", "2", "-flags", "+cgop", "-pix_fmt", "yuv420p");
    /** The 8 Mbps upload YouTube's guide suggests for 1080p at 24–30 fps, in its GOP shape. */
    public static final List<String> EIGHT_MBPS = List.of("-c:v", "libx264", "-preset", "medium", "-b:v", "8000k", "-maxrate", "12000k",
            "-bufsize", "16000k", "-bf", "2", "-flags", "+cgop", "-pix_fmt", "yuv420p");

    /**
     * The x264 default before this round (veryfast, CRF 19, the fast analysis options, veryfast's
     * 3 B-frames, a keyframe every 2 s), in today's argument shape: x264's own options win over
     * ffmpeg's -bf and -g.
     */
    public static EncoderProfile.X264 previousDefault(int fps) {
        return new EncoderProfile.X264("veryfast", "none", 19, 0, "subme=1:me=dia:partitions=none:weightp=0:bframes=3:keyint=" + 2 * fps);
    }

    /** One upload: its bitrate, its SSIM against the lossless render, and after YouTube's encode. */
    public record Row(String upload, double kbPerSecond, double ssimUpload, double ssimAfterYouTube, double ssimDbAfterYouTube) {}

    /** The rows, and the encode time of shortsmith's default against the previous default's (median of interleaved runs). */
    public record Result(String size, int fps, int scenes, double seconds, List<Row> rows, double defaultSeconds, double previousSeconds,
                         double timeRatio, String model) {}

    /**
     * Runs the comparison on {@code scenes} at 1080×1920/30 (the Short's own size), in {@code dir}.
     * {@code runs} interleaved timing runs of the two defaults.
     */
    public static Result measure(List<Benchmark.BenchScene> scenes, Settings base, Path dir, int runs, java.util.function.Consumer<String> note)
            throws Exception {
        var settings = Settings.loadWith(Map.of("VIDEO_SIZE", "1080x1920", "VIDEO_FPS", "30", "CLIP_TAIL", String.valueOf(base.clips().tail())));
        var ffmpeg = Ffmpeg.locate(settings);
        int fps = settings.video().fps();
        Files.createDirectories(dir);
        note.accept("youtube: the lossless render at 1080x1920…");
        Benchmark.runOurs(scenes, settings, EncoderProfile.lossless(), dir.resolve("lossless"));
        Path lossless = join(ffmpeg, scenes, dir.resolve("lossless"), dir.resolve("lossless.mp4"));

        var today = EncoderProfile.x264(settings);
        var previous = previousDefault(fps);
        List<Double> todayTimes = new ArrayList<>(), previousTimes = new ArrayList<>();
        for (int run = 1; run <= Math.max(1, runs); run++) {
            note.accept("youtube: shortsmith's x264 default against the previous one (run " + run + " of " + runs + ")…");
            previousTimes.add(Benchmark.runOurs(scenes, settings, previous, dir.resolve("previous")));
            todayTimes.add(Benchmark.runOurs(scenes, settings, today, dir.resolve("default")));
        }
        Path ours = join(ffmpeg, scenes, dir.resolve("default"), dir.resolve("default.mp4"));
        Path before = join(ffmpeg, scenes, dir.resolve("previous"), dir.resolve("previous.mp4"));
        note.accept("youtube: the 8 Mbps upload…");
        Path eight = encode(ffmpeg, lossless, EIGHT_MBPS, fps, dir.resolve("8mbps.mp4"));

        List<Row> rows = new ArrayList<>();
        double seconds = Mp4Boxes.read(lossless).seconds();
        for (var upload : List.of(Map.entry("lossless render", lossless), Map.entry("8 Mbps (x264 medium)", eight),
                Map.entry("shortsmith's default", ours), Map.entry("the previous default", before))) {
            note.accept("youtube: " + upload.getKey() + " encoded again as YouTube would…");
            Path yt = encode(ffmpeg, upload.getValue(), YOUTUBE, fps, dir.resolve("youtube-" + upload.getValue().getFileName()));
            double up = upload.getValue().equals(lossless) ? 1.0 : ssim(ffmpeg, upload.getValue(), lossless, fps);
            double after = ssim(ffmpeg, yt, lossless, fps);
            rows.add(new Row(upload.getKey(), Files.size(upload.getValue()) * 8 / 1000.0 / seconds, up, after, -10 * Math.log10(1 - after)));
        }
        double t = Benchmark.median(todayTimes), p = Benchmark.median(previousTimes);
        return new Result(settings.video().size().toString(), fps, scenes.size(), seconds, List.copyOf(rows), t, p, t / p,
                String.join(" ", YOUTUBE));
    }

    /** The clips of {@code clipDir} joined by stream copy, video only. */
    static Path join(Ffmpeg ffmpeg, List<Benchmark.BenchScene> scenes, Path clipDir, Path out) throws IOException {
        var list = new StringBuilder("ffconcat version 1.0\n");
        for (var s : scenes) list.append("file '").append(clipDir.resolve(s.id() + ".mp4").toAbsolutePath()).append("'\n");
        Path listFile = clipDir.resolve("clips.ffconcat");
        Files.writeString(listFile, list);
        List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", "file:" + listFile,
                "-map", "0:v:0", "-c", "copy"));
        cmd.addAll(Mp4Boxes.MUX_ARGS);
        cmd.add("file:" + out);
        run(cmd, "joining " + clipDir);
        return out;
    }

    /** {@code input}'s video encoded with {@code args}, a closed GOP of 2 s. */
    static Path encode(Ffmpeg ffmpeg, Path input, List<String> args, int fps, Path out) {
        List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + input, "-map", "0:v:0"));
        cmd.addAll(args);
        cmd.addAll(List.of("-g", String.valueOf(2 * fps)));
        cmd.addAll(Mp4Boxes.MUX_ARGS);
        cmd.add("file:" + out);
        run(cmd, "encoding " + out.getFileName());
        return out;
    }

    /** Mean SSIM (all planes) of {@code a} against {@code b}, frames paired by their index (timestamps aside). */
    public static double ssim(Ffmpeg ffmpeg, Path a, Path b, int fps) {
        String pair = "settb=1/" + fps + ",setpts=N";
        var r = Proc.run(ffmpeg.command("-i", "file:" + a, "-i", "file:" + b, "-lavfi",
                "[0:v]" + pair + "[a];[1:v]" + pair + "[b];[a][b]ssim", "-f", "null", "-"), Duration.ofMinutes(30));
        var m = Pattern.compile("SSIM .*All:([\\d.]+)").matcher(r.stderr());
        if (!r.ok() || !m.find()) throw new ShortsmithException(ExitCode.FAILED, "ssim of " + a + " failed: " + r.lastErrorLine());
        return Double.parseDouble(m.group(1));
    }

    private static void run(List<String> cmd, String what) {
        var r = Proc.run(cmd, Duration.ofHours(2));
        if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "benchmark: ffmpeg failed " + what + ": " + r.lastErrorLine());
    }

    /** The result as a Markdown table. */
    public static String markdown(Result r) {
        var md = new StringBuilder(String.format(Locale.ROOT, "%n| after YouTube's encode (%s, %d scenes, %.1f s at %s/%d) | upload kb/s | SSIM of the upload "
                + "| SSIM after YouTube | SSIM dB |%n|---|---:|---:|---:|---:|%n", "x264 medium 2 Mbps", r.scenes(), r.seconds(), r.size(), r.fps()));
        r.rows().forEach(row -> md.append(String.format(Locale.ROOT, "| %s | %.0f | %.4f | %.4f | %.2f |%n", row.upload(), row.kbPerSecond(),
                row.ssimUpload(), row.ssimAfterYouTube(), row.ssimDbAfterYouTube())));
        md.append(String.format(Locale.ROOT, "%nEncode time of shortsmith's x264 default against the previous default, same scenes, interleaved: "
                + "%.2f s against %.2f s (× %.2f).%n", r.defaultSeconds(), r.previousSeconds(), r.timeRatio()));
        return md.toString();
    }
}
