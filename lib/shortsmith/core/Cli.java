//DEPS info.picocli:picocli:4.7.7
package shortsmith.core;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Runs a script's picocli command and turns failures into one line on stderr and a shared exit
 * code ({@link ExitCode}); {@code --debug} (or SHORTSMITH_DEBUG=1) adds the stack trace. Returns
 * the code instead of exiting, so commands can be called from tests and JShell.
 */
public final class Cli {
    private Cli() {}

    /** The options every script has. */
    public static final class Common {
        @CommandLine.Option(names = "--debug", description = "Show stack traces of failures.")
        boolean debug;
    }

    public static int run(Callable<Integer> command, String... args) {
        Stderr.restoreFromLauncher();
        utf8Stdout();
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("SHORTSMITH_DEBUG"));
        var cli = new CommandLine(command);
        String name = cli.getCommandName();
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(name + ": " + Secrets.scrub(e.getMessage()) + " (see " + name + " --help)");
            if (debug) e.printStackTrace(err);
            err.flush();
            return ExitCode.USAGE.code();
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> report(name, e, debug, c.getErr()));
        return cli.execute(args);
    }

    /**
     * Manifests on stdout are JSON, which is UTF-8 (RFC 8259) whatever the locale: under LANG=C the
     * JVM's stdout would print "niño" as "ni?o", and the next stage of a pipe would read another story.
     */
    private static void utf8Stdout() {
        if (System.out.charset().equals(java.nio.charset.StandardCharsets.UTF_8)) return;
        System.out.flush();
        System.setOut(new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Prints the failure as one line (plus the trace when debugging) and returns its exit code.
     * Every line is scrubbed of keys ({@link Secrets}), the trace too.
     */
    static int report(String name, Throwable e, boolean debug, PrintWriter err) {
        Throwable t = e;
        while (!(t instanceof ShortsmithException) && t.getCause() != null && t != t.getCause()) t = t.getCause();
        int code;
        String line;
        if (t instanceof ShortsmithException s) {
            line = s.getMessage();
            code = s.exitCode().code();
        } else if (e instanceof InterruptedException) {
            line = "interrupted";
            code = ExitCode.INTERRUPTED.code();
        } else if (e instanceof java.nio.file.InvalidPathException p) {
            line = "\"" + p.getInput().replace("\0", "\\0") + "\" is not a usable path (" + p.getReason() + "); remove the odd character";
            code = ExitCode.BAD_INPUT.code();
        } else {
            line = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage() + (debug ? "" : " (run with --debug for details)");
            code = ExitCode.FAILED.code();
        }
        err.println(name + ": " + Secrets.scrub(withoutPrefix(name, line)));
        if (debug) {
            var trace = new java.io.StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(Secrets.scrub(trace.toString()));
        }
        err.flush();
        return code;
    }

    /** "merge: cannot…" printed by merge reads "merge: cannot…", not "merge: merge: cannot…". */
    static String withoutPrefix(String name, String line) {
        String l = line == null ? "" : line;
        while (l.startsWith(name + ": ")) l = l.substring(name.length() + 2);
        return l;
    }
}
