///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector -Xlint:-incubating
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/video/*.java
//SOURCES ../lib/shortsmith/audio/*.java
//DESCRIPTION Renders each scene to a clip: sub-pixel Ken Burns, word-timed captions, NVENC or x264.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.audio.Merge;
import shortsmith.core.Cli;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.video.EncodeStage;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Renders every scene (or the named ones) of a story to a clip and prints the updated manifest.")
class encode implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "[STORY] [SCENE_ID…]", arity = "0..*",
            description = "A story manifest (or - for stdin; default: stdin when piped, else story.json), then scene ids.")
    List<String> args;

    @Option(names = "--profile", paramLabel = "auto|nvenc|x264|lossless", description = "Encoder profile (default: FFMPEG_ENCODER).")
    String profile;

    @Option(names = "--force", description = "Render again even when a clip is up to date.")
    boolean force;

    @Option(names = "--hook", paramLabel = "TEXT", description = {"Show TEXT big over the first 2 s of the first scene (wins over the manifest's \"hook\"; \"\" for none)."})
    String hook;

    @Option(names = "--explain", description = "Show each scene's move, how far it travels (zoom 1.00→1.12, pan 6.0% of the frame rightward) and why, "
            + "and where its subject was found (a manifest's focus, or the picture).")
    boolean explain;

    public Integer call() throws Exception {
        var settings = Settings.load();
        var input = StoryInput.fromArgs(args);
        if (hook != null) input = new StoryInput(input.story().withHook(hook), input.manifest(), input.sceneIds());
        var progress = Progress.stderr(input.selected().stream().map(Story.Scene::id).toList());
        // The merge's soundtrack is made under the clips, so merge afterwards only joins and copies.
        Path music = Merge.musicFor(input.story(), settings, null, false);
        var result = EncodeStage.run(input, settings, profile, force, explain, progress,
                (story, work, encoder) -> Merge.soundtrackAhead(encoder.ffmpeg(), settings, work, encoder, story, music));
        result.failures().values().forEach(e -> System.err.println("encode: " + e.getMessage()));
        System.out.println(StoryInput.handOn(result.story()));
        return result.exitCode();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new encode(), args));
    }
}
