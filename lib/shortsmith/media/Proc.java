package shortsmith.media;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Shutdown;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool and captures what it says. Every child process is ended with everything it
 * started if the JVM stops (Ctrl-C, SIGTERM), times out or is interrupted, so a stopped run leaves
 * no ffmpeg behind, nor a worker a user's command spawned.
 */
public final class Proc {
    private Proc() {}

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /**
     * Held (shared) from the check that the JVM is not stopping until a new process is in
     * {@link #LIVE}; the stop takes it (exclusive) first, so a process being started as the JVM
     * stops is either refused or ended with the rest, never left behind by a thread the JVM's exit
     * cut short between the two.
     */
    private static final java.util.concurrent.locks.ReadWriteLock LAUNCHING = new java.util.concurrent.locks.ReentrantReadWriteLock();

    static {
        Shutdown.onStop(() -> {
            try {
                // Launches under way finish first; kept: none starts after this (the JVM is going).
                LAUNCHING.writeLock().tryLock(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LIVE.forEach(Proc::endTree);
            for (Process p : LIVE) {
                try {
                    p.waitFor(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** What a finished (or timed-out) process did. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed,
                         boolean timedOut) {
        public boolean ok() { return exitCode == 0 && !timedOut; }

        /** The last non-blank line of stderr: usually the tool's reason for failing. */
        public String lastErrorLine() {
            var lines = stderr.strip().lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.getLast().strip();
        }

        @Override
        public String toString() {
            return "Proc.Result[exit=" + (timedOut ? "timeout" : exitCode) + ", " + elapsed.toMillis() + " ms, "
                    + String.join(" ", command) + "]";
        }
    }

    /** Runs {@code command} with no stdin, waiting at most {@code timeout}. */
    public static Result run(List<String> command, Duration timeout) {
        return run(command, null, timeout);
    }

    /** Runs {@code command} in folder {@code cwd} (null: this process's), with no stdin, waiting at most {@code timeout}. */
    public static Result run(List<String> command, java.nio.file.Path cwd, Duration timeout) {
        return run(command, cwd, timeout, null);
    }

    /**
     * Runs {@code command} with {@code input} on its stdin (null: none). Text given this way is data
     * to the program, never an option or shell syntax, whatever it starts with.
     */
    public static Result run(List<String> command, java.nio.file.Path cwd, Duration timeout, byte[] input) {
        long start = System.nanoTime();
        Process process = input == null ? start(command, cwd) : startPiped(command, cwd == null ? java.nio.file.Path.of("").toAbsolutePath() : cwd);
        try {
            if (input != null) {
                Thread.ofVirtual().start(() -> {
                    try (var in = process.getOutputStream()) {
                        in.write(input);
                    } catch (IOException ignored) {
                        // the program stopped reading: its exit status says why
                    }
                });
            }
            var out = new Drain(process.getInputStream());
            var err = new Drain(process.getErrorStream());
            var outThread = Thread.ofVirtual().start(out);
            var errThread = Thread.ofVirtual().start(err);
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                endTree(process);
                process.waitFor();
            }
            outThread.join();
            errThread.join();
            return new Result(List.copyOf(command), process.exitValue(), out.text, err.text,
                    Duration.ofNanos(System.nanoTime() - start), !finished);
        } catch (InterruptedException e) {
            endTree(process);
            Thread.currentThread().interrupt();
            throw new ShortsmithException(ExitCode.INTERRUPTED, "interrupted while running " + command.getFirst(), e);
        } finally {
            LIVE.remove(process);
        }
    }

    /**
     * Ends {@code process} and every process it started (a wrapper script's worker would otherwise
     * go on running, holding the GPU). The tree is listed before the parent goes, since its
     * children are then no longer its descendants; what they start meanwhile is ended too.
     */
    public static void endTree(Process process) {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        for (int round = 0; round < 3 && !tree.isEmpty(); round++) {
            List<ProcessHandle> started = new java.util.ArrayList<>();
            for (ProcessHandle h : tree) {
                started.addAll(h.descendants().toList());
                h.destroyForcibly();
            }
            tree = started;
        }
    }

    /** Starts {@code command} (stdin closed), registered so that it ends with the JVM. */
    public static Process start(List<String> command) { return start(command, null); }

    private static Process start(List<String> command, java.nio.file.Path cwd) {
        var builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        if (cwd != null) builder.directory(cwd.toFile());
        return launch(builder);
    }

    /** Starts {@code command} in {@code cwd} with stdin as a pipe the caller writes to (e.g. raw frames). */
    public static Process startPiped(List<String> command, java.nio.file.Path cwd) {
        return launch(new ProcessBuilder(command).directory(cwd.toFile()));
    }

    /** Starts a process registered so that it ends with the JVM; none starts once it is stopping. */
    private static Process launch(ProcessBuilder builder) {
        checkArguments(builder.command());
        Process p;
        LAUNCHING.readLock().lock();
        try {
            Shutdown.check();
            p = builder.start();
            LIVE.add(p);
        } catch (IOException e) {
            throw ShortsmithException.environment("cannot run " + builder.command().getFirst() + ": " + e.getMessage());
        } finally {
            LAUNCHING.readLock().unlock();
        }
        p.onExit().thenRun(() -> LIVE.remove(p));
        return p;
    }

    /**
     * No command line can carry a NUL: an argument with one is bad input (text from a manifest),
     * not a tool that is missing, which is what starting it would report.
     */
    static void checkArguments(List<String> command) {
        for (String arg : command) {
            int nul = arg.indexOf('\0');
            if (nul < 0) continue;
            String around = arg.substring(Math.max(0, nul - 30), Math.min(arg.length(), nul + 30)).replace("\0", "\\0");
            throw ShortsmithException.badInput(java.nio.file.Path.of(command.getFirst()).getFileName() + " cannot be given text with a NUL character"
                    + " (\\0), as in \"…" + around + "…\"; remove it from the manifest");
        }
    }

    /** Collects a stream's text on a virtual thread; {@link #text()} waits for the end. */
    public static final class Collector {
        private final Drain drain;
        private final Thread thread;

        public Collector(InputStream in) {
            this.drain = new Drain(in);
            this.thread = Thread.ofVirtual().start(drain);
        }

        public String text() throws InterruptedException {
            thread.join();
            return drain.text;
        }
    }

    private static java.io.File nullFile() { return new java.io.File("/dev/null"); }

    /** Reads a stream to the end on its own thread, so a chatty child never blocks on a full pipe. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private volatile String text = "";

        Drain(InputStream in) { this.in = in; }

        @Override
        public void run() {
            try (in) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
        }
    }
}
