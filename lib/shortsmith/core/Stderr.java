package shortsmith.core;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Takes back the real stderr from the launcher. {@code ./jbang} starts the JVM with the Vector API
 * module, and the JVM prints a line about that incubating module on stderr before {@code main}
 * runs; so the launcher hands the JVM its stderr through a filter that drops that one line, and
 * the real stderr as file descriptor {@code -Dshortsmith.stderr} (3). From then on stderr is the
 * user's own again: a terminal stays a terminal (live progress), and nothing waits in a pipe.
 * Without the property (plain JBang, JShell, tests started otherwise) this does nothing.
 */
public final class Stderr {
    private Stderr() {}

    private static boolean restored;

    /** Points fd 2 at the descriptor the launcher kept, once; safe to call again. */
    public static synchronized void restoreFromLauncher() {
        String fd = System.getProperty("shortsmith.stderr");
        if (restored || fd == null) return;
        restored = true;
        int kept;
        try {
            kept = Integer.parseInt(fd);
        } catch (NumberFormatException e) {
            return;
        }
        // Only as the launcher set it up: stderr a pipe (to the filter), the kept descriptor open for writing. Anything
        // else (the property copied into another command line) could point stderr at a file the JVM opened itself.
        String filter = link(2);
        if (filter == null || !filter.startsWith("pipe:") || !openForWriting(kept)) return;
        System.err.flush();
        try {
            var libc = Linker.nativeLinker();
            var intOfInts = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            MethodHandle dup2 = libc.downcallHandle(libc.defaultLookup().find("dup2").orElseThrow(), intOfInts);
            MethodHandle close = libc.downcallHandle(libc.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            if ((int) dup2.invokeExact(kept, 2) != 2) return;
            int ignored = (int) close.invokeExact(kept);
            // bash's process substitution leaves its own descriptor of the filter's pipe open across exec: the
            // filter exits when every writer is gone, so the other descriptors of that pipe are closed too.
            try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
                for (var p : fds.toList()) {
                    int n = Integer.parseInt(p.getFileName().toString());
                    if (n > 2 && filter.equals(link(n))) ignored = (int) close.invokeExact(n);
                }
            }
        } catch (Throwable e) {
            // Left as it was: stderr still reaches the user, through the launcher's filter.
        }
    }

    /** Whether file descriptor {@code fd} is open write-only or read-write (its flags in /proc/self/fdinfo). */
    private static boolean openForWriting(int fd) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) return (Integer.parseInt(line.substring(6).strip(), 8) & 3) != 0;   // O_ACCMODE: 1 or 2
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not open, or not Linux
        }
        return false;
    }

    /** What file descriptor {@code fd} of this process refers to ("pipe:[1234]", a path), or null. */
    private static String link(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
