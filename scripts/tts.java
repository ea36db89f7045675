///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/providers/*.java
//DESCRIPTION Narrates every scene without audio: espeak-ng offline, an OpenAI-compatible or Replicate TTS, or your ComfyUI workflow or command.

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
import shortsmith.providers.SpeechStage;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tts", mixinStandardHelpOptions = true,
        description = "Fills \"audio\" for every scene (or the named ones) that has none, and prints the updated manifest.")
class tts implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "[STORY] [SCENE_ID…]", arity = "0..*",
            description = "A story manifest (or - for stdin; default: stdin when piped, else story.json), then scene ids.")
    List<String> args;

    @Option(names = "--force", description = "Synthesise again even when a narration of the same text exists.")
    boolean force;

    @Option(names = "--resend-unanswered", description = {"Send once more the paid requests on record as sent and never answered (they may have",
            "been billed: never sent again on their own). Nothing else is sent again; finished work is kept."})
    boolean resendUnanswered;

    public Integer call() throws Exception {
        var settings = Settings.load();
        var input = StoryInput.fromArgs(args);
        var progress = Progress.stderr(input.selected().stream().map(Story.Scene::id).toList());
        var result = SpeechStage.run(input, settings, force, resendUnanswered, progress);
        result.failures().values().forEach(e -> System.err.println("tts: " + e.getMessage()));
        long unanswered = result.failures().values().stream().filter(PaidRequests::unanswered).count();
        if (unanswered > 1) System.err.println("tts: " + PaidRequests.resendAllLine("tts", args == null ? List.of() : args, unanswered));
        System.out.println(StoryInput.handOn(result.story()));
        return result.exitCode();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new tts(), args));
    }
}
