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
//DESCRIPTION The seed's commands against shortsmith's profiles, side by side: time, size, SSIM/PSNR, and the Short as a viewer gets it.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.benchmark.BenchmarkRun;
import shortsmith.core.Cli;

import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--rows", split = ",", description = "Only these encoder rows (seed-ultrafast,seed-x264,seed-nvenc,x264,nvenc-p1,nvenc-p4,nvenc-p7,lossless).")
    List<String> rows;

    @Option(names = "--only", split = ",", paramLabel = "SECTION", description = {"Only these sections, by name (an unknown name lists them all),",
            "e.g. captions (caption timing against Festival's word times), batch (3 stories as one batch against a shell loop of short),",
            "youtube (each upload encoded again as YouTube would), pace (dead air at the demos' scene joins),",
            "cluster (12 stories by 1, 2 and 4 workers on one PostgreSQL, with stand-in services; --quick: each once, else twice; not in a full run)."})
    List<String> only;

    @Option(names = "--out", description = "Folder for the results (default: the work folder's bench/).")
    Path out;

    public Integer call() throws Exception {
        var report = BenchmarkRun.run(new BenchmarkRun.Options(story, size, fps, quick, runs, rows, only, out), System.err::println);
        System.out.print(report.markdown());
        System.err.println("benchmark: results (Markdown, JSON, CSV and charts) in " + report.dir());
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.run(new benchmark(), args));
    }
}
