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
import shortsmith.providers.PaidRequests;
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

    @Option(names = "--resend-unanswered", description = {"Send once more the paid requests on record as sent and never answered (they may have",
            "been billed: never sent again on their own). Nothing else is sent again; finished work is kept."})
    boolean resendUnanswered;

    public Integer call() throws Exception {
        var settings = Settings.load();
        var input = StoryInput.fromArgs(args);
        var progress = Progress.stderr(input.selected().stream().map(Story.Scene::id).toList());
        var result = ImageStage.run(input, settings, force, resendUnanswered, progress);
        result.failures().values().forEach(e -> System.err.println("gen-images: " + e.getMessage()));
        long unanswered = result.failures().values().stream().filter(PaidRequests::unanswered).count();
        if (unanswered > 1) System.err.println("gen-images: " + PaidRequests.resendAllLine("gen-images", args == null ? List.of() : args, unanswered));
        System.out.println(StoryInput.handOn(result.story()));
        return result.exitCode();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new genimages(), args));
    }
}
