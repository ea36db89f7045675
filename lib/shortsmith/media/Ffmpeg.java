package shortsmith.media;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The ffmpeg and ffprobe binaries this run uses ({@code FFMPEG_BIN}, {@code FFPROBE_BIN}, else PATH).
 *
 * <pre>jshell> Ffmpeg.locate(Settings.load()).version()</pre>
 */
public record Ffmpeg(Path ffmpeg, Path ffprobe) {

    /** Finds both binaries, or fails with one line naming the setting and how to fix it. */
    public static Ffmpeg locate(Settings settings) {
        return new Ffmpeg(find("FFMPEG_BIN", settings.tools().ffmpeg()), find("FFPROBE_BIN", settings.tools().ffprobe()));
    }

    /** An executable: {@code value} as a path when it has a slash, else looked up on PATH; {@code setting} names it in the error. */
    public static Path find(String setting, String value) {
        if (value.contains("/")) {
            Path p = Path.of(value);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toAbsolutePath();
            throw ShortsmithException.environment(setting + "=" + value + ": no executable file there;"
                    + " point " + setting + " at the binary, or unset it to use the one on PATH");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, value);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        throw ShortsmithException.environment(value + " not found on PATH: install it (apt-get install ffmpeg)"
                + " or set " + setting + " to its full path");
    }

    /** The first line of {@code ffmpeg -version}, e.g. {@code 5.1.9-0+deb12u1}. */
    public String version() {
        var r = Proc.run(List.of(ffmpeg.toString(), "-hide_banner", "-version"), Duration.ofSeconds(20));
        String first = r.stdout().lines().findFirst().orElse("");
        var m = java.util.regex.Pattern.compile("ffmpeg version (\\S+)").matcher(first);
        if (!r.ok() || !m.find()) {
            throw ShortsmithException.environment(ffmpeg + " -version failed: " + r.lastErrorLine());
        }
        return m.group(1);
    }

    /** The command line so far: the binary plus the flags every run wants. */
    public List<String> command(String... args) {
        var cmd = new java.util.ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
