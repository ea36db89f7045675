///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector -Xlint:-incubating
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/video/*.java
//SOURCES ../lib/shortsmith/providers/*.java
//SOURCES ../lib/shortsmith/audio/*.java
//SOURCES ../lib/shortsmith/publish/*.java
//SOURCES ../lib/shortsmith/pipeline/*.java
//SOURCES ../lib/shortsmith/cluster/*.java
//SOURCES ../lib/shortsmith/benchmark/*.java
//DESCRIPTION The seed's commands against shortsmith's profiles, side by side: time, size, SSIM/PSNR.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.benchmark.Benchmark;
import shortsmith.benchmark.CaptionTiming;
import shortsmith.benchmark.Charts;
import shortsmith.core.Cli;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Renders the standard scene set with the seed's commands and with shortsmith's profiles, side by side.")
class benchmark implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Option(names = "--story", description = "Scene set (default: examples/demo-es/story.json).")
    Path story;

    @Option(names = "--size", defaultValue = "768x1344", description = "Frame size (default: the seed's ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--fps", defaultValue = "25", description = "Frame rate (default: the seed's ${DEFAULT-VALUE}).")
    int fps;

    @Option(names = "--quick", description = "Three scenes and one run per row.")
    boolean quick;

    @Option(names = "--runs", defaultValue = "3", description = "Runs per row, interleaved; the median is reported (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--rows", split = ",", description = "Only these rows (seed-ultrafast,seed-x264,seed-nvenc,x264,nvenc-p1,nvenc-p4,nvenc-p7,lossless).")
    List<String> rows;

    @Option(names = "--only", paramLabel = "captions|batch|cluster", description = {"Only this section: captions (caption timing against Festival's word times),",
            "batch (3 stories as one batch against a shell loop of short, with stand-in services),",
            "or cluster (12 stories by 1, 2 and 4 workers on one PostgreSQL, with stand-in services; --quick: each once, else twice)."})
    String only;

    @Option(names = "--out", description = "Folder for results.json and results.md (default: the work folder's bench/).")
    Path out;

    public Integer call() throws Exception {
        Path home = Home.root();
        Path storyFile = story != null ? story : home.resolve("examples/demo-es/story.json");
        var settings = Settings.loadWith(Map.of("VIDEO_SIZE", size, "VIDEO_FPS", String.valueOf(fps)));
        var ffmpeg = Ffmpeg.locate(settings);
        var storyData = Story.read(storyFile);
        Path dir = out != null ? out : WorkDir.forStory(storyData, storyFile, settings.clips().workDir()).root().resolve("bench");
        if ("captions".equals(only)) return captionsOnly(ffmpeg, settings, dir);
        if ("batch".equals(only)) return batchOnly(storyData, settings, dir);
        if ("cluster".equals(only)) {
            System.out.print(shortsmith.benchmark.ClusterBenchmark.run(dir.resolve("cluster"), quick ? 1 : 2, System.err::println));
            return 0;
        }
        if (only != null) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--only takes: captions, batch, cluster");
        var scenes = Benchmark.scenes(storyData, dir.resolve("narration"), ffmpeg, quick ? 3 : Integer.MAX_VALUE);
        double videoSeconds = Benchmark.videoSeconds(scenes, settings);
        var probe = NvencProbe.detect(settings, false);
        System.err.printf("benchmark: %d scenes, %.1f s of video at %s/%d fps; NVENC %s%n", scenes.size(), videoSeconds, size, fps,
                probe.nvencAvailable() ? "available" : "unavailable (" + probe.encoders().get("h264_nvenc").reason() + ")");

        List<String> wanted = rows != null ? rows : List.of("seed-ultrafast", "seed-x264", "seed-nvenc", "x264", "nvenc-p1", "nvenc-p4", "nvenc-p7", "lossless");
        List<Benchmark.Row> results = new ArrayList<>();
        // References first: the lossless renders of the seed's frames and of ours.
        System.err.println("benchmark: lossless references…");
        Benchmark.runSeed(ffmpeg, scenes, settings, Benchmark.SEED_LOSSLESS, dir.resolve("seed-lossless"));
        var lossless = Benchmark.measured(() -> Benchmark.runOurs(scenes, settings, EncoderProfile.lossless(), dir.resolve("lossless")));
        double losslessSeconds = lossless.value();
        int n = quick ? 1 : Math.max(1, runs);
        // Rows are run round-robin, n times, so that a slow spell of the machine hits all rows alike.
        var times = new java.util.LinkedHashMap<String, List<Double>>();
        var unavailable = new java.util.LinkedHashMap<String, NvencProbe.EncoderStatus>();
        var memory = new java.util.LinkedHashMap<String, Double>();
        memory.put("lossless", lossless.peakMemoryMb());
        boolean vmaf = Benchmark.hasVmaf(ffmpeg);
        for (int run = 1; run <= n; run++) {
            for (String row : wanted) {
                if (row.contains("nvenc") && !probe.nvencAvailable()) {
                    unavailable.put(row, probe.encoders().get("h264_nvenc"));
                    continue;
                }
                System.err.println("benchmark: " + row + " (run " + run + " of " + n + ")…");
                if (row.equals("lossless") && run == 1) {
                    times.computeIfAbsent(row, k -> new ArrayList<>()).add(losslessSeconds);
                    continue;
                }
                var measured = Benchmark.measured(() -> runRow(row, ffmpeg, scenes, settings, dir));
                times.computeIfAbsent(row, k -> new ArrayList<>()).add(measured.value());
                memory.merge(row, measured.peakMemoryMb(), Math::max);
            }
        }
        Double seedMedian = times.containsKey("seed-ultrafast") ? Benchmark.median(times.get("seed-ultrafast")) : null;
        for (String row : wanted) {
            if (unavailable.containsKey(row)) {
                results.add(Benchmark.Row.unavailable(row, unavailable.get(row)));
                continue;
            }
            Path rowDir = dir.resolve(row);
            long bytes = Benchmark.bytes(scenes, rowDir);
            double[] q = Benchmark.quality(ffmpeg, scenes, rowDir, dir.resolve(row.startsWith("seed-") ? "seed-lossless" : "lossless"));
            double med = Benchmark.median(times.get(row)), min = java.util.Collections.min(times.get(row));
            Double v = vmaf ? Benchmark.vmaf(ffmpeg, scenes, rowDir, dir.resolve(row.startsWith("seed-") ? "seed-lossless" : "lossless")) : null;
            results.add(Benchmark.Row.measured(row, min, med, bytes, bytes / 1000.0 / videoSeconds, q[0], q[1], v,
                    Math.round(videoSeconds * fps) / med, videoSeconds / med, seedMedian == null ? null : med / seedMedian, memory.get(row)));
        }
        System.err.println("benchmark: motion…");
        var motion = Benchmark.motion(ffmpeg, settings, dir.resolve("motion"));
        System.err.println("benchmark: framing…");
        var framing = Benchmark.framing(settings);
        System.err.println("benchmark: caption timing against Festival's word times…");
        var captions = CaptionTiming.festivalAvailable() ? CaptionTiming.measure(ffmpeg, settings, dir.resolve("captions")) : List.<CaptionTiming.Row>of();
        System.err.println("benchmark: the render alone, 1080x1920, one core…");
        var render = Benchmark.render(ffmpeg, scenes, settings, "1080x1920", 60);
        System.err.println("benchmark: x264 threads…");
        var threads = Benchmark.threads(ffmpeg, scenes.subList(0, Math.min(2, scenes.size())), settings, dir);
        List<Benchmark.MergeRow> merge = List.of();
        if (times.containsKey("x264")) {
            System.err.println("benchmark: merge…");
            merge = Benchmark.merge(ffmpeg, scenes, settings, dir.resolve("x264"), dir.resolve("merge"), n);
        }
        System.err.println("benchmark: the whole Short, sequential and overlapped (stand-in services: images 1 s, narration 4 s)…");
        var pipelineStory = storyData.withScenes(storyData.scenes().subList(0, Math.min(scenes.size(), storyData.scenes().size())));
        var pipeline = Benchmark.pipeline(pipelineStory, settings, dir.resolve("pipeline"), 1000, 4000);
        System.err.println("benchmark: a batch of 3 stories against a shell loop of short (stand-in services: images 1 s, narration 2 s)…");
        var batchRows = Benchmark.batch(pipelineStory, settings, dir.resolve("batch"), 3, 1000, 2000);
        System.err.println("benchmark: image submissions against IMAGE_RATE_PER_MIN…");
        int rate = settings.providers().images().ratePerMinute();
        var imageRate = Benchmark.imageRate(storyData, settings, dir.resolve("image-rate"), 2 * rate + 1, java.time.Duration.ofSeconds(10));
        var nvencStreams = probe.nvencAvailable() ? Benchmark.nvencStreams(ffmpeg, scenes, settings, dir.resolve("nvenc-streams"))
                : List.of(Map.of("available", false, "reason", probe.encoders().get("h264_nvenc").reason(),
                "message", probe.encoders().get("h264_nvenc").message()));

        var md = new StringBuilder("| profile | median s | min s | × seed-ultrafast | kB/s | SSIM | PSNR dB | VMAF | fps | × real time | peak MB |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var r : results) {
            if (!r.available()) md.append(String.format("| %s | unavailable: %s (%s) | | | | | | | | | |%n", r.profile(), r.reason(), r.message()));
            else md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.0f | %.4f | %.2f | %s | %.0f | %.1f | %s |%n", r.profile(), r.medianSeconds(),
                    r.seconds(), r.ratioToSeed() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ratioToSeed()), r.kbPerSecond(), r.ssim(), r.psnr(),
                    r.vmaf() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", r.vmaf()), r.fps(), r.realtime(),
                    r.peakMemoryMb() == null ? "" : String.format(Locale.ROOT, "%.0f", r.peakMemoryMb())));
        }
        if (!vmaf) md.append("\nVMAF: n/a, this ffmpeg has no libvmaf.\n");
        md.append("\n| motion | RMS jerk px/frame² |\n|---|---:|\n");
        motion.forEach(m -> md.append(String.format(Locale.ROOT, "| %s | %.3f |%n", m.method(), m.rmsJerkPx())));
        md.append("\n| framing: subject wholly in frame | scenes | geometry alone | subject-aware | worst scene | detection ms |\n|---|---:|---:|---:|---:|---:|\n");
        framing.forEach(f -> md.append(String.format(Locale.ROOT, "| %s | %d | %.1f %% | %.1f %% | %.1f %% | %.1f |%n", f.picture(), f.scenes(),
                100 * f.before(), 100 * f.after(), 100 * f.worstAfter(), f.detectMillis())));
        md.append("\n| caption timing: onset error | method | words | median ms | p90 ms | worst ms | within 100 ms |\n|---|---|---:|---:|---:|---:|---:|\n");
        captionTable(md, captions);
        md.append(String.format(Locale.ROOT, "%n| render alone (Ken Burns and captions, no encoder), one core, %s | scenes | frames each | median ms/frame | pans | zooms | min | max | fps per core |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n| %s | %d | %d | %.2f | %s | %s | %.2f | %.2f | %.0f |%n",
                render.vectorApi() ? "Vector API" : "scalar loops (no Vector API)", render.size(), render.scenes(),
                render.framesEach(), render.medianMillis(), twoPlaces(render.panMillis()), twoPlaces(render.zoomMillis()), render.minMillis(),
                render.maxMillis(), render.framesPerSecondPerCore()));
        md.append("\n| seed x264 plan, -threads | value | seconds |\n|---|---:|---:|\n");
        threads.forEach(t -> md.append(String.format(Locale.ROOT, "| %s | %d | %.2f |%n", t.threads(), t.value(), t.seconds())));
        if (!merge.isEmpty()) {
            md.append("\n| merge | median s | min s | × seed | output s | video s | LUFS |\n|---|---:|---:|---:|---:|---:|---:|\n");
            merge.forEach(m -> md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f |%n", m.method(), m.medianSeconds(),
                    m.minSeconds(), m.ratioToSeed(), m.outputSeconds(), m.videoSeconds(), m.loudness())));
        }
        md.append("\n| whole Short | wall s | critical path s | critical path ÷ wall | × sequential |\n|---|---:|---:|---:|---:|\n");
        pipeline.forEach(p -> md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %.2f |%n", p.method(), p.seconds(), p.criticalPath(),
                p.efficiency(), p.ratioToSequential())));
        md.append("\n| many Shorts | stories × scenes | wall s | batch's bound s | × bound | × shell loop |\n|---|---:|---:|---:|---:|---:|\n");
        batchRows.forEach(b -> md.append(String.format(Locale.ROOT, "| %s | %d × %d | %.1f | %.1f | %.2f | %.2f |%n", b.method(), b.stories(), b.scenesEach(),
                b.seconds(), b.bound(), b.ratioToBound(), b.ratioToLoop())));
        md.append(String.format(Locale.ROOT, "%nImage submissions: %d images, at most %d in any %.0f s window (limit %d), %d answered 429 and retried, %d failed.%n",
                imageRate.images(), imageRate.mostInAnyWindow(), imageRate.windowSeconds(), imageRate.limit(), imageRate.throttled(), imageRate.failed()));
        md.append("\nNVENC streams: " + Json.write(nvencStreams) + "\n");

        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), md.toString());
        var json = new java.util.LinkedHashMap<String, Object>();
        json.put("scenes", scenes.size());
        json.put("videoSeconds", videoSeconds);
        json.put("size", size);
        json.put("fps", fps);
        json.put("runs", n);
        json.put("rows", results);
        json.put("threads", threads);
        json.put("motion", motion);
        json.put("framing", framing);
        json.put("render", render);
        json.put("captions", captions);
        json.put("merge", merge);
        json.put("pipeline", pipeline);
        json.put("imageRate", imageRate);
        json.put("batch", batchRows);
        json.put("nvencStreams", nvencStreams);
        Files.writeString(dir.resolve("results.json"), Json.write(json));
        var csv = new StringBuilder("profile,available,reason,message,min_seconds,median_seconds,bytes,kb_per_second,ssim,psnr,vmaf,fps,realtime,ratio_to_seed,peak_memory_mb\n");
        for (var r : results) {
            csv.append(String.join(",", r.profile(), String.valueOf(r.available()), r.reason() == null ? "" : r.reason().id(),
                    r.message() == null ? "" : "\"" + r.message().replace("\"", "'") + "\"",
                    str(r.seconds()), str(r.medianSeconds()), str(r.bytes()), str(r.kbPerSecond()), str(r.ssim()), str(r.psnr()), str(r.vmaf()),
                    str(r.fps()), str(r.realtime()), str(r.ratioToSeed()), str(r.peakMemoryMb()))).append('\n');
        }
        Files.writeString(dir.resolve("results.csv"), csv);
        Charts.qualityAgainstTime(results, dir.resolve("quality-vs-time.png"));
        Charts.sizeAgainstQuality(results, dir.resolve("size-vs-quality.png"));
        Charts.pipeline(pipeline, dir.resolve("pipeline.png"));
        System.out.print(md);
        System.err.println("benchmark: results.json, results.md, results.csv and charts in " + dir);
        return 0;
    }

    private static void captionTable(StringBuilder md, List<CaptionTiming.Row> captions) {
        if (captions.isEmpty()) md.append("| unavailable: Festival is not installed (" + CaptionTiming.INSTALL + ") | | | | | | |\n");
        captions.forEach(c -> md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f %% |%n", c.narration(), c.method(), c.words(),
                c.medianMs(), c.p90Ms(), c.maxMs(), 100 * c.within100())));
    }

    private Integer captionsOnly(Ffmpeg ffmpeg, Settings settings, Path dir) throws Exception {
        if (!CaptionTiming.festivalAvailable()) throw ShortsmithException.environment("caption timing needs Festival: " + CaptionTiming.INSTALL);
        System.err.println("benchmark: caption timing against Festival's word times…");
        var captions = CaptionTiming.measure(ffmpeg, settings, dir.resolve("captions"));
        var md = new StringBuilder("| caption timing: onset error | method | words | median ms | p90 ms | worst ms | within 100 ms |\n|---|---|---:|---:|---:|---:|---:|\n");
        captionTable(md, captions);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("captions.json"), Json.write(captions));
        System.out.print(md);
        return 0;
    }

    private Integer batchOnly(Story story, Settings settings, Path dir) throws Exception {
        System.err.println("benchmark: a batch of 3 stories against a shell loop of short (stand-in services: images 1 s, narration 2 s)…");
        var rows = Benchmark.batch(story, settings, dir.resolve("batch"), 3, 1000, 2000);
        var md = new StringBuilder("| many Shorts | stories × scenes | wall s | batch's bound s | × bound | × shell loop |\n|---|---:|---:|---:|---:|---:|\n");
        rows.forEach(b -> md.append(String.format(Locale.ROOT, "| %s | %d × %d | %.1f | %.1f | %.2f | %.2f |%n", b.method(), b.stories(), b.scenesEach(),
                b.seconds(), b.bound(), b.ratioToBound(), b.ratioToLoop())));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("batch.json"), Json.write(rows));
        System.out.print(md);
        System.err.println("benchmark: batch report and Gantt chart in " + dir.resolve("batch"));
        return 0;
    }

    private static String str(Object o) { return o == null ? "" : o.toString(); }

    private static String twoPlaces(Double d) { return d == null ? "n/a" : String.format(Locale.ROOT, "%.2f", d); }

    private static double runRow(String row, Ffmpeg ffmpeg, List<Benchmark.BenchScene> scenes, Settings settings, Path dir) throws Exception {
        Path rowDir = dir.resolve(row);
        return switch (row) {
            case "seed-ultrafast" -> Benchmark.runSeed(ffmpeg, scenes, settings, Benchmark.SEED_ULTRAFAST, rowDir);
            case "seed-x264" -> Benchmark.runSeed(ffmpeg, scenes, settings, Benchmark.SEED_X264, rowDir);
            case "seed-nvenc" -> Benchmark.runSeed(ffmpeg, scenes, settings, Benchmark.SEED_NVENC, rowDir);
            case "x264" -> Benchmark.runOurs(scenes, settings, EncoderProfile.x264(settings), rowDir);
            case "lossless" -> Benchmark.runOurs(scenes, settings, EncoderProfile.lossless(), rowDir);
            case "nvenc-p1", "nvenc-p4", "nvenc-p7" -> Benchmark.runOurs(scenes, settings, EncoderProfile.nvenc(settings).withPreset(row.substring(6)), rowDir);
            default -> throw ShortsmithException.usage("unknown row " + row + ": use seed-ultrafast, seed-x264, seed-nvenc, x264, nvenc-p1, nvenc-p4, nvenc-p7, lossless");
        };
    }

    public static void main(String... args) {
        System.exit(Cli.run(new benchmark(), args));
    }
}
