package shortsmith.providers;

/** Narration cut to fit a provider's limit on one request, at the best places a person would pause. */
final class TextPieces {
    private TextPieces() {}

    /**
     * {@code text} cut into pieces of at most {@code limit} characters: whole sentences where they
     * fit, else clauses (at , ; :), else words; never inside a word unless one word is longer.
     */
    static java.util.List<String> pieces(String text, int limit) {
        var out = new java.util.ArrayList<String>();
        pack(text.strip(), limit, 0, out);
        return out;
    }

    /** Where a text may be cut, from the best place to the last resort: sentences, clauses, words. */
    private static final java.util.List<String> CUTS = java.util.List.of("(?<=[.!?…。！？])\\s+", "(?<=[,;:、，；])\\s+", "\\s+");

    private static void pack(String text, int limit, int level, java.util.List<String> out) {
        if (text.length() <= limit) {
            if (!text.isEmpty()) out.add(text);
            return;
        }
        if (level == CUTS.size()) {                       // one word longer than the limit
            for (int i = 0; i < text.length(); i += limit) out.add(text.substring(i, Math.min(text.length(), i + limit)));
            return;
        }
        var current = new StringBuilder();
        for (String part : text.split(CUTS.get(level))) {
            if (part.length() > limit) {
                if (!current.isEmpty()) out.add(current.toString());
                current.setLength(0);
                pack(part, limit, level + 1, out);
                continue;
            }
            if (!current.isEmpty() && current.length() + 1 + part.length() > limit) {
                out.add(current.toString());
                current.setLength(0);
            }
            if (!current.isEmpty()) current.append(' ');
            current.append(part);
        }
        if (!current.isEmpty()) out.add(current.toString());
    }
}
