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
//DESCRIPTION The whole Short in one command: images, narration, clips and merge overlapped, with a timing report.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.audio.Merge;
import shortsmith.audio.Soundtrack;
import shortsmith.core.Cli;
import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.core.Writes;
import shortsmith.media.Ffmpeg;
import shortsmith.pipeline.Batch;
import shortsmith.pipeline.Pipeline;
import shortsmith.pipeline.Timeline;
import shortsmith.providers.PaidRequests;
import shortsmith.providers.ScriptWriter;
import shortsmith.publish.Publisher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "short", mixinStandardHelpOptions = true,
        description = {"Makes a finished Short from a story (or a topic, or the bundled demo) and prints the final manifest.",
                "Pictures and narration start together; each clip starts as soon as its scene has both; the merge follows the last clip."})
class shortcmd implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "[STORY…]", arity = "0..*",
            description = {"A story manifest (or - for stdin; default: stdin when piped, else story.json).",
                    "Several manifests: one batch with one schedule (each Short beside its manifest, or at its \"output\")."})
    List<String> args;

    @Option(names = "--batch", paramLabel = "DIR", description = "Every *.json story manifest in DIR, in name order, as one batch.")
    Path batch;

    @Option(names = "--demo", arity = "0..1", paramLabel = "es|en", fallbackValue = "es",
            description = "Render the bundled example story (Spanish, or en) with the offline providers.")
    String demo;

    @Option(names = "--topic", paramLabel = "TEXT", description = "Write the story first with write-script (needs GEMINI_API_KEY).")
    String topic;

    @Option(names = "--scenes", paramLabel = "N", defaultValue = "8", description = "Scenes for --topic (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--language", paramLabel = "CODE", defaultValue = "es", description = "Language for --topic (default: ${DEFAULT-VALUE}).")
    String language;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The Short to write (default: the manifest's output, else short.mp4; demo-LANG.mp4 for --demo).")
    Path output;

    @Option(names = "--music", paramLabel = "FILE|DIR", description = "Background music, or a folder to pick a track from by the story's title (default: the manifest's music, else MUSIC; the demo has its own).")
    String music;

    @Option(names = "--no-music", description = "No background music.")
    boolean noMusic;

    @Option(names = "--report", paramLabel = "FILE", description = {"Write the timing report (JSON) there, and a timeline chart (PNG) beside the video.",
            "In a batch: the batch report (each story's wall, critical path and failures; the batch's efficiency) and its Gantt chart beside it."})
    Path report;

    @Option(names = "--hook", paramLabel = "TEXT", description = {"Show TEXT big over the first 2 s of the Short (wins over the manifest's \"hook\"; \"\" for none)."})
    String hook;

    @Option(names = "--force", description = "Redo every stage, even what is cached (paid providers are paid again).")
    boolean force;

    @Option(names = "--publish", description = {"Then put the Short on YouTube (see publish): private unless the manifest's \"youtube\" says otherwise;",
            "in a batch each Short goes up as soon as it is made, while the next ones render."})
    boolean publish;

    /** The publisher for --publish; its progress redrawn in place only for one Short (a batch's live lines are one per story). */
    private Publisher publisher(Settings settings, boolean live) {
        return publish ? Publisher.of(settings, System.getenv(), new Publisher.Options(shortsmith.publish.Metadata.Flags.none(), true, false, false, null,
                null, live && Progress.isTerminal(2))) : null;
    }

    @Option(names = "--resend-unanswered", description = {"Send once more the paid requests on record as sent and never answered (they may have",
            "been billed: never sent again on their own); nothing else is sent again, and the Short is finished."})
    boolean resendUnanswered;

    /** The command line as given, for the line that says how to send unanswered requests again. */
    List<String> argv = List.of();

    public Integer call() throws Exception {
        var settings = Settings.load();
        if (batch != null || (args != null && args.size() > 1)) return runBatch(settings);
        if (music != null && noMusic) throw ShortsmithException.usage("--music and --no-music exclude each other");
        if ((demo != null ? 1 : 0) + (topic != null ? 1 : 0) + (args != null && !args.isEmpty() ? 1 : 0) > 1) {
            throw ShortsmithException.usage("give one of STORY, --demo or --topic");
        }
        StoryInput input;
        Path defaultOutput = null;
        String musicChoice = music;
        if (demo != null) {
            if (!List.of("es", "en").contains(demo)) throw ShortsmithException.usage("--demo " + demo + ": allowed es, en");
            Path manifest = Home.root().resolve("examples/demo-" + demo + "/story.json");
            input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
            defaultOutput = Path.of("demo-" + demo + ".mp4");
            if (musicChoice == null && !noMusic && input.story().music() == null && settings.audio().music().isBlank()) {
                var work = input.workDir(settings);
                musicChoice = Soundtrack.demoMusic(Ffmpeg.locate(settings), work.root().resolve("demo-pad.wav")).toString();
            }
        } else if (topic != null) {
            Story story = ScriptWriter.fromTopic(settings, topic, scenes, language, s -> System.err.println("write-script: " + s));
            input = new StoryInput(story, null, List.of());
        } else {
            input = StoryInput.fromArgs(args);
        }
        if (hook != null) input = new StoryInput(input.story().withHook(hook), input.manifest(), input.sceneIds());
        Path out = input.output(settings, output, defaultOutput != null ? defaultOutput : Path.of("short.mp4"));
        Path musicFile = Merge.musicFor(input.story(), settings, musicChoice, noMusic);
        var progress = Progress.stderr(input.story().scenes().stream().map(Story.Scene::id).toList());
        var publisher = publisher(settings, true);
        var item = publisher == null ? null : Publisher.Item.ofStory(input.story(), out);
        if (publisher != null) publisher.metadata(item, 0);   // a bad title fails before anything renders
        Path reportFile = report == null ? null : Writes.userReport("--report", report, List.of(input), shortFiles(out));
        var result = Pipeline.run(input, settings, new Pipeline.Options(out, musicFile, force, resendUnanswered), progress);
        var r = result.report();
        if (reportFile != null) {
            WorkDir.writeAtomically(reportFile, Json.write(r));
            Path png = Writes.beside(out.toAbsolutePath(), ".timeline.png");
            Timeline.write(r, png);
            System.err.println("short: report " + report + ", timeline " + png);
        }
        result.failures().values().forEach(e -> System.err.println("short: " + e.getMessage()));
        long unanswered = result.failures().values().stream().filter(PaidRequests::unanswered).count();
        if (unanswered > 0) System.err.println("short: " + PaidRequests.resendAllLine("short", argv, unanswered));
        if (result.media() != null) System.err.println(result.media());
        System.err.println(String.format(java.util.Locale.ROOT, "short: %.1f s wall; critical path %.1f s (narration %.1f + last clip %.1f + merge %.1f),"
                        + " CPU work %.1f s on %d cores; efficiency %.2f (%s)", r.wall(), r.criticalPath(), r.narrationBusy(), r.lastClip(), r.merge(),
                r.cpuSeconds(), r.cores(), r.efficiency(), r.summary()));
        if (!result.failures().isEmpty()) System.err.println("short: no video yet; what was done is kept — run the same command again to redo only what is missing");
        int code = result.exitCode();
        if (publisher != null && result.failures().isEmpty()) {
            var p = publisher.publish(item, 0, progress);
            System.err.println("short: " + (p.failure() == null ? out.getFileName() + " " + p.outcome() + ": " + p.url() : p.message()));
            code = p.exitCode();
        }
        System.out.println(StoryInput.handOn(result.story()));
        return code;
    }

    /** Many stories, one schedule: each Short written as soon as its story is done; exit 1 naming every failed story. */
    private int runBatch(Settings settings) throws Exception {
        if (demo != null || topic != null) throw ShortsmithException.usage("a batch takes story manifests: not --demo or --topic");
        if (output != null) throw ShortsmithException.usage("-o names one Short: in a batch each story's Short goes beside its manifest (or to its \"output\")");
        if (music != null || noMusic) throw ShortsmithException.usage("in a batch each story has its own music (its manifest's, else MUSIC)");
        if (hook != null) throw ShortsmithException.usage("in a batch each story has its own hook: put it in the manifest's \"hook\"");
        List<Path> manifests = new java.util.ArrayList<>();
        if (batch != null) manifests.addAll(Batch.manifestsIn(batch, note -> System.err.println("short: " + note)));
        if (args != null) args.forEach(a -> {
            if (a.equals("-")) throw ShortsmithException.usage("a batch reads manifests from files, not stdin");
            manifests.add(Path.of(a));
        });
        Path reportFile = report == null ? null : batchReport(manifests);
        var progress = Progress.stderr(List.of());
        var r = Batch.run(manifests, settings, force, resendUnanswered, progress, publisher(settings, false));
        for (var s : r.stories()) {
            if (s.outcome().equals("failed")) {
                s.failures().forEach((what, why) -> System.err.println("short: " + Path.of(s.manifest()).getFileName() + " failed: " + why));
            }
        }
        long unanswered = r.stories().stream().flatMap(s -> s.failures().values().stream()).filter(PaidRequests::unanswered).count();
        if (unanswered > 0) System.err.println("short: " + PaidRequests.resendAllLine("short", argv, unanswered));
        if (reportFile != null) {
            WorkDir.writeAtomically(reportFile, Json.write(r));
            Path png = Writes.beside(reportFile, ".timeline.png");
            Timeline.write(r.timeline(), png);
            System.err.println("short: batch report " + report + ", timeline " + png);
        }
        long made = r.stories().stream().filter(s -> s.outcome().equals("made")).count(), kept = r.stories().stream().filter(s -> s.outcome().equals("kept")).count();
        System.err.println(String.format(java.util.Locale.ROOT, "short: batch of %d: %d made, %d kept, %d failed; %.1f s wall; bound %.1f s (%s); efficiency %.2f",
                r.stories().size(), made, kept, r.stories().size() - made - kept, r.wall(), r.bound(), r.summary(), r.efficiency()));
        long queued = r.stories().stream().filter(s -> "queued".equals(s.published())).count();
        if (queued > 0) System.err.println("short: " + queued + " Short(s) made but queued for upload: a YouTube daily limit was reached; run the same command"
                + " again after it resets (nothing is rendered or uploaded twice)");
        System.out.println(Json.write(r.stories()));
        return r.exitCode();
    }

    /** The Short and the files written beside it. */
    private static List<Path> shortFiles(Path shortFile) {
        List<Path> files = new java.util.ArrayList<>(List.of(shortFile));
        Writes.BESIDE.forEach(ending -> files.add(Writes.beside(shortFile, ending)));
        return files;
    }

    /**
     * The batch report's file, checked before anything is made: never a manifest, an input or a Short's
     * file of the batch; its timeline beside it replaces only the timeline of an earlier batch report there.
     */
    private Path batchReport(List<Path> manifests) {
        List<StoryInput> stories = new java.util.ArrayList<>();
        List<Path> files = new java.util.ArrayList<>();
        for (Path m : manifests) {
            files.addAll(shortFiles(Writes.beside(m.toAbsolutePath(), ".mp4")));
            try {
                var in = StoryInput.resolve(List.of(m.toString()), System.in, true);
                stories.add(in);
                if (in.story().output() != null) files.addAll(shortFiles(Path.of(in.story().output())));
            } catch (ShortsmithException e) {
                // the batch reports it as that story's failure
            }
        }
        Path file = Writes.userReport("--report", report, stories, files);
        Path png = Writes.beside(file, ".timeline.png");
        Writes.userReport("--report's timeline", png, stories, files);
        if (Files.exists(png) && !isBatchReport(file)) {
            throw ShortsmithException.usage(png + " already exists and is not the timeline of a batch report " + file.getFileName()
                    + " written before; remove it or give --report another name");
        }
        return file;
    }

    private static boolean isBatchReport(Path file) {
        try {
            var root = Json.MAPPER.readTree(file.toFile());
            return root != null && root.has("stories") && root.has("spans");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static void main(String... args) {
        var command = new shortcmd();
        command.argv = List.of(args);
        System.exit(Cli.run(command, args));
    }
}
