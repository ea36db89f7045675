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
//DESCRIPTION A cluster worker: takes stories from the queue (QUEUE_URL) and makes each with this machine's lanes, until Ctrl-C or SIGTERM.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.cluster.Worker;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Settings;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Takes stories from the cluster's queue (QUEUE_URL) and makes each as short does, its Short and report beside its manifest.",
                "One worker per machine: its stories share the machine's cores, NVENC sessions and narration lanes; the image rate is shared by all.",
                "Progress on stderr; one JSON line per story it ends on stdout. Ctrl-C or SIGTERM hands its stories back at once (exit 130)."})
class worker implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Option(names = "--stories", paramLabel = "N", defaultValue = "1", description = "How many stories it holds at once (default: ${DEFAULT-VALUE}).")
    int stories;

    public Integer call() throws Exception {
        var w = Worker.start(Settings.load(), stories, outcome -> {
            System.out.println(Worker.jsonLine(outcome));
            System.out.flush();
        });
        // SIGTERM too (a service manager's stop): the stories go back to the queue at once, and the exit is 130 either way.
        // sun.misc.Signal is the JDK's one way to handle a signal other than by exiting (javac warns once, when it builds this).
        var signalled = new AtomicBoolean();
        for (String name : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                if (!signalled.compareAndSet(false, true)) Runtime.getRuntime().halt(ExitCode.INTERRUPTED.code());   // a second one: now
                Thread.ofPlatform().name("worker-stop").start(() -> {
                    try {
                        w.stop();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    System.exit(ExitCode.INTERRUPTED.code());
                });
            });
        }
        w.awaitStop();
        return ExitCode.INTERRUPTED.code();
    }

    public static void main(String... args) {
        System.exit(Cli.run(new worker(), args));
    }
}
