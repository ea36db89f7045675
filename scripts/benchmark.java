///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//SOURCES ../lib/shortsmith/*.java
//DESCRIPTION The seed's commands against shortsmith's profiles, side by side: time, size, SSIM/PSNR.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.*;

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

    @Option(names = "--out", description = "Folder for results.json and results.md (default: the work folder's bench/).")
    Path out;

    public Integer call() throws Exception {
        Path home = Home.root();
        Path storyFile = story != null ? story : home.resolve("examples/demo-es/story.json");
        var settings = Settings.loadWith(Map.of("VIDEO_SIZE", size, "VIDEO_FPS", String.valueOf(fps)));
        var ffmpeg = Ffmpeg.locate(settings);
        var storyData = Story.read(storyFile);
        Path dir = out != null ? out : WorkDir.forStory(storyData, storyFile, settings.clips().workDir()).root().resolve("bench");
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
        double losslessSeconds = Benchmark.runOurs(scenes, settings, EncoderProfile.lossless(), dir.resolve("lossless"));
        int n = quick ? 1 : Math.max(1, runs);
        // Rows are run round-robin, n times, so that a slow spell of the machine hits all rows alike.
        var times = new java.util.LinkedHashMap<String, List<Double>>();
        var unavailable = new java.util.LinkedHashMap<String, String>();
        for (int run = 1; run <= n; run++) {
            for (String row : wanted) {
                if (row.contains("nvenc") && !probe.nvencAvailable()) {
                    var h = probe.encoders().get("h264_nvenc");
                    unavailable.put(row, h.reason() + ": " + h.message());
                    continue;
                }
                System.err.println("benchmark: " + row + " (run " + run + " of " + n + ")…");
                double seconds = row.equals("lossless") && run == 1 ? losslessSeconds : runRow(row, ffmpeg, scenes, settings, dir);
                times.computeIfAbsent(row, k -> new ArrayList<>()).add(seconds);
            }
        }
        Double seedMedian = times.containsKey("seed-ultrafast") ? median(times.get("seed-ultrafast")) : null;
        for (String row : wanted) {
            if (unavailable.containsKey(row)) {
                results.add(Benchmark.Row.unavailable(row, unavailable.get(row)));
                continue;
            }
            Path rowDir = dir.resolve(row);
            long bytes = Benchmark.bytes(scenes, rowDir);
            double[] q = Benchmark.quality(ffmpeg, scenes, rowDir, dir.resolve(row.startsWith("seed-") ? "seed-lossless" : "lossless"));
            double med = median(times.get(row)), min = java.util.Collections.min(times.get(row));
            results.add(new Benchmark.Row(row, true, null, min, med, bytes, bytes / 1000.0 / videoSeconds, q[0], q[1],
                    Math.round(videoSeconds * fps) / med, videoSeconds / med, seedMedian == null ? null : med / seedMedian));
        }
        var motion = Benchmark.motion(ffmpeg, settings, dir.resolve("motion"));
        var md = new StringBuilder("| profile | median s | min s | × seed-ultrafast | kB/s | SSIM | PSNR dB | fps |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var r : results) {
            if (!r.available()) md.append(String.format("| %s | unavailable: %s | | | | | | |%n", r.profile(), r.reason()));
            else md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.0f | %.4f | %.2f | %.0f |%n", r.profile(), r.medianSeconds(),
                    r.seconds(), r.ratioToSeed() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ratioToSeed()), r.kbPerSecond(), r.ssim(), r.psnr(), r.fps()));
        }
        md.append("\n| motion | RMS jerk px/frame² |\n|---|---:|\n");
        motion.forEach(m -> md.append(String.format(Locale.ROOT, "| %s | %.3f |%n", m.method(), m.rmsJerkPx())));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), md.toString());
        Files.writeString(dir.resolve("results.json"), Json.write(Map.of("scenes", scenes.size(), "videoSeconds", videoSeconds,
                "size", size, "fps", fps, "runs", n, "rows", results, "motion", motion)));
        System.out.print(md);
        return 0;
    }

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

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    public static void main(String... args) {
        System.exit(Cli.run(new benchmark(), args));
    }
}
