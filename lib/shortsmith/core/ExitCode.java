package shortsmith.core;

/** The exit codes every shortsmith script shares; docs/promises.md lists them. */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "part of the work failed; everything else was done and kept"),
    USAGE(2, "bad command line or setting"),
    NVENC_UNAVAILABLE(3, "--require was given and NVENC cannot encode on this machine"),
    ENVIRONMENT(4, "a required tool (JDK 25, ffmpeg, ffprobe, espeak-ng, a font) is missing or broken"),
    BAD_INPUT(5, "an input file is missing, unreadable or corrupt"),
    PROVIDER(6, "a provider API refused or failed"),
    OUTPUT(7, "an output could not be written"),
    INTERRUPTED(130, "interrupted; finished work is kept and the next run resumes");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() { return code; }

    public String meaning() { return meaning; }

    @Override
    public String toString() { return code + " " + name() + " (" + meaning + ")"; }
}
