///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector -Xlint:-incubating
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/video/*.java
//SOURCES ../lib/shortsmith/audio/*.java
//DESCRIPTION Joins the clips into the Short: video copied, gapless narration, ducked music, −14 LUFS, faststart MP4.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.audio.MediaReport;
import shortsmith.audio.Merge;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Joins a story's clips into one YouTube-ready MP4 and prints the manifest with its output.",
                "With --check FILE, checks any MP4 against YouTube's upload recommendations for a Short (edit lists, stream starts,",
                "B-frames, GOPs, keyframes, profile, AAC rate and bitrate, loudness, length, 9:16), prints each check, exits 1 when one fails."})
class merge implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "[STORY]", arity = "0..1",
            description = "A story manifest (or - for stdin; default: stdin when piped, else story.json).")
    List<String> args;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The Short to write (default: the manifest's output, else short.mp4).")
    Path output;

    @Option(names = "--music", paramLabel = "FILE|DIR", description = {"Background music (default: the manifest's music, else MUSIC).",
            "A folder: one of its tracks, chosen by the story's title (the same track every time; stories of a batch get different ones)."})
    String music;

    @Option(names = "--no-music", description = "No background music, whatever the manifest or MUSIC say.")
    boolean noMusic;

    @Option(names = "--check", paramLabel = "FILE", description = "Only check FILE (any video): no merge; exit 1 when it is not ready for YouTube Shorts.")
    Path check;

    public Integer call() throws Exception {
        var settings = Settings.load();
        if (check != null) {
            var report = MediaReport.of(Ffmpeg.locate(settings), check);
            System.out.println(report.details());
            return report.ready() ? ExitCode.OK.code() : ExitCode.FAILED.code();
        }
        if (music != null && noMusic) throw ShortsmithException.usage("--music and --no-music exclude each other");
        var input = StoryInput.fromArgs(args);
        Path out = input.output(settings, output, Path.of("short.mp4"));
        Path musicFile = Merge.musicFor(input.story(), settings, music, noMusic);
        var result = Merge.run(input, settings, new Merge.Options(out, musicFile), System.err::println);
        System.err.println(result.report());
        System.out.println(StoryInput.handOn(result.story()));
        return ExitCode.OK.code();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new merge(), args));
    }
}
