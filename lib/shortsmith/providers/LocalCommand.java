package shortsmith.providers;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A program of the user's as a provider ({@code IMAGE_COMMAND}, {@code TTS_COMMAND}): the command
 * line is split into words the way a shell splits them (quotes and backslashes), but no shell ever
 * runs; placeholders such as {@code {prompt}} or {@code {out}} are filled in inside each word, so a
 * prompt with quotes, {@code ;}, {@code $()} or newlines is one argument of data. A placeholder that
 * is a whole argument and whose value starts with "-" gets a leading space, so it is never taken
 * for an option the command did not ask for.
 *
 * <pre>jshell> LocalCommand.parse("TTS_COMMAND", "piper --model es.onnx --output_file {out}", Set.of("out"))</pre>
 */
record LocalCommand(String setting, String line, List<String> words) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");

    /** Splits {@code line}; an unclosed quote, an empty line or an unknown placeholder is one line naming the setting. */
    static LocalCommand parse(String setting, String line, Set<String> placeholders) {
        List<String> words = split(setting, line);
        if (words.isEmpty()) throw ShortsmithException.usage(setting + " is empty: give the command line to run, such as "
                + (setting.startsWith("TTS") ? "piper --model voice.onnx --output_file {out}" : "my-flux --prompt {prompt} --out {out}"));
        for (String w : words) {
            var m = PLACEHOLDER.matcher(w);
            while (m.find()) {
                if (!placeholders.contains(m.group(1))) {
                    throw ShortsmithException.usage(setting + " uses {" + m.group(1) + "}, which is not a placeholder here: use "
                            + placeholders.stream().sorted().map(p -> "{" + p + "}").toList());
                }
            }
        }
        if (words.stream().noneMatch(w -> w.contains("{out}"))) {
            throw ShortsmithException.usage(setting + " has no {out}: the command must write its result to the file {out} names");
        }
        return new LocalCommand(setting, line, List.copyOf(words));
    }

    /** Words as a POSIX shell splits them: whitespace, 'single quotes', "double quotes" with \" \\ \$ \`, and backslash escapes. */
    static List<String> split(String setting, String line) {
        List<String> words = new ArrayList<>();
        var current = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) throw ShortsmithException.usage(setting + " opens a ' that never closes; close it or remove it");
                current.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                int j = i + 1;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char d = line.charAt(j);
                    if (d == '\\' && j + 1 < line.length() && "\"\\$`".indexOf(line.charAt(j + 1)) >= 0) d = line.charAt(++j);
                    current.append(d);
                }
                if (j >= line.length()) throw ShortsmithException.usage(setting + " opens a \" that never closes; close it or remove it");
                i = j;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(current.toString());
                current.setLength(0);
                inWord = false;
            } else {
                current.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(current.toString());
        return words;
    }

    /** Where each placeholder's value comes from, for a message that points at it. */
    private static final Map<String, String> SOURCES = Map.of("text", "the scene's \"text\"",
            "prompt", "the scene's image prompt (its \"image_prompt\", else its \"text\")", "scene", "the scene's \"id\"",
            "language", "the story's \"language\"", "voice", "the voice (TTS_VOICE)");

    /** The arguments with the placeholders filled in; a value no command line can carry (a NUL in it) is bad input naming where it came from. */
    List<String> fill(Map<String, String> values) {
        List<String> args = new ArrayList<>();
        for (String w : words) {
            var m = PLACEHOLDER.matcher(w);
            while (m.find()) {
                String name = m.group(1);
                if (values.getOrDefault(name, "").indexOf('\0') >= 0) {
                    throw ShortsmithException.badInput(setting + " cannot be run: " + SOURCES.getOrDefault(name, "{" + name + "}")
                            + " contains a NUL character (\\0), which no command-line argument can carry; remove it from the manifest");
                }
            }
            m.reset();
            if (m.matches()) {
                String v = values.getOrDefault(m.group(1), "");
                args.add(v.startsWith("-") ? " " + v : v);
                continue;
            }
            args.add(m.replaceAll(r -> java.util.regex.Matcher.quoteReplacement(values.getOrDefault(r.group(1), ""))));
        }
        return args;
    }

    /**
     * Runs the command with the placeholders filled in ({@code out} is a fresh file it must write)
     * and {@code stdin} on its standard input; the bytes it wrote. A command that runs longer than
     * {@code timeout} is ended with its whole process tree. Failures name the setting, the exit
     * status and the command's last line of stderr.
     */
    byte[] run(Map<String, String> values, String extension, byte[] stdin, Duration timeout) {
        Path dir = null;
        try {
            dir = shortsmith.core.WorkDir.temporary("command");
            Path out = dir.resolve("out." + extension);
            var filled = new java.util.HashMap<>(values);
            filled.put("out", out.toString());
            var r = Proc.run(fill(filled), dir, timeout, stdin);
            if (r.timedOut()) {
                throw new ShortsmithException(ExitCode.PROVIDER, setting + " ran longer than PROVIDER_TIMEOUT (" + Http.seconds(timeout)
                        + ") and was ended with its child processes");
            }
            if (!r.ok()) {
                throw new ShortsmithException(ExitCode.PROVIDER, setting + " failed (exit " + r.exitCode() + ")"
                        + (r.lastErrorLine().isEmpty() ? "" : ": " + r.lastErrorLine()));
            }
            if (!Files.isRegularFile(out) || Files.size(out) == 0) {
                throw new ShortsmithException(ExitCode.PROVIDER, setting + " exited 0 but wrote nothing to {out}"
                        + (r.lastErrorLine().isEmpty() ? "" : " (its last words: " + r.lastErrorLine() + ")"));
            }
            if (Files.size(out) > Http.MAX_DOWNLOAD) {
                throw new ShortsmithException(ExitCode.PROVIDER, setting + " wrote " + (Files.size(out) >> 20) + " MB to {out}, more than the "
                        + (Http.MAX_DOWNLOAD >> 20) + " MB a picture or a narration may be");
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot run " + setting + ": " + e.getMessage(), e);
        } finally {
            if (dir != null) shortsmith.core.WorkDir.deleteTree(dir);
        }
    }

    @Override
    public String toString() { return setting + "[" + line + "]"; }
}
