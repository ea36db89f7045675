package shortsmith.core;

/**
 * A failure a user can act on: one line that names the thing and what would fix it, plus the exit
 * code the script ends with. Scripts print only the message (the stack trace with --debug).
 */
public class ShortsmithException extends RuntimeException {
    private final ExitCode exitCode;

    public ShortsmithException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    public ShortsmithException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() { return exitCode; }

    public static ShortsmithException usage(String message) { return new ShortsmithException(ExitCode.USAGE, message); }

    public static ShortsmithException environment(String message) { return new ShortsmithException(ExitCode.ENVIRONMENT, message); }

    public static ShortsmithException badInput(String message) { return new ShortsmithException(ExitCode.BAD_INPUT, message); }

    public static ShortsmithException output(String message, Throwable cause) {
        return new ShortsmithException(ExitCode.OUTPUT, message, cause);
    }
}
