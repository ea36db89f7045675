package shortsmith;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * Side-by-side measurements: the seed's own ffmpeg commands against shortsmith's profiles, run on
 * the same scenes in the same run, reported as ratios (absolute times on shared machines are noisy).
 */
public final class Benchmark {
    private Benchmark() {}

    /** One profile's figures over the whole scene set. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String profile, boolean available, String reason, Double seconds, Double medianSeconds, Long bytes,
                      Double kbPerSecond, Double ssim, Double psnr, Double fps, Double realtime, Double ratioToSeed) {
        public static Row unavailable(String profile, String reason) {
            return new Row(profile, false, reason, null, null, null, null, null, null, null, null, null);
        }
    }

    /** A prepared scene: image, narration and the captions both pipelines burn in. */
    public record BenchScene(String id, Path image, Path audio, double audioSeconds, String text, Motion motion) {}

    /** The standard scene set: the demo story's photos with espeak-ng narration (cached in {@code dir}). */
    public static List<BenchScene> scenes(Story story, Path dir, Ffmpeg ffmpeg, int limit) throws IOException {
        Files.createDirectories(dir);
        List<BenchScene> scenes = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, story.scenes().size()); i++) {
            var s = story.scenes().get(i);
            Path audio = s.audio() != null ? Path.of(s.audio()) : dir.resolve(s.id() + "-" + Integer.toHexString(s.text().hashCode()) + ".wav");
            if (!Files.isRegularFile(audio)) {
                var r = Proc.run(List.of("espeak-ng", "-v", story.language(), "-s", "160", "-w", audio.toString(), s.text()), Duration.ofSeconds(60));
                if (!r.ok()) throw ShortsmithException.environment("espeak-ng failed: " + r.lastErrorLine());
            }
            double seconds = Narration.load(ffmpeg, audio).duration();
            scenes.add(new BenchScene(s.id(), Path.of(s.image()), audio, seconds, s.text(), story.motionOf(i)));
        }
        return scenes;
    }

    /**
     * The seed's builder command for one scene, as written in the plan: zoompan on a looped image,
     * libass captions, then the given video arguments (x264 ultrafast crf 23 today), AAC 192k.
     */
    public static List<String> seedCommand(Ffmpeg ffmpeg, BenchScene s, double seconds, Settings.Size size, int fps,
                                           List<String> videoArgs, Path out) {
        int frames = (int) Math.ceil(seconds * fps);
        String d = String.format(Locale.ROOT, "%.6f", seconds);
        String graph = "[0]scale=" + size.width() + ":" + size.height() + ",setsar=1:1,crop=" + size.width() + ":" + size.height()
                + ",zoompan=z='zoom+0.001':x=0:y=0:d=" + frames + ":s=" + size + ":fps=" + fps + "[bg];[bg]subtitles=captions.ass[v]";
        var cmd = new ArrayList<>(List.of(ffmpeg.ffmpeg().toString(), "-v", "error", "-y", "-loop", "1", "-t", d,
                "-i", s.image().toString(), "-i", s.audio().toString(), "-filter_complex", graph, "-map", "[v]", "-map", "1:a"));
        cmd.addAll(videoArgs);
        cmd.addAll(List.of("-c:a", "aac", "-b:a", "192k", "-pix_fmt", "yuv420p", "-t", d, out.toString()));
        return cmd;
    }

    /** The seed's x264 video arguments: builder.py today. */
    public static final List<String> SEED_ULTRAFAST = List.of("-c:v", "libx264", "-preset", "ultrafast", "-crf", "23");
    /** The seed's x264 plan: medium, film, crf 21, 6 threads. */
    public static final List<String> SEED_X264 = List.of("-c:v", "libx264", "-preset", "medium", "-tune", "film", "-crf", "21", "-threads", "6");
    /** The seed's NVENC command as written (its -b:v 5M is inert next to -cq). */
    public static final List<String> SEED_NVENC = List.of("-c:v", "h264_nvenc", "-preset", "p4", "-tune", "hq", "-rc", "vbr", "-cq", "23",
            "-b:v", "5M", "-maxrate", "8M", "-bufsize", "10M", "-spatial-aq", "1", "-temporal-aq", "1");
    /** Lossless x264 for the seed's own frames: the reference its quality is measured against. */
    public static final List<String> SEED_LOSSLESS = List.of("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0");

    /** Runs the seed's command for every scene in {@code dir}, each with its captions; returns the seconds. */
    public static double runSeed(Ffmpeg ffmpeg, List<BenchScene> scenes, Settings settings, List<String> videoArgs, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        var font = Captions.font(settings.clips().captionFont());
        double total = 0;
        for (BenchScene s : scenes) {
            Path sceneDir = Files.createDirectories(dir.resolve(s.id()));
            Captions.writeInto(sceneDir, captionsFor(ffmpeg, s, settings, font), font);
            // The same length as shortsmith's clip (narration + tail), so both render the same frames.
            double seconds = Math.ceil((s.audioSeconds() + settings.clips().tail()) * settings.video().fps()) / settings.video().fps();
            var cmd = seedCommand(ffmpeg, s, seconds, settings.video().size(), settings.video().fps(), videoArgs, dir.resolve(s.id() + ".mp4"));
            long t0 = System.nanoTime();
            var r = Proc.run(cmd, sceneDir, Duration.ofMinutes(30));
            total += (System.nanoTime() - t0) / 1e9;
            if (r.exitCode() != 0) throw new ShortsmithException(ExitCode.FAILED, "seed command failed for " + s.id() + ": " + r.lastErrorLine());
        }
        return total;
    }

    static String captionsFor(Ffmpeg ffmpeg, BenchScene s, Settings settings, Captions.CaptionFont font) {
        var words = Captions.estimate(s.text(), Narration.load(ffmpeg, s.audio()).speechSpan());
        return Captions.ass(words, settings.clips().captionStyle(), settings.video().size(), s.audioSeconds() + settings.clips().tail(), font);
    }

    /** shortsmith's encode of the scenes with {@code profile}; returns the seconds (forced: nothing cached). */
    public static double runOurs(List<BenchScene> scenes, Settings settings, EncoderProfile profile, Path dir) throws InterruptedException {
        var ffmpeg = Ffmpeg.locate(settings);
        List<ClipEncoder.Inputs> inputs = scenes.stream()
                .map(s -> new ClipEncoder.Inputs("benchmark", s.id(), s.text(), s.motion(), s.image(), s.audio(), null)).toList();
        int clips = Math.min(inputs.size(), EncodeStage.clipsAtOnce(profile, settings));
        var encoder = new ClipEncoder(ffmpeg, settings, EncodeStage.threadsFor(profile, clips));
        long t0 = System.nanoTime();
        Parallel.map(inputs, clips, in -> encoder.encode(in, dir.resolve(in.sceneId() + ".mp4"), true, f -> {}));
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Mean SSIM and PSNR (all planes) of each scene's clip in {@code dir} against {@code referenceDir}. */
    public static double[] quality(Ffmpeg ffmpeg, List<BenchScene> scenes, Path dir, Path referenceDir) {
        double ssim = 0, psnr = 0;
        for (BenchScene s : scenes) {
            var r = Proc.run(ffmpeg.command("-i", dir.resolve(s.id() + ".mp4").toString(), "-i", referenceDir.resolve(s.id() + ".mp4").toString(),
                    "-lavfi", "[0:v][1:v]ssim;[0:v][1:v]psnr", "-f", "null", "-"), Duration.ofMinutes(10));
            ssim += number(r.stderr(), "SSIM .*All:([\\d.]+)");
            double p = number(r.stderr(), "PSNR .*average:([\\d.]+|inf)");
            psnr += Double.isInfinite(p) ? 100 : p;
        }
        return new double[] {ssim / scenes.size(), psnr / scenes.size()};
    }

    private static double number(String text, String regex) {
        var m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + regex + " in ffmpeg's output");
        return m.group(1).equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
    }

    /** Total size of the scene clips in {@code dir}. */
    public static long bytes(List<BenchScene> scenes, Path dir) throws IOException {
        long total = 0;
        for (BenchScene s : scenes) total += Files.size(dir.resolve(s.id() + ".mp4"));
        return total;
    }

    /** Seconds of video the scenes make (narration plus tail, as encode renders them). */
    public static double videoSeconds(List<BenchScene> scenes, Settings settings) {
        return scenes.stream().mapToDouble(s -> Math.ceil((s.audioSeconds() + settings.clips().tail()) * settings.video().fps()) / settings.video().fps()).sum();
    }

    /** One motion measurement. */
    public record MotionRow(String method, double rmsJerkPx) {}

    /**
     * The smoothness of the seed's zoompan against shortsmith's zoom-in and pan, measured on a dots
     * test card rendered losslessly at the benchmark's size and rate (3 s).
     */
    public static List<MotionRow> motion(Ffmpeg ffmpeg, Settings settings, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        var size = settings.video().size();
        int fps = settings.video().fps();
        Path card = dir.resolve("dots.png");
        javax.imageio.ImageIO.write(MotionMetrics.dots(size.width() * 9 / 8, size.height() * 9 / 8), "png", card.toFile());
        Path silence = dir.resolve("silence.wav");
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "2.5",
                "file:" + silence), Duration.ofSeconds(30));
        if (!r.ok()) throw new IllegalStateException(r.stderr());
        Path seed = dir.resolve("seed-zoompan.mp4");
        int frames = 3 * fps;
        MotionMetrics.seedZoompan(ffmpeg, card, size, fps, frames, seed);
        List<MotionRow> rows = new ArrayList<>(List.of(new MotionRow("seed-zoompan", MotionMetrics.rmsJerk(ffmpeg, seed, size.width(), size.height()))));
        var quiet = Settings.loadWith(Map.of("CAPTION_STYLE", "none", "VIDEO_SIZE", size.toString(), "VIDEO_FPS", String.valueOf(fps)));
        var encoder = new ClipEncoder(ffmpeg, quiet, EncoderProfile.lossless());
        double worst = 0;
        for (Motion m : List.of(Motion.ZOOM_IN, Motion.PAN_LEFT)) {
            Path clip = dir.resolve("shortsmith-" + m.id() + ".mp4");
            encoder.encode(new ClipEncoder.Inputs("benchmark", "motion", "x", m, card, silence, null), clip, true, f -> {});
            worst = Math.max(worst, MotionMetrics.rmsJerk(ffmpeg, clip, size.width(), size.height()));
        }
        rows.add(new MotionRow("shortsmith", worst));
        return rows;
    }


}
