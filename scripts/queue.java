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
//DESCRIPTION The cluster's story queue on PostgreSQL (QUEUE_URL): add stories for the workers, see their state, retry or cancel them.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.cluster.StoryQueue;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.pipeline.Batch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "queue", mixinStandardHelpOptions = true,
        subcommands = {queue.Add.class, queue.Status.class, queue.Retry.class, queue.Cancel.class},
        description = {"The cluster's story queue, in the PostgreSQL database QUEUE_URL names: 'worker' on each machine takes the stories.",
                "Every machine must see a story's manifest at the same path (a shared folder mounted alike)."})
class queue implements Callable<Integer> {
    @Mixin Cli.Common common;

    public Integer call() {
        throw ShortsmithException.usage("give a command: add, status, retry or cancel (see queue --help)");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Adds stories: one db-scheduler task each, named by the manifest's absolute path.",
                    "A story queued, running or done (and unchanged) is left as it is; a failed one, or one changed since, is queued again."})
    static class Add implements Callable<Integer> {
        @Mixin Cli.Common common;

        @Parameters(paramLabel = "STORY", arity = "0..*", description = "Story manifests (on the shared folder).")
        List<Path> manifests;

        @Option(names = "--batch", paramLabel = "DIR", description = "Every *.json story manifest in DIR, in name order.")
        Path batch;

        @Option(names = "--force", description = "Queue a done story again too, and make it from scratch (as short --force: paid providers are paid again).")
        boolean force;

        public Integer call() throws Exception {
            List<Path> all = new ArrayList<>();
            if (batch != null) all.addAll(Batch.manifestsIn(batch, note -> System.err.println("queue: " + note)));
            if (manifests != null) all.addAll(manifests);
            if (all.isEmpty()) throw ShortsmithException.usage("give story manifests, or --batch DIR");
            var changes = StoryQueue.open(Settings.load()).add(all, force);
            changes.forEach(System.out::println);
            long refused = changes.stream().filter(c -> c.what().startsWith("not added")).count();
            if (refused > 0) System.err.println("queue: " + refused + " of " + changes.size() + " not added (see above)");
            return refused > 0 ? ExitCode.BAD_INPUT.code() : 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Every story: state (queued, running, done, failed), worker, stage, attempts, started, and its Short or its one-line failure."})
    static class Status implements Callable<Integer> {
        @Mixin Cli.Common common;

        @Option(names = "--json", description = "A JSON array: story, state, worker, stage, attempts, started, finished, output, error.")
        boolean json;

        public Integer call() throws Exception {
            var entries = StoryQueue.open(Settings.load()).status();
            if (json) {
                System.out.println(Json.write(entries));
                return 0;
            }
            Path here = Path.of("").toAbsolutePath();
            String format = "%-28s %-8s %-18s %-22s %8s  %-20s  %s%n";
            System.out.printf(Locale.ROOT, format, "STORY", "STATE", "WORKER", "STAGE", "ATTEMPTS", "STARTED", "SHORT OR FAILURE");
            for (var e : entries) {
                Path story = Path.of(e.story());
                String shown = story.startsWith(here) ? here.relativize(story).toString() : e.story();
                System.out.printf(Locale.ROOT, format, shown, e.state(), orDash(e.worker()), orDash(e.stage()), e.attempts(),
                        e.started() == null ? "-" : e.started().replace('T', ' ').replaceFirst("\\.\\d+Z$", "Z"),
                        e.output() != null ? e.output() : orDash(e.error()));
            }
            long n = entries.size(), done = entries.stream().filter(e -> e.state().equals("done")).count(),
                    failed = entries.stream().filter(e -> e.state().equals("failed")).count(),
                    running = entries.stream().filter(e -> e.state().equals("running")).count();
            System.err.printf(Locale.ROOT, "queue: %d stories: %d queued, %d running, %d done, %d failed%n", n, n - done - failed - running, running, done, failed);
            return 0;
        }

        private static String orDash(String s) { return s == null ? "-" : s; }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Queues a failed story again (with --force, a done one too, made from scratch).")
    static class Retry implements Callable<Integer> {
        @Mixin Cli.Common common;

        @Parameters(paramLabel = "NAME", description = "The story: its manifest's path, or its file name.")
        String name;

        @Option(names = "--force", description = {"Passed to the story's run: a request that failed as possibly billed is sent once more,",
                "and every stage is redone (paid providers are paid again)."})
        boolean force;

        public Integer call() throws Exception {
            System.out.println(StoryQueue.open(Settings.load()).retry(name, force));
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Takes a story out of the queue; a running one is interrupted by its worker within seconds (this waits for it).")
    static class Cancel implements Callable<Integer> {
        @Mixin Cli.Common common;

        @Parameters(paramLabel = "NAME", description = "The story: its manifest's path, or its file name.")
        String name;

        public Integer call() throws Exception {
            System.out.println(StoryQueue.open(Settings.load()).cancel(name, Duration.ofSeconds(20)));
            return 0;
        }
    }

    public static void main(String... args) {
        System.exit(Cli.run(new queue(), args));
    }
}
