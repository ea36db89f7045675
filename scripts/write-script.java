///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/providers/*.java
//DESCRIPTION Writes a story manifest: from a topic with Gemini, or offline from a text with one paragraph per scene.

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.providers.ScriptWriter;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "write-script", mixinStandardHelpOptions = true,
        description = "Prints a story manifest: written by Gemini from --topic, or made from --from FILE (one paragraph per scene).")
class writescript implements Callable<Integer> {
    @Mixin Cli.Common common;

    static class Source {
        @Option(names = "--topic", paramLabel = "TEXT", required = true, description = "What the Short is about (needs GEMINI_API_KEY).")
        String topic;

        @Option(names = "--from", paramLabel = "FILE", required = true,
                description = "A text or Markdown file: a '#' title, then one paragraph per scene (no key needed).")
        Path from;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--scenes", paramLabel = "N", defaultValue = "8", description = "Scenes to write with --topic (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--language", paramLabel = "CODE", defaultValue = "es", description = "Narration language, ISO 639-1 (default: ${DEFAULT-VALUE}).")
    String language;

    public Integer call() throws Exception {
        if (scenes < 1 || scenes > 50) throw ShortsmithException.usage("--scenes " + scenes + ": allowed 1 to 50");
        if (!language.matches("[a-z]{2}(-[A-Za-z]{2})?")) throw ShortsmithException.usage("--language " + language + ": give an ISO code such as es or en");
        var settings = Settings.load();
        Story story;
        if (source.from != null) {
            if (!java.nio.file.Files.isRegularFile(source.from)) throw ShortsmithException.badInput(source.from + " does not exist");
            story = ScriptWriter.fromFile(source.from, language);
        } else {
            story = ScriptWriter.fromTopic(settings, source.topic, scenes, language, s -> System.err.println("write-script: " + s));
        }
        System.err.println("write-script: \"" + story.title() + "\", " + story.scenes().size() + " scenes");
        System.out.println(story.toJson());
        return ExitCode.OK.code();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new writescript(), args));
    }
}
