package shortsmith.benchmark;

import shortsmith.video.Framing;
import shortsmith.video.Saliency;
import shortsmith.video.TestCards;

import shortsmith.video.NvencProbe;

import shortsmith.audio.MediaReport;
import shortsmith.audio.Merge;
import shortsmith.audio.Soundtrack;
import shortsmith.concurrency.Parallel;
import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Motion;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.SpeechTrim;
import shortsmith.pipeline.Batch;
import shortsmith.pipeline.Pipeline;
import shortsmith.pipeline.Timeline;
import shortsmith.providers.ImageProvider;
import shortsmith.providers.ImageStage;
import shortsmith.providers.SpeechStage;
import shortsmith.video.Captions;
import shortsmith.video.ClipEncoder;
import shortsmith.video.EncodeStage;
import shortsmith.video.EncoderProfile;
import shortsmith.video.MotionMetrics;

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
    public record Row(String profile, boolean available, NvencProbe.Reason reason, String message, Double seconds, Double medianSeconds,
                      Long bytes, Double kbPerSecond, Double ssim, Double psnr, Double vmaf, Double fps, Double realtime,
                      Double ratioToSeed, Double peakMemoryMb) {
        /**
         * A row that could not run, with the probe's classification and ffmpeg's own words apart,
         * in the shape {@code detect-nvenc --json} gives them.
         */
        public static Row unavailable(String profile, NvencProbe.EncoderStatus status) {
            return new Row(profile, false, status.reason(), status.message(), null, null, null, null, null, null, null, null, null, null, null);
        }

        /** A row that ran. */
        public static Row measured(String profile, Double seconds, Double medianSeconds, Long bytes, Double kbPerSecond, Double ssim,
                                   Double psnr, Double vmaf, Double fps, Double realtime, Double ratioToSeed, Double peakMemoryMb) {
            return new Row(profile, true, null, null, seconds, medianSeconds, bytes, kbPerSecond, ssim, psnr, vmaf, fps, realtime,
                    ratioToSeed, peakMemoryMb);
        }
    }

    /**
     * A prepared scene: image, narration (its length as a clip plays it: the speech, trimmed; see
     * {@link SpeechTrim}) and the captions both pipelines burn in. {@code motion} is
     * the scene's own, or null: then the move is chosen around the subject, as {@code encode} does
     * (a zoom in for the demo's portrait photographs).
     */
    public record BenchScene(String id, Path image, Path audio, double audioSeconds, String text, Motion motion) {}

    /** A scene's inputs as encode gives them: its place in the story ({@code turn}) chooses its move when none is named. */
    static ClipEncoder.Inputs inputs(BenchScene s, Motion motion, int turn, List<Story.Word> words) {
        return new ClipEncoder.Inputs("benchmark", s.id(), s.text(), motion, s.image(), s.audio(), words, null, turn, null, null, null);
    }

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
            double seconds = SpeechTrim.of(Narration.load(ffmpeg, audio)).seconds();   // what a clip plays of it
            scenes.add(new BenchScene(s.id(), Path.of(s.image()), audio, seconds, s.text(), s.motion()));
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
            double seconds = clipSeconds(s, settings);
            var cmd = seedCommand(ffmpeg, s, seconds, settings.video().size(), settings.video().fps(), videoArgs, dir.resolve(s.id() + ".mp4"));
            long t0 = System.nanoTime();
            var r = Proc.run(cmd, sceneDir, Duration.ofMinutes(30));
            total += (System.nanoTime() - t0) / 1e9;
            if (r.exitCode() != 0) throw new ShortsmithException(ExitCode.FAILED, "seed command failed for " + s.id() + ": " + r.lastErrorLine());
        }
        return total;
    }

    static String captionsFor(Ffmpeg ffmpeg, BenchScene s, Settings settings, Captions.CaptionFont font) {
        var narration = Narration.load(ffmpeg, s.audio());
        var words = SpeechTrim.of(narration).shift(shortsmith.media.WordTiming.estimate(s.text(), narration.speechSpan()));
        // At the benchmark's own size and frame rate (the short overload draws at 30 fps).
        var spec = new Captions.Spec(settings.clips().captionStyle(), settings.captions(), null, settings.video().size(), settings.video().fps(), font);
        return Captions.ass(words, spec, clipSeconds(s, settings), null);
    }

    /** shortsmith's encode of the scenes with {@code profile}; returns the seconds (forced: nothing cached). */
    public static double runOurs(List<BenchScene> scenes, Settings settings, EncoderProfile profile, Path dir) throws InterruptedException {
        var ffmpeg = Ffmpeg.locate(settings);
        List<ClipEncoder.Inputs> inputs = java.util.stream.IntStream.range(0, scenes.size())
                .mapToObj(i -> inputs(scenes.get(i), scenes.get(i).motion(), i, null)).toList();
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
        return scenes.stream().mapToDouble(s -> clipSeconds(s, settings)).sum();
    }

    /** How long shortsmith's clip of a scene lasts: its trimmed narration plus the tail, in whole frames. */
    static double clipSeconds(BenchScene s, Settings settings) {
        var frames = new ClipEncoder(Ffmpeg.locate(settings), settings, EncoderProfile.lossless()).frames(s.audioSeconds());
        return (double) frames / settings.video().fps();
    }

    /** One motion measurement. */
    public record MotionRow(String method, double rmsJerkPx) {}

    /**
     * The smoothness of the seed's zoompan against shortsmith's zoom-in and pan, measured on a dots
     * test card at the benchmark's size and rate (2.5 s): rendered losslessly, and encoded with the
     * x264 default and the previous one (the worst of the two moves each).
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
        // The move as rendered (lossless), then as a viewer gets it: after the default x264 encode, and after the previous default's.
        for (var p : List.of(Map.entry("shortsmith, rendered (lossless)", (EncoderProfile) EncoderProfile.lossless()),
                Map.entry("shortsmith, after its x264 default", EncoderProfile.x264(quiet)),
                Map.entry("shortsmith, after the previous x264 default", YouTubeEncode.previousDefault(fps)))) {
            var encoder = new ClipEncoder(ffmpeg, quiet, p.getValue());
            double worst = 0;
            for (Motion m : List.of(Motion.ZOOM_IN, Motion.PAN_LEFT)) {
                Path clip = dir.resolve("shortsmith-" + rows.size() + "-" + m.id() + ".mp4");
                encoder.encode(new ClipEncoder.Inputs("benchmark", "motion", "x", m, card, silence, null), clip, true, f -> {});
                worst = Math.max(worst, MotionMetrics.rmsJerk(ffmpeg, clip, size.width(), size.height()));
            }
            rows.add(new MotionRow(p.getKey(), worst));
        }
        return rows;
    }

    /** Framing: the share of frames that hold the subject wholly, before (geometry alone) and after (subject-aware). */
    public record FramingRow(String picture, int scenes, double before, double after, double worstAfter, double detectMillis) {}

    /**
     * On pictures whose subject is known (a disc near each edge and corner, on a busy texture), for
     * every motion: the subject found by {@link Saliency} and the move planned around it, against
     * the moves planned from geometry alone, each measured against where the subject truly is in
     * every frame of a 5 s scene.
     */
    public static List<FramingRow> framing(Settings settings) {
        var size = settings.video().size();
        double aspect = (double) size.width() / size.height();
        int frames = 5 * settings.video().fps();
        List<FramingRow> rows = new ArrayList<>();
        for (int[] wh : new int[][] {{even(size.width() * Motion.MARGIN), even(size.height() * Motion.MARGIN)}, {1920, 1080}}) {
            int w = wh[0], h = wh[1], scenes = 0;
            double before = 0, after = 0, worst = 1, millis = 0;
            for (double[] p : TestCards.PLACES) {
                var card = TestCards.subject(w, h, p[0], p[1], 11);
                var truth = TestCards.subjectBox(w, h, p[0], p[1]);
                long t0 = System.nanoTime();
                var found = Saliency.subject(card).orElse(null);
                millis += (System.nanoTime() - t0) / 1e6;
                for (Motion m : Motion.moves()) {
                    double b = Framing.shareHolding(Framing.geometryOnly(w, h, aspect, m), truth, w, h, frames);
                    double a = Framing.shareHolding(Framing.plan(w, h, aspect, found, m), truth, w, h, frames);
                    before += b;
                    after += a;
                    worst = Math.min(worst, a);
                    scenes++;
                }
            }
            rows.add(new FramingRow(w + "x" + h, scenes, before / scenes, after / scenes, worst, millis / TestCards.PLACES.length));
        }
        return rows;
    }

    private static int even(double v) { return (int) Math.ceil(v / 2) * 2; }

    /** Whether this ffmpeg can compute VMAF (Debian's 5.1 build has no libvmaf). */
    public static boolean hasVmaf(Ffmpeg ffmpeg) {
        var r = Proc.run(ffmpeg.command("-filters"), Duration.ofSeconds(20));
        return r.stdout().lines().anyMatch(l -> l.matches("\\s*\\S+\\s+libvmaf\\s.*"));
    }

    /** Mean VMAF of each scene's clip in {@code dir} against {@code referenceDir}. */
    public static double vmaf(Ffmpeg ffmpeg, List<BenchScene> scenes, Path dir, Path referenceDir) {
        double total = 0;
        for (BenchScene s : scenes) {
            var r = Proc.run(ffmpeg.command("-i", dir.resolve(s.id() + ".mp4").toString(), "-i", referenceDir.resolve(s.id() + ".mp4").toString(),
                    "-lavfi", "[0:v][1:v]libvmaf", "-f", "null", "-"), Duration.ofMinutes(30));
            total += number(r.stderr(), "VMAF score: ([\\d.]+)");
        }
        return total / scenes.size();
    }

    /** A measurement with the wall time and the peak resident memory of this JVM and its child processes. */
    public record Measured<T>(T value, double seconds, double peakMemoryMb) {}

    @FunctionalInterface
    public interface Work<T> {
        T run() throws Exception;
    }

    /** Runs {@code work}, sampling the memory of the process tree every 50 ms. */
    public static <T> Measured<T> measured(Work<T> work) throws Exception {
        var peak = new java.util.concurrent.atomic.AtomicLong(treeRssKb());
        var running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                peak.accumulateAndGet(treeRssKb(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        try {
            T value = work.run();
            return new Measured<>(value, (System.nanoTime() - t0) / 1e9, peak.get() / 1024.0);
        } finally {
            running.set(false);
            sampler.interrupt();
        }
    }

    /** Resident memory of this process and all its descendants, in kB (Linux /proc). */
    static long treeRssKb() {
        long total = 0;
        for (var h : (Iterable<ProcessHandle>) java.util.stream.Stream.concat(java.util.stream.Stream.of(ProcessHandle.current()),
                ProcessHandle.current().descendants())::iterator) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + h.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) total += Long.parseLong(line.replaceAll("\\D+", ""));
                }
            } catch (IOException | RuntimeException ignored) {
                // the process ended while being read
            }
        }
        return total;
    }

    /** Physical cores (distinct physical id + core id pairs in /proc/cpuinfo), else the logical count. */
    public static int physicalCores() {
        try {
            var pairs = new java.util.HashSet<String>();
            String physical = "0";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("physical id")) physical = line.replaceAll(".*:\\s*", "");
                if (line.startsWith("core id")) pairs.add(physical + "/" + line.replaceAll(".*:\\s*", ""));
            }
            return pairs.isEmpty() ? Runtime.getRuntime().availableProcessors() : pairs.size();
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** One x264 thread setting of the seed's CPU plan. */
    public record ThreadsRow(String threads, int value, double seconds) {}

    /** The seed's medium/film x264 plan with {@code -threads} auto, physical cores and logical cores. */
    public static List<ThreadsRow> threads(Ffmpeg ffmpeg, List<BenchScene> scenes, Settings settings, Path dir) throws IOException {
        int physical = physicalCores(), logical = Runtime.getRuntime().availableProcessors();
        List<ThreadsRow> rows = new ArrayList<>();
        for (var t : List.of(Map.entry("auto", 0), Map.entry("physical", physical), Map.entry("logical", logical))) {
            var args = new ArrayList<>(SEED_X264.subList(0, SEED_X264.size() - 2));
            args.addAll(List.of("-threads", String.valueOf(t.getValue())));
            rows.add(new ThreadsRow(t.getKey(), t.getValue(), runSeed(ffmpeg, scenes, settings, args, dir.resolve("threads-" + t.getKey()))));
        }
        return rows;
    }

    /**
     * The render alone (Ken Burns in Java with the captions burned in, no encoder), per frame on one
     * core, at one size: the median, least and most over the scenes as {@code encode} moves them,
     * and pans and zooms apart (a pan is a one-to-one slide, a zoom resamples), the pans from the
     * same scenes made to pan; and whether the Vector API drew them.
     */
    public record RenderRow(String size, int scenes, int framesEach, double medianMillis, double minMillis, double maxMillis,
                            Double panMillis, Double zoomMillis, double framesPerSecondPerCore, boolean vectorApi) {}

    /**
     * Each scene's move rendered alone on one thread at {@code size} (the issue's figures are at
     * 1080×1920), then the scene made to pan: what an NVENC encode, whose encoder costs the CPU
     * little, can go at per core.
     */
    public static RenderRow render(Ffmpeg ffmpeg, List<BenchScene> scenes, Settings settings, String size, int framesEach) {
        var at = Settings.of(Map.of("VIDEO_SIZE", size, "VIDEO_FPS", String.valueOf(settings.video().fps())));
        var encoder = new ClipEncoder(ffmpeg, at, EncoderProfile.x264(at));
        Motion[] pans = {Motion.PAN_LEFT, Motion.PAN_RIGHT, Motion.PAN_UP, Motion.PAN_DOWN};
        List<Double> millis = new ArrayList<>(), panned = new ArrayList<>(), zoomed = new ArrayList<>();
        boolean vectorApi = false;
        for (int i = 0; i < scenes.size(); i++) {
            BenchScene s = scenes.get(i);
            for (boolean asEncodeMovesIt : new boolean[] {true, false}) {
                Motion motion = asEncodeMovesIt ? s.motion() : pans[i % pans.length];
                var in = inputs(s, motion, i, List.of());
                var speed = encoder.renderSpeed(in, framesEach);
                vectorApi = speed.vectorApi();
                if (asEncodeMovesIt) millis.add(speed.millisPerFrame());
                (speed.pan() ? panned : zoomed).add(speed.millisPerFrame());
            }
        }
        double median = median(millis);
        return new RenderRow(size, scenes.size(), framesEach, median, java.util.Collections.min(millis), java.util.Collections.max(millis),
                panned.isEmpty() ? null : median(panned), zoomed.isEmpty() ? null : median(zoomed), 1000 / median, vectorApi);
    }

    /** A merge's figures: time, how long the result lasts against the video, and its loudness. */
    public record MergeRow(String method, double medianSeconds, double minSeconds, double outputSeconds, double videoSeconds,
                           double loudness, Double ratioToSeed) {}

    /**
     * The seed's merge command against shortsmith's merge, interleaved, on the same clips (encoded by
     * the x264 row) with 90 s of music, as in the seed's measured run. Ours twice: with nothing
     * prepared (the soundtrack built inside the merge), and as it runs after {@code encode} or
     * inside {@code short} (the soundtrack already built under the clips).
     */
    public static List<MergeRow> merge(Ffmpeg ffmpeg, List<BenchScene> scenes, Settings settings, Path clips, Path dir, int runs)
            throws Exception {
        Files.createDirectories(dir);
        Path music = Soundtrack.demoMusic(ffmpeg, dir.resolve("pad-96s.wav"), 90);
        var list = new StringBuilder();
        List<Story.Scene> storyScenes = new ArrayList<>();
        for (BenchScene s : scenes) {
            Path clip = clips.resolve(s.id() + ".mp4");
            list.append("file '").append(clip.toAbsolutePath()).append("'\n");
            double d = Media.probe(ffmpeg, clip).video().orElseThrow().duration();
            storyScenes.add(new Story.Scene(s.id(), s.text(), null, s.motion(), s.image().toString(), s.audio().toString(), null, clip.toString(), d));
        }
        Path listFile = dir.resolve("filelist.txt");
        Files.writeString(listFile, list);
        Story story = new Story("benchmark", "es", null, dir.resolve("work").toString(), null, storyScenes);
        Path seedOut = dir.resolve("seed-merge.mp4"), ours = dir.resolve("shortsmith-merge.mp4");
        List<Double> seedTimes = new ArrayList<>(), ourTimes = new ArrayList<>(), preparedTimes = new ArrayList<>();
        Path kept = dir.resolve("work").resolve("soundtrack");
        for (int run = 0; run < runs; run++) {
            long t0 = System.nanoTime();
            var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", listFile.toString(), "-i", music.toString(),
                    "-filter_complex", "[0:a][1:a]amix=inputs=2:duration=longest:weights=1 0.1[aout]", "-map", "0:v", "-c:v", "copy",
                    "-map", "[aout]", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", seedOut.toString()), Duration.ofMinutes(10));
            seedTimes.add((System.nanoTime() - t0) / 1e9);
            if (!r.ok()) throw new IllegalStateException("seed merge failed: " + r.lastErrorLine());
            WorkDir.deleteTree(kept);   // the benchmark's own folder: nothing prepared
            t0 = System.nanoTime();
            Merge.run(new StoryInput(story, null, List.of()), settings, new Merge.Options(ours, music), m -> {});
            ourTimes.add((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            Merge.run(new StoryInput(story, null, List.of()), settings, new Merge.Options(ours, music), m -> {});
            preparedTimes.add((System.nanoTime() - t0) / 1e9);
        }
        double video = storyScenes.stream().mapToDouble(Story.Scene::duration).sum();
        double seedMedian = median(seedTimes);
        var seedReport = MediaReport.of(ffmpeg, seedOut);
        var ourReport = MediaReport.of(ffmpeg, ours);
        return List.of(
                new MergeRow("seed-merge", seedMedian, java.util.Collections.min(seedTimes), seedReport.duration(), video, seedReport.loudness(), 1.0),
                new MergeRow("shortsmith, nothing prepared", median(ourTimes), java.util.Collections.min(ourTimes), ourReport.duration(), video,
                        ourReport.loudness(), median(ourTimes) / seedMedian),
                new MergeRow("shortsmith, soundtrack ready (after encode, in short)", median(preparedTimes), java.util.Collections.min(preparedTimes),
                        ourReport.duration(), video, ourReport.loudness(), median(preparedTimes) / seedMedian));
    }

    /** One way of making the whole Short: wall time, critical path and efficiency. */
    /** Settings that send pictures and narration to the stand-ins, at the benchmark's size, rate-limited to {@code imagesPerMinute}. */
    private static Settings standInSettings(StandIns services, Settings base, int imagesPerMinute) {
        var values = new java.util.HashMap<>(services.settings());
        values.put("VIDEO_SIZE", base.video().size().toString());
        values.put("VIDEO_FPS", String.valueOf(base.video().fps()));
        values.put("MAX_PARALLEL_IMAGES", "4");
        values.put("IMAGE_RATE_PER_MIN", String.valueOf(imagesPerMinute));
        values.put("CLIP_CORES_WHILE_NARRATING", "0");   // the stand-in narrator uses no CPU
        values.put("PROVIDER_RETRY_DELAY", "0.2");
        return Settings.loadWith(values);
    }

    public record PipelineRow(String method, double seconds, double criticalPath, double efficiency, Double ratioToSequential) {}

    /**
     * {@code short}'s overlapped schedule against the stages run one after another (as a pipe
     * would), with stand-in services that answer in fixed times: images 1 s each, at most 4
     * active; narration 4 s a scene, one at a time. Both make the same Short from scratch.
     */
    public static List<PipelineRow> pipeline(Story story, Settings base, Path dir, long imageMillis, long speechMillis) throws Exception {
        try (var services = new StandIns(imageMillis, 4, speechMillis, dir.resolve("stand-in-voice"))) {
            Settings settings = standInSettings(services, base, 60);
            // Each run starts from nothing: no images, no narration, no clips.
            List<Story.Scene> fresh = story.scenes().stream().map(s -> new Story.Scene(s.id(), s.text(), s.imagePrompt(), s.motion(),
                    null, null, null, null, null)).toList();
            var quiet = new Progress(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false, List.of());

            Path pipeWork = dir.resolve("sequential");
            WorkDir.deleteTree(pipeWork);
            var seqStory = story.withScenes(fresh).withWorkDir(pipeWork.toString());
            long t0 = System.nanoTime();
            var imgs = ImageStage.run(new StoryInput(seqStory, null, List.of()), settings, false, quiet);
            var voiced = SpeechStage.run(new StoryInput(imgs.story(), null, List.of()), settings, false, quiet);
            var encoded = EncodeStage.run(new StoryInput(voiced.story(), null, List.of()), settings, null, false, quiet);
            Merge.run(new StoryInput(encoded.story(), null, List.of()), settings, new Merge.Options(dir.resolve("sequential.mp4"), null), m -> {});
            double sequential = (System.nanoTime() - t0) / 1e9;

            Path overlapWork = dir.resolve("overlapped");
            WorkDir.deleteTree(overlapWork);
            var result = Pipeline.run(new StoryInput(story.withScenes(fresh).withWorkDir(overlapWork.toString()), null, List.of()), settings,
                    new Pipeline.Options(dir.resolve("overlapped.mp4"), null, false), quiet);
            if (!result.failures().isEmpty()) throw new IllegalStateException("short failed in the benchmark: " + result.failures());
            var r = result.report();
            Json.MAPPER.writeValue(dir.resolve("overlapped-report.json").toFile(), r);
            Timeline.write(r, dir.resolve("overlapped-timeline.png"));
            return List.of(new PipelineRow("sequential (pipe)", sequential, r.criticalPath(), r.criticalPath() / sequential, 1.0),
                    new PipelineRow("short (overlapped)", r.wall(), r.criticalPath(), r.efficiency(), r.wall() / sequential));
        }
    }

    /** A batch of stories against the same stories made one after another (a shell loop of {@code short}), with the batch's lower bound. */
    public record BatchRow(String method, int stories, int scenesEach, double seconds, double bound, double ratioToBound, Double ratioToLoop) {}

    /**
     * {@code stories} copies of {@code story} (each its own title and work folder) made by a shell
     * loop of {@code short} (in process, one story after another) and as one batch, with stand-in
     * services (images {@code imageMillis} each, at most 4 active; narration {@code speechMillis} a
     * scene, one lane). The batch's bound is its narration lane's busy time plus the last story's
     * last clip and merge.
     */
    public static List<BatchRow> batch(Story story, Settings base, Path dir, int stories, long imageMillis, long speechMillis) throws Exception {
        try (var services = new StandIns(imageMillis, 4, speechMillis, dir.resolve("stand-in-voice"))) {
            Settings settings = standInSettings(services, base, 600);
            var quiet = new Progress(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false, List.of());
            List<Path> manifests = new ArrayList<>();
            for (String run : List.of("loop", "batch")) {
                Path runDir = dir.resolve(run);
                WorkDir.deleteTree(runDir);
                Files.createDirectories(runDir);
                for (int i = 0; i < stories; i++) {
                    // Each story its own words, so no narration or picture is shared between them.
                    int n = i + 1;
                    List<Story.Scene> fresh = story.scenes().stream().map(s -> new Story.Scene(s.id(), s.text() + " (" + n + ")",
                            s.imagePrompt() + " " + n, s.motion(), null, null, null, null, null)).toList();
                    Path manifest = runDir.resolve("story-" + n + ".json");
                    Files.writeString(manifest, new Story(story.title() + " " + n, story.language(), null, null, null, fresh).toJson());
                    if (run.equals("batch")) manifests.add(manifest);
                }
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < stories; i++) {
                Path manifest = dir.resolve("loop/story-" + (i + 1) + ".json");
                var input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
                var r = Pipeline.run(input, settings, new Pipeline.Options(manifest.resolveSibling("story-" + (i + 1) + ".mp4"), null, false), quiet);
                if (!r.failures().isEmpty()) throw new IllegalStateException("short failed in the benchmark: " + r.failures());
            }
            double loop = (System.nanoTime() - t0) / 1e9;
            var batch = Batch.run(manifests, settings, false, quiet);
            if (batch.exitCode() != 0) throw new IllegalStateException("the batch failed in the benchmark: " + batch.stories());
            Json.MAPPER.writeValue(dir.resolve("batch-report.json").toFile(), batch);
            Timeline.write(batch.timeline(), dir.resolve("batch-timeline.png"));
            int scenes = story.scenes().size();
            return List.of(new BatchRow("shell loop of short", stories, scenes, loop, batch.bound(), loop / batch.bound(), 1.0),
                    new BatchRow("short a.json b.json c.json (one batch)", stories, scenes, batch.wall(), batch.bound(), batch.wall() / batch.bound(),
                            batch.wall() / loop));
        }
    }

    /** Image submissions against the rate limit: the most in any window, and 429s left unhandled. */
    public record ImageRateRow(int images, int limit, double windowSeconds, int mostInAnyWindow, int throttled, int failed, double seconds) {}

    /**
     * gen-images against a stand-in that allows 4 active tasks (429 beyond), with the configured
     * IMAGE_RATE_PER_MIN applied over a window shortened to {@code window} so the benchmark stays short.
     */
    public static ImageRateRow imageRate(Story story, Settings base, Path dir, int images, Duration window) throws Exception {
        try (var services = new StandIns(300, 4, 0, dir.resolve("stand-in-voice"))) {
            var values = new java.util.HashMap<>(services.settings());
            values.put("VIDEO_SIZE", "360x640");
            values.put("PROVIDER_RETRY_DELAY", "0.2");
            Settings settings = Settings.loadWith(values);
            int limit = base.providers().images().ratePerMinute();
            List<Story.Scene> scenes = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                var s = story.scenes().get(i % story.scenes().size());
                scenes.add(new Story.Scene("img" + (i + 1), s.text(), s.imagePrompt() + " #" + i, null, null, null, null, null, null));
            }
            Path work = dir.resolve("images");
            WorkDir.deleteTree(work);
            var quiet = new Progress(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false, List.of());
            long t0 = System.nanoTime();
            var result = ImageStage.run(new StoryInput(story.withScenes(scenes).withWorkDir(work.toString()), null, List.of()), settings,
                    ImageProvider.from(settings), new RateLimiter(limit, window, Ticker.system()), true, quiet);
            double seconds = (System.nanoTime() - t0) / 1e9;
            var times = services.imageSubmissions.stream().sorted().toList();
            int most = 0;
            for (int i = 0; i < times.size(); i++) {
                int j = i;
                while (j < times.size() && times.get(j) - times.get(i) < window.toNanos()) j++;
                most = Math.max(most, j - i);
            }
            return new ImageRateRow(images, limit, window.toMillis() / 1000.0, most, services.throttled.get(), result.failures().size(), seconds);
        }
    }

    /**
     * NVENC with 1, 2 and 3 clips at once: time, and the GPU memory and encoder sessions nvidia-smi
     * reports while it runs (sampled every 200 ms). Only where NVENC works.
     */
    public static List<Map<String, Object>> nvencStreams(Ffmpeg ffmpeg, List<BenchScene> scenes, Settings settings, Path dir) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        var profile = EncoderProfile.nvenc(settings);
        var encoder = new ClipEncoder(ffmpeg, settings, profile);
        for (int streams = 1; streams <= 3; streams++) {
            Path out = Files.createDirectories(dir.resolve(streams + "-at-once"));
            var peakMemory = new java.util.concurrent.atomic.AtomicLong();
            var peakSessions = new java.util.concurrent.atomic.AtomicLong();
            var running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    var r = Proc.run(List.of("nvidia-smi", "--query-gpu=memory.used,encoder.stats.sessionCount", "--format=csv,noheader,nounits"),
                            Duration.ofSeconds(5));
                    for (String line : r.stdout().lines().toList()) {
                        String[] f = line.split(",\\s*");
                        try {
                            peakMemory.accumulateAndGet(Long.parseLong(f[0].trim()), Math::max);
                            peakSessions.accumulateAndGet(Long.parseLong(f[1].trim()), Math::max);
                        } catch (RuntimeException ignored) {
                            // a line nvidia-smi could not fill
                        }
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long t0 = System.nanoTime();
            String error = null;
            try {
                Parallel.map(scenes, streams, sc -> encoder.encode(inputs(sc, sc.motion(), scenes.indexOf(sc), null), out.resolve(sc.id() + ".mp4"),
                        true, f -> {}));
            } catch (ShortsmithException e) {
                error = e.getMessage();
            } finally {
                running.set(false);
                sampler.interrupt();
            }
            var row = new java.util.LinkedHashMap<String, Object>();
            row.put("streams", streams);
            row.put("seconds", (System.nanoTime() - t0) / 1e9);
            row.put("gpuMemoryMiB", peakMemory.get());
            row.put("encoderSessions", peakSessions.get());
            if (error != null) row.put("error", error);
            rows.add(row);
        }
        return rows;
    }

    public static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }
}
