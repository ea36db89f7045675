///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/providers/*.java
//DESCRIPTION Draws (local) or orders (bfl, openai, your ComfyUI workflow or command) a 9:16 picture for every scene without one; rate-limited, resumable.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.core.Cli;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.providers.ImageStage;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "gen-images", mixinStandardHelpOptions = true,
        description = "Fills \"image\" for every scene (or the named ones) that has none, and prints the updated manifest.")
class genimages implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "[STORY] [SCENE_ID…]", arity = "0..*",
            description = "A story manifest (or - for stdin; default: stdin when piped, else story.json), then scene ids.")
    List<String> args;

    @Option(names = "--force", description = "Generate again even when a picture for the same prompt exists (costs money with a paid provider).")
    boolean force;

    public Integer call() throws Exception {
        var settings = Settings.load();
        var input = StoryInput.fromArgs(args);
        var progress = Progress.stderr(input.selected().stream().map(Story.Scene::id).toList());
        var result = ImageStage.run(input, settings, force, progress);
        result.failures().values().forEach(e -> System.err.println("gen-images: " + e.getMessage()));
        System.out.println(StoryInput.handOn(result.story()));
        return result.exitCode();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new genimages(), args));
    }
}
