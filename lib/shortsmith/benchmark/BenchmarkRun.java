package shortsmith.benchmark;

import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.video.EncoderProfile;
import shortsmith.video.NvencProbe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The benchmark run: its sections, each registered in one line of {@link #SECTIONS}, run in that
 * order on one scene set (the demo story's photos with espeak-ng narration, or {@code --story}).
 * A full run runs every section that belongs to it and writes {@code results.md},
 * {@code results.json}, {@code results.csv} and the charts; {@code --only NAME} runs just those
 * sections and writes {@code NAME.md} and {@code NAME.json}. The encoder rows ({@code --rows})
 * are run round-robin, so a slow spell of the shared machine hits every row alike.
 *
 * <pre>jshell> BenchmarkRun.run(new BenchmarkRun.Options(null, "768x1344", 25, true, 1, null, List.of("pace"), null), System.err::println)</pre>
 */
public final class BenchmarkRun {
    private BenchmarkRun() {}

    /** The command line's choices; null story and out mean the defaults. */
    public record Options(Path story, String size, int fps, boolean quick, int runs, List<String> rows, List<String> only, Path out) {}

    /** What a section gives back: its Markdown, and the entries it adds to results.json. */
    public record Output(String markdown, Map<String, Object> json) {
        static Output of(String markdown, String key, Object value) { return new Output(markdown, Map.of(key, value)); }
    }

    @FunctionalInterface
    public interface Measure {
        Output run(Context context) throws Exception;
    }

    /** One part of the benchmark: its name (for {@code --only}), what it measures, whether a full run has it, and how it runs. */
    public record Section(String name, String about, boolean inFullRun, Measure measure) {}

    /** The sections, in the order a full run takes them. Adding one is one line here. */
    public static final List<Section> SECTIONS = List.of(
            new Section("encoders", "the seed's commands against shortsmith's profiles (--rows): time, size, SSIM, PSNR, memory", true, Sections::encoders),
            new Section("youtube", "each upload encoded again as YouTube would: SSIM against the lossless render, and the encode's time", true, Sections::youtube),
            new Section("motion", "RMS jerk of tracked dots: the seed's zoompan, ours rendered, ours after x264", true, Sections::motion),
            new Section("pace", "the demos as a viewer meets them: dead air at a scene join, the music's rise in it, frozen scenes, orphan lines, never-lit words",
                    true, Sections::pace),
            new Section("framing", "frames that hold a known subject wholly, geometry alone against subject-aware", true, Sections::framing),
            new Section("captions", "caption timing against Festival's word times", true, Sections::captions),
            new Section("render", "the render alone at 1080x1920, one core", true, Sections::render),
            new Section("threads", "x264 threads for the seed's plan", true, Sections::threads),
            new Section("merge", "the seed's merge against ours (needs the x264 row's clips)", true, Sections::merge),
            new Section("pipeline", "the whole Short, sequential and overlapped, with stand-in services", true, Sections::pipeline),
            new Section("batch", "3 stories as one batch against a shell loop of short, with stand-in services", true, Sections::batch),
            new Section("image-rate", "image submissions against IMAGE_RATE_PER_MIN", true, Sections::imageRate),
            new Section("nvenc-streams", "NVENC with 1, 2 and 3 clips at once", true, Sections::nvencStreams),
            new Section("cluster", "12 stories by 1, 2 and 4 workers on one PostgreSQL (stand-in services); minutes long, so only on its own",
                    false, Sections::cluster));

    /** The encoder rows, and the default selection. */
    public static final List<String> ROWS = List.of("seed-ultrafast", "seed-x264", "seed-nvenc", "x264", "nvenc-p1", "nvenc-p4", "nvenc-p7", "lossless");

    /** What every section sees: the settings at the benchmark's size, the story, where to write, and what earlier sections left. */
    public static final class Context {
        public final Options options;
        public final Settings settings;
        public final Ffmpeg ffmpeg;
        public final Story story;
        public final Path dir;
        public final int runs;
        public final Consumer<String> note;
        final Map<String, Object> shared = new LinkedHashMap<>();
        private List<Benchmark.BenchScene> scenes;
        private NvencProbe.Report probe;

        Context(Options options, Settings settings, Story story, Path dir, Consumer<String> note) {
            this.options = options;
            this.settings = settings;
            this.ffmpeg = Ffmpeg.locate(settings);
            this.story = story;
            this.dir = dir;
            this.runs = options.quick() ? 1 : Math.max(1, options.runs());
            this.note = note;
        }

        /** The scene set, narrated once and cached ({@code --quick}: three scenes). */
        public List<Benchmark.BenchScene> scenes() throws Exception {
            if (scenes == null) scenes = Benchmark.scenes(story, dir.resolve("narration"), ffmpeg, options.quick() ? 3 : Integer.MAX_VALUE);
            return scenes;
        }

        public NvencProbe.Report probe() {
            if (probe == null) probe = NvencProbe.detect(settings, false);
            return probe;
        }

        /** The story cut to the scene set's length (the pipeline and batch sections make it whole). */
        public Story storyOfScenes() throws Exception {
            return story.withScenes(story.scenes().subList(0, Math.min(scenes().size(), story.scenes().size())));
        }
    }

    /** What a run produced: its Markdown and the folder its files went to. */
    public record Report(String markdown, Path dir) {}

    /** Runs the sections {@code options} selects, writing their results into the output folder. */
    public static Report run(Options options, Consumer<String> note) throws Exception {
        Path home = Home.root();
        Path storyFile = options.story() != null ? options.story() : home.resolve("examples/demo-es/story.json");
        var settings = Settings.loadWith(Map.of("VIDEO_SIZE", options.size(), "VIDEO_FPS", String.valueOf(options.fps())));
        var story = Story.read(storyFile);
        Path dir = options.out() != null ? options.out() : WorkDir.forStory(story, storyFile, settings.clips().workDir()).root().resolve("bench");
        List<Section> chosen = select(options);
        if (options.rows() != null) for (String r : options.rows()) if (!ROWS.contains(r)) {
            throw ShortsmithException.usage("unknown row " + r + ": use " + String.join(", ", ROWS));
        }
        var context = new Context(options, settings, story, dir, note);
        Files.createDirectories(dir);
        var md = new StringBuilder();
        var json = new LinkedHashMap<String, Object>();
        json.put("size", options.size());
        json.put("fps", options.fps());
        json.put("runs", context.runs);
        for (Section s : chosen) {
            note.accept("benchmark: " + s.name() + ": " + s.about() + "…");
            var out = s.measure().run(context);
            md.append(out.markdown());
            json.putAll(out.json());
        }
        boolean full = options.only() == null || options.only().isEmpty();
        String name = full ? "results" : String.join("+", options.only());
        Files.writeString(dir.resolve(name + ".md"), md.toString());
        Files.writeString(dir.resolve(name + ".json"), Json.write(json));
        return new Report(md.toString(), dir);
    }

    /** The sections {@code --only} names, else every section of a full run; an unknown name is a usage error naming the known ones. */
    static List<Section> select(Options options) {
        if (options.only() == null || options.only().isEmpty()) return SECTIONS.stream().filter(Section::inFullRun).toList();
        List<Section> chosen = new ArrayList<>();
        for (String name : options.only()) {
            var s = SECTIONS.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() -> ShortsmithException.usage(
                    "--only " + name + ": use one of " + String.join(", ", SECTIONS.stream().map(Section::name).toList())));
            if (!chosen.contains(s)) chosen.add(s);
        }
        return chosen;
    }

    /** The sections themselves: each measures through {@link Benchmark} and friends and formats its table. */
    static final class Sections {
        private Sections() {}

        static Output encoders(Context c) throws Exception {
            var scenes = c.scenes();
            var settings = c.settings;
            double videoSeconds = Benchmark.videoSeconds(scenes, settings);
            var probe = c.probe();
            c.note.accept(String.format(Locale.ROOT, "benchmark: %d scenes, %.1f s of video at %s/%d fps; NVENC %s", scenes.size(), videoSeconds,
                    c.options.size(), c.options.fps(), probe.nvencAvailable() ? "available" : "unavailable (" + probe.encoders().get("h264_nvenc").reason() + ")"));
            List<String> wanted = c.options.rows() != null ? c.options.rows() : ROWS;
            c.note.accept("benchmark: lossless references…");
            Benchmark.runSeed(c.ffmpeg, scenes, settings, Benchmark.SEED_LOSSLESS, c.dir.resolve("seed-lossless"));
            var lossless = Benchmark.measured(() -> Benchmark.runOurs(scenes, settings, EncoderProfile.lossless(), c.dir.resolve("lossless")));
            var times = new LinkedHashMap<String, List<Double>>();
            var unavailable = new LinkedHashMap<String, NvencProbe.EncoderStatus>();
            var memory = new LinkedHashMap<String, Double>();
            memory.put("lossless", lossless.peakMemoryMb());
            for (int run = 1; run <= c.runs; run++) {
                for (String row : wanted) {
                    if (row.contains("nvenc") && !probe.nvencAvailable()) {
                        unavailable.put(row, probe.encoders().get("h264_nvenc"));
                        continue;
                    }
                    c.note.accept("benchmark: " + row + " (run " + run + " of " + c.runs + ")…");
                    if (row.equals("lossless") && run == 1) {
                        times.computeIfAbsent(row, k -> new ArrayList<>()).add(lossless.value());
                        continue;
                    }
                    var measured = Benchmark.measured(() -> runRow(row, c, scenes));
                    times.computeIfAbsent(row, k -> new ArrayList<>()).add(measured.value());
                    memory.merge(row, measured.peakMemoryMb(), Math::max);
                }
            }
            if (times.containsKey("x264")) c.shared.put("x264 clips", c.dir.resolve("x264"));
            boolean vmaf = Benchmark.hasVmaf(c.ffmpeg);
            Double seedMedian = times.containsKey("seed-ultrafast") ? Benchmark.median(times.get("seed-ultrafast")) : null;
            List<Benchmark.Row> results = new ArrayList<>();
            for (String row : wanted) {
                if (unavailable.containsKey(row)) {
                    results.add(Benchmark.Row.unavailable(row, unavailable.get(row)));
                    continue;
                }
                Path rowDir = c.dir.resolve(row);
                Path reference = c.dir.resolve(row.startsWith("seed-") ? "seed-lossless" : "lossless");
                long bytes = Benchmark.bytes(scenes, rowDir);
                double[] q = Benchmark.quality(c.ffmpeg, scenes, rowDir, reference);
                double med = Benchmark.median(times.get(row)), min = Collections.min(times.get(row));
                Double v = vmaf ? Benchmark.vmaf(c.ffmpeg, scenes, rowDir, reference) : null;
                results.add(Benchmark.Row.measured(row, min, med, bytes, bytes / 1000.0 / videoSeconds, q[0], q[1], v,
                        Math.round(videoSeconds * c.options.fps()) / med, videoSeconds / med, seedMedian == null ? null : med / seedMedian, memory.get(row)));
            }
            var md = new StringBuilder("| profile | median s | min s | × seed-ultrafast | kB/s | SSIM | PSNR dB | VMAF | fps | × real time | peak MB |\n"
                    + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (var r : results) {
                if (!r.available()) md.append(String.format("| %s | unavailable: %s (%s) | | | | | | | | | |%n", r.profile(), r.reason(), r.message()));
                else md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.0f | %.4f | %.2f | %s | %.0f | %.1f | %s |%n", r.profile(),
                        r.medianSeconds(), r.seconds(), r.ratioToSeed() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ratioToSeed()), r.kbPerSecond(),
                        r.ssim(), r.psnr(), r.vmaf() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", r.vmaf()), r.fps(), r.realtime(),
                        r.peakMemoryMb() == null ? "" : String.format(Locale.ROOT, "%.0f", r.peakMemoryMb())));
            }
            if (!vmaf) md.append("\nVMAF: n/a, this ffmpeg has no libvmaf.\n");
            var csv = new StringBuilder("profile,available,reason,message,min_seconds,median_seconds,bytes,kb_per_second,ssim,psnr,vmaf,fps,realtime,"
                    + "ratio_to_seed,peak_memory_mb\n");
            for (var r : results) {
                csv.append(String.join(",", r.profile(), String.valueOf(r.available()), r.reason() == null ? "" : r.reason().id(),
                        r.message() == null ? "" : "\"" + r.message().replace("\"", "'") + "\"", str(r.seconds()), str(r.medianSeconds()), str(r.bytes()),
                        str(r.kbPerSecond()), str(r.ssim()), str(r.psnr()), str(r.vmaf()), str(r.fps()), str(r.realtime()), str(r.ratioToSeed()),
                        str(r.peakMemoryMb()))).append('\n');
            }
            Files.writeString(c.dir.resolve("results.csv"), csv);
            Charts.qualityAgainstTime(results, c.dir.resolve("quality-vs-time.png"));
            Charts.sizeAgainstQuality(results, c.dir.resolve("size-vs-quality.png"));
            var json = new LinkedHashMap<String, Object>();
            json.put("scenes", scenes.size());
            json.put("videoSeconds", videoSeconds);
            json.put("rows", results);
            return new Output(md.toString(), json);
        }

        private static double runRow(String row, Context c, List<Benchmark.BenchScene> scenes) throws Exception {
            Path rowDir = c.dir.resolve(row);
            var s = c.settings;
            return switch (row) {
                case "seed-ultrafast" -> Benchmark.runSeed(c.ffmpeg, scenes, s, Benchmark.SEED_ULTRAFAST, rowDir);
                case "seed-x264" -> Benchmark.runSeed(c.ffmpeg, scenes, s, Benchmark.SEED_X264, rowDir);
                case "seed-nvenc" -> Benchmark.runSeed(c.ffmpeg, scenes, s, Benchmark.SEED_NVENC, rowDir);
                case "x264" -> Benchmark.runOurs(scenes, s, EncoderProfile.x264(s), rowDir);
                case "lossless" -> Benchmark.runOurs(scenes, s, EncoderProfile.lossless(), rowDir);
                case "nvenc-p1", "nvenc-p4", "nvenc-p7" -> Benchmark.runOurs(scenes, s, EncoderProfile.nvenc(s).withPreset(row.substring(6)), rowDir);
                default -> throw ShortsmithException.usage("unknown row " + row + ": use " + String.join(", ", ROWS));
            };
        }

        static Output youtube(Context c) throws Exception {
            var result = YouTubeEncode.measure(c.scenes(), c.settings, c.dir.resolve("youtube"), c.runs, c.note);
            return Output.of(YouTubeEncode.markdown(result), "youtube", result);
        }

        static Output motion(Context c) throws Exception {
            var motion = Benchmark.motion(c.ffmpeg, c.settings, c.dir.resolve("motion"));
            var md = new StringBuilder("\n| motion | RMS jerk px/frame² |\n|---|---:|\n");
            motion.forEach(m -> md.append(String.format(Locale.ROOT, "| %s | %.3f |%n", m.method(), m.rmsJerkPx())));
            return Output.of(md.toString(), "motion", motion);
        }

        static Output pace(Context c) throws Exception {
            var rows = DemoPace.measure(c.settings, c.dir.resolve("pace"), c.note);
            return Output.of(DemoPace.markdown(rows), "pace", rows);
        }

        static Output framing(Context c) {
            var framing = Benchmark.framing(c.settings);
            var md = new StringBuilder("\n| framing: subject wholly in frame | scenes | geometry alone | subject-aware | worst scene | detection ms |\n"
                    + "|---|---:|---:|---:|---:|---:|\n");
            framing.forEach(f -> md.append(String.format(Locale.ROOT, "| %s | %d | %.1f %% | %.1f %% | %.1f %% | %.1f |%n", f.picture(), f.scenes(),
                    100 * f.before(), 100 * f.after(), 100 * f.worstAfter(), f.detectMillis())));
            return Output.of(md.toString(), "framing", framing);
        }

        static Output captions(Context c) throws Exception {
            boolean alone = c.options.only() != null && c.options.only().contains("captions");
            if (alone && !CaptionTiming.festivalAvailable()) {
                throw ShortsmithException.environment("caption timing needs Festival: " + CaptionTiming.INSTALL);
            }
            var captions = CaptionTiming.festivalAvailable() ? CaptionTiming.measure(c.ffmpeg, c.settings, c.dir.resolve("captions"))
                    : List.<CaptionTiming.Row>of();
            var md = new StringBuilder("\n| caption timing: onset error | method | words | median ms | p90 ms | worst ms | within 100 ms |\n"
                    + "|---|---|---:|---:|---:|---:|---:|\n");
            if (captions.isEmpty()) md.append("| unavailable: Festival is not installed (" + CaptionTiming.INSTALL + ") | | | | | | |\n");
            captions.forEach(r -> md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f %% |%n", r.narration(), r.method(),
                    r.words(), r.medianMs(), r.p90Ms(), r.maxMs(), 100 * r.within100())));
            return Output.of(md.toString(), "captions", captions);
        }

        static Output render(Context c) throws Exception {
            var render = Benchmark.render(c.ffmpeg, c.scenes(), c.settings, "1080x1920", 60);
            String md = String.format(Locale.ROOT, "%n| render alone (Ken Burns and captions, no encoder), one core, %s | scenes | frames each | median ms/frame "
                            + "| pans | zooms | min | max | fps per core |%n|---|---:|---:|---:|---:|---:|---:|---:|---:|%n| %s | %d | %d | %.2f | %s | %s | %.2f | %.2f | %.0f |%n",
                    render.vectorApi() ? "Vector API" : "scalar loops (no Vector API)", render.size(), render.scenes(), render.framesEach(),
                    render.medianMillis(), twoPlaces(render.panMillis()), twoPlaces(render.zoomMillis()), render.minMillis(), render.maxMillis(),
                    render.framesPerSecondPerCore());
            return Output.of(md, "render", render);
        }

        static Output threads(Context c) throws Exception {
            var scenes = c.scenes();
            var threads = Benchmark.threads(c.ffmpeg, scenes.subList(0, Math.min(2, scenes.size())), c.settings, c.dir);
            var md = new StringBuilder("\n| seed x264 plan, -threads | value | seconds |\n|---|---:|---:|\n");
            threads.forEach(t -> md.append(String.format(Locale.ROOT, "| %s | %d | %.2f |%n", t.threads(), t.value(), t.seconds())));
            return Output.of(md.toString(), "threads", threads);
        }

        static Output merge(Context c) throws Exception {
            Path clips = (Path) c.shared.get("x264 clips");
            if (clips == null) return Output.of("\nMerge: not measured (it needs the x264 row's clips: run the encoders with the x264 row).\n", "merge", List.of());
            var merge = Benchmark.merge(c.ffmpeg, c.scenes(), c.settings, clips, c.dir.resolve("merge"), c.runs);
            var md = new StringBuilder("\n| merge | median s | min s | × seed | output s | video s | LUFS |\n|---|---:|---:|---:|---:|---:|---:|\n");
            merge.forEach(m -> md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f |%n", m.method(), m.medianSeconds(),
                    m.minSeconds(), m.ratioToSeed(), m.outputSeconds(), m.videoSeconds(), m.loudness())));
            return Output.of(md.toString(), "merge", merge);
        }

        static Output pipeline(Context c) throws Exception {
            var pipeline = Benchmark.pipeline(c.storyOfScenes(), c.settings, c.dir.resolve("pipeline"), 1000, 4000);
            Charts.pipeline(pipeline, c.dir.resolve("pipeline.png"));
            var md = new StringBuilder("\n| whole Short | wall s | critical path s | critical path ÷ wall | × sequential |\n|---|---:|---:|---:|---:|\n");
            pipeline.forEach(p -> md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %.2f |%n", p.method(), p.seconds(), p.criticalPath(),
                    p.efficiency(), p.ratioToSequential())));
            return Output.of(md.toString(), "pipeline", pipeline);
        }

        static Output batch(Context c) throws Exception {
            // Alone (--only batch) it takes the whole story, as it always has; in a full run the scene set's.
            Story story = c.options.only() != null && c.options.only().contains("batch") ? c.story : c.storyOfScenes();
            var rows = Benchmark.batch(story, c.settings, c.dir.resolve("batch"), 3, 1000, 2000);
            var md = new StringBuilder("\n| many Shorts | stories × scenes | wall s | batch's bound s | × bound | × shell loop |\n|---|---:|---:|---:|---:|---:|\n");
            rows.forEach(b -> md.append(String.format(Locale.ROOT, "| %s | %d × %d | %.1f | %.1f | %.2f | %.2f |%n", b.method(), b.stories(), b.scenesEach(),
                    b.seconds(), b.bound(), b.ratioToBound(), b.ratioToLoop())));
            return Output.of(md.toString(), "batch", rows);
        }

        static Output imageRate(Context c) throws Exception {
            int rate = c.settings.providers().images().ratePerMinute();
            var r = Benchmark.imageRate(c.story, c.settings, c.dir.resolve("image-rate"), 2 * rate + 1, java.time.Duration.ofSeconds(10));
            String md = String.format(Locale.ROOT, "%nImage submissions: %d images, at most %d in any %.0f s window (limit %d), %d answered 429 and retried, "
                    + "%d failed.%n", r.images(), r.mostInAnyWindow(), r.windowSeconds(), r.limit(), r.throttled(), r.failed());
            return Output.of(md, "imageRate", r);
        }

        static Output nvencStreams(Context c) throws Exception {
            var probe = c.probe();
            var streams = probe.nvencAvailable() ? Benchmark.nvencStreams(c.ffmpeg, c.scenes(), c.settings, c.dir.resolve("nvenc-streams"))
                    : List.<Map<String, Object>>of(Map.of("available", false, "reason", probe.encoders().get("h264_nvenc").reason(),
                    "message", probe.encoders().get("h264_nvenc").message()));
            return Output.of("\nNVENC streams: " + Json.write(streams) + "\n", "nvencStreams", streams);
        }

        static Output cluster(Context c) throws Exception {
            var result = ClusterBenchmark.run(c.dir.resolve("cluster"), c.options.quick() ? 1 : 2, c.note);
            return Output.of("\n" + ClusterBenchmark.table(result), "cluster", result);
        }

        private static String str(Object o) { return o == null ? "" : o.toString(); }

        private static String twoPlaces(Double d) { return d == null ? "n/a" : String.format(Locale.ROOT, "%.2f", d); }
    }
}
