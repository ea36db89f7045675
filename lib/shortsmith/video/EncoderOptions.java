package shortsmith.video;

import shortsmith.core.ShortsmithException;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The options an ffmpeg encoder accepts, read from {@code ffmpeg -h encoder=NAME} — which works
 * without the hardware, so NVENC command lines can be checked on any machine.
 */
record EncoderOptions(String encoder, Map<String, Option> options, Set<String> pixelFormats) {

    /** One private option: its type, its named constants, and its numeric range when stated. */
    public record Option(String name, String type, Set<String> constants, Double min, Double max) {}

    private static final Pattern OPTION = Pattern.compile("^  -(\\S+)\\s+<(\\w+)>\\s+\\S+\\s*(.*)$");
    private static final Pattern CONSTANT = Pattern.compile("^     (\\S+)\\s+(?:\\S+\\s+)?[E.][D.]");   // flags constants have no value column
    private static final Pattern RANGE = Pattern.compile("from (-?[\\d.]+|INT_MIN) to (-?[\\d.]+|INT_MAX)");
    private static final Pattern CQ_RANGE = Pattern.compile("\\((-?[\\d.]+) to (-?[\\d.]+)");

    /** Asks the installed ffmpeg. */
    public static EncoderOptions of(Ffmpeg ffmpeg, String encoder) {
        var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-hide_banner", "-h", "encoder=" + encoder), Duration.ofSeconds(20));
        if (!r.ok() || r.stdout().contains("is not recognized")) {
            throw ShortsmithException.environment("ffmpeg does not know the encoder " + encoder + ": " + r.lastErrorLine());
        }
        return parse(encoder, r.stdout());
    }

    /**
     * The options every encoder takes (ffmpeg's AVCodecContext options: {@code -bf}, {@code -g},
     * {@code -flags}…), read from {@code ffmpeg -h full}, so a profile's generic arguments are
     * checked as its private ones are.
     */
    public static EncoderOptions codecContext(Ffmpeg ffmpeg) {
        var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-hide_banner", "-h", "full"), Duration.ofSeconds(20));
        String help = r.stdout();
        int from = help.indexOf("AVCodecContext AVOptions:");
        if (!r.ok() || from < 0) throw ShortsmithException.environment("ffmpeg -h full lists no AVCodecContext options: " + r.lastErrorLine());
        var section = new StringBuilder();
        for (String line : help.substring(from).lines().skip(1).toList()) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) break;   // the next section's heading
            section.append(line).append('\n');
        }
        return parse("AVCodecContext", section.toString());
    }

    static EncoderOptions parse(String encoder, String help) {
        Map<String, Option> options = new LinkedHashMap<>();
        Set<String> pixelFormats = new LinkedHashSet<>();
        String current = null;
        String type = null;
        Double min = null, max = null;
        Set<String> constants = new LinkedHashSet<>();
        for (String line : help.lines().toList()) {
            if (line.strip().startsWith("Supported pixel formats:")) {
                pixelFormats.addAll(List.of(line.strip().substring("Supported pixel formats:".length()).trim().split("\\s+")));
                continue;
            }
            var om = OPTION.matcher(line);
            if (om.matches()) {
                if (current != null) options.put(current, new Option(current, type, Set.copyOf(constants), min, max));
                current = om.group(1);
                type = om.group(2);
                constants = new LinkedHashSet<>();
                var rm = RANGE.matcher(om.group(3));
                var cm = CQ_RANGE.matcher(om.group(3));
                if (rm.find()) {
                    min = bound(rm.group(1));
                    max = bound(rm.group(2));
                } else if (cm.find()) {
                    min = bound(cm.group(1));
                    max = bound(cm.group(2));
                } else {
                    min = max = null;
                }
                continue;
            }
            var cm = CONSTANT.matcher(line);
            if (current != null && cm.find()) constants.add(cm.group(1));
        }
        if (current != null) options.put(current, new Option(current, type, Set.copyOf(constants), min, max));
        return new EncoderOptions(encoder, Map.copyOf(options), Set.copyOf(pixelFormats));
    }

    private static Double bound(String s) {
        return switch (s) {
            case "INT_MIN" -> (double) Integer.MIN_VALUE;
            case "INT_MAX" -> (double) Integer.MAX_VALUE;
            default -> Double.parseDouble(s);
        };
    }

    /** What is wrong with {@code given} (option → value) for this encoder; empty when all is accepted. */
    public List<String> problems(Map<String, String> given) {
        List<String> problems = new ArrayList<>();
        given.forEach((name, value) -> {
            Option o = options.get(name);
            if (o == null) {
                problems.add(encoder + " has no option -" + name);
                return;
            }
            boolean ok = switch (o.type()) {
                case "boolean" -> Set.of("0", "1", "true", "false").contains(value);
                case "int", "int64", "float", "double" -> o.constants().contains(value) || inRange(o, value);
                case "string" -> true;
                // +name, -name or name joined: each must be one of the option's flags.
                case "flags" -> java.util.Arrays.stream(value.split("[+-]")).filter(f -> !f.isEmpty()).allMatch(o.constants()::contains);
                default -> o.constants().isEmpty() || o.constants().contains(value);
            };
            if (!ok) problems.add(encoder + " -" + name + " " + value + " is not accepted (" + o + ")");
        });
        return problems;
    }

    private static boolean inRange(Option o, String value) {
        try {
            double v = Double.parseDouble(value);
            return (o.min() == null || v >= o.min()) && (o.max() == null || v <= o.max());
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
