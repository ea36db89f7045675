package shortsmith.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every key this process has read, so that any message can be scrubbed of them before it reaches
 * a person: provider errors, failures, progress lines and stack traces alike. A key is registered
 * when {@link Settings} reads it.
 */
public final class Secrets {
    private Secrets() {}

    private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();

    /** Remembers {@code value} as a secret (blank values and very short ones are not keys). */
    public static void register(String value) {
        if (value != null && value.strip().length() >= 4) KNOWN.add(value.strip());
    }

    /** {@code text} with every known key replaced by {@code ***}. */
    public static String scrub(String text) {
        if (text == null) return null;
        String t = text;
        for (String s : KNOWN) t = t.replace(s, "***");
        return t;
    }

    /**
     * Why {@code value} cannot be a key, or null when it can: keys travel in HTTP headers, so they
     * are printable ASCII without spaces or quotes. The reason never repeats the value.
     */
    public static String problem(String value) {
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            String what = switch (cp) {
                case '"', '\'' -> "a quote";
                case 0x201C, 0x201D, 0x2018, 0x2019, 0x00AB, 0x00BB -> String.format("%c (U+%04X, a curly quote, as pasted from a web page)", cp, cp);
                case ' ', '\t' -> "a space";
                default -> cp < 0x21 || cp > 0x7E ? String.format("U+%04X, which is not printable ASCII", cp) : null;
            };
            if (what != null) return "it contains " + what + " at character " + (value.codePointCount(0, i) + 1);
            i += Character.charCount(cp);
        }
        return null;
    }
}
