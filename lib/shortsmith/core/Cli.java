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
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("SHORTSMITH_DEBUG"));
        var cli = new CommandLine(command);
        String name = cli.getCommandName();
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
            if (debug) e.printStackTrace(err);
            err.flush();
            return ExitCode.USAGE.code();
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> report(name, e, debug, c.getErr()));
        return cli.execute(args);
    }

    /** Prints the failure as one line (plus the trace when debugging) and returns its exit code. */
    static int report(String name, Throwable e, boolean debug, PrintWriter err) {
        Throwable t = e;
        while (!(t instanceof ShortsmithException) && t.getCause() != null && t != t.getCause()) t = t.getCause();
        int code;
        if (t instanceof ShortsmithException s) {
            err.println(name + ": " + s.getMessage());
            code = s.exitCode().code();
        } else if (e instanceof InterruptedException) {
            err.println(name + ": interrupted");
            code = ExitCode.INTERRUPTED.code();
        } else {
            err.println(name + ": unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + (debug ? "" : " (run with --debug for details)"));
            code = ExitCode.FAILED.code();
        }
        if (debug) e.printStackTrace(err);
        err.flush();
        return code;
    }
}
