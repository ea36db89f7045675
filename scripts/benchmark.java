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

    @Option(names = "--quick", description = "Three scenes instead of all.")
    boolean quick;

    @Option(names = "--rows", split = ",", description = "Only these rows (seed-ultrafast,seed-x264,seed-nvenc,x264,nvenc-p1,nvenc-p4,nvenc-p7,lossless).")
    List<String> rows;

    @Option(names = "--out", description = "Folder for results.json and results.md (default: the work folder's bench/).")
    Path out;

    public Integer call() throws Exception {
        Path home = Home.root();
        Path storyFile = story != null ? story : home.resolve("examples/demo-es/story.json");
        var settings = Benchmark.at(Settings.load(), Map.of("VIDEO_SIZE", size, "VIDEO_FPS", String.valueOf(fps)));
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
        Double seedSeconds = null;
        for (String row : wanted) {
            System.err.println("benchmark: " + row + "…");
            boolean seed = row.startsWith("seed-");
            boolean nvenc = row.contains("nvenc");
            if (nvenc && !probe.nvencAvailable()) {
                var h = probe.encoders().get("h264_nvenc");
                results.add(Benchmark.Row.unavailable(row, h.reason() + ": " + h.message()));
                continue;
            }
            Path rowDir = dir.resolve(row);
            double seconds;
            if (seed) {
                var args = switch (row) {
                    case "seed-ultrafast" -> Benchmark.SEED_ULTRAFAST;
                    case "seed-x264" -> Benchmark.SEED_X264;
                    case "seed-nvenc" -> Benchmark.SEED_NVENC;
                    default -> throw ShortsmithException.usage("unknown row " + row);
                };
                seconds = Benchmark.runSeed(ffmpeg, scenes, settings, args, rowDir);
            } else if (row.equals("lossless")) {
                seconds = losslessSeconds;
                rowDir = dir.resolve("lossless");
            } else {
                EncoderProfile profile = switch (row) {
                    case "x264" -> EncoderProfile.x264(settings);
                    case "nvenc-p1", "nvenc-p4", "nvenc-p7" -> EncoderProfile.nvenc(settings).withPreset(row.substring(6));
                    default -> throw ShortsmithException.usage("unknown row " + row);
                };
                seconds = Benchmark.runOurs(scenes, settings, profile, rowDir);
            }
            long bytes = Benchmark.bytes(scenes, rowDir);
            double[] q = Benchmark.quality(ffmpeg, scenes, rowDir, dir.resolve(seed ? "seed-lossless" : "lossless"));
            if (row.equals("seed-ultrafast")) seedSeconds = seconds;
            results.add(new Benchmark.Row(row, true, null, seconds, seconds, bytes, bytes / 1000.0 / videoSeconds, q[0], q[1],
                    Math.round(videoSeconds * fps) / seconds, videoSeconds / seconds, seedSeconds == null ? null : seconds / seedSeconds));
        }
        var md = new StringBuilder("| profile | seconds | × seed-ultrafast | kB/s | SSIM | PSNR dB | fps |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (var r : results) {
            if (!r.available()) md.append(String.format("| %s | unavailable: %s | | | | | |%n", r.profile(), r.reason()));
            else md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.0f | %.4f | %.2f | %.0f |%n", r.profile(), r.seconds(),
                    r.ratioToSeed() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ratioToSeed()), r.kbPerSecond(), r.ssim(), r.psnr(), r.fps()));
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), md.toString());
        Files.writeString(dir.resolve("results.json"), Json.write(Map.of("scenes", scenes.size(), "videoSeconds", videoSeconds,
                "size", size, "fps", fps, "rows", results)));
        System.out.print(md);
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.run(new benchmark(), args));
    }
}
