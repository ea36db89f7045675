package shortsmith.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happens when the JVM stops (Ctrl-C, a kill, the end of {@code main}): first every child
 * process is ended, then every temporary file and scratch folder is deleted, in that order, in one
 * hook. Once stopping has begun no new process, temporary file or scratch folder is started
 * ({@link #check()}), so work still running on other threads cannot leave anything behind.
 */
public final class Shutdown {
    private Shutdown() {}

    private static volatile boolean stopping;
    private static final List<Runnable> STOP = new CopyOnWriteArrayList<>();
    private static final List<Runnable> CLEAN = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            STOP.forEach(Shutdown::quietly);
            CLEAN.forEach(Shutdown::quietly);
        }, "shortsmith-shutdown"));
    }

    /** Runs {@code action} first when the JVM stops (ending child processes). */
    public static void onStop(Runnable action) { STOP.add(action); }

    /** Runs {@code action} after the processes are ended (deleting temporary files). */
    public static void onCleanup(Runnable action) { CLEAN.add(action); }

    public static boolean stopping() { return stopping; }

    /** Fails (interrupted) once the JVM is stopping: nothing new is started then. */
    public static void check() {
        if (stopping) throw new ShortsmithException(ExitCode.INTERRUPTED, "interrupted");
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // the JVM is stopping: do the rest regardless
        }
    }
}
