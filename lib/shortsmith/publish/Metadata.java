package shortsmith.publish;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.core.ShortsmithException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The video resource publish sends ({@code snippet} and {@code status} of {@code videos.insert}),
 * from the story manifest's {@code youtube} object with command-line flags winning, and YouTube's
 * limits checked before anything is sent, each refusal one line naming the field.
 * Defaults: the story's title, {@code #Shorts} as the description, the story's language as
 * {@code defaultLanguage} and {@code defaultAudioLanguage}, privacy {@code private}, and
 * {@code containsSyntheticMedia: true} (the pictures and the voice are generated).
 *
 * <pre>jshell> Metadata.of(null, "Una cometa roja", "es", Metadata.Flags.none()).resource()</pre>
 */
public record Metadata(String title, String description, List<String> tags, String categoryId, String privacy, Instant publishAt,
                       boolean madeForKids, boolean syntheticMedia, String language, boolean notifySubscribers) {

    public static final int TITLE_MAX = 100;
    public static final int DESCRIPTION_MAX_BYTES = 5000;
    public static final int TAGS_MAX = 500;
    public static final List<String> PRIVACY = List.of("private", "unlisted", "public");

    /** The fields a manifest's {@code youtube} object may have. */
    static final Set<String> FIELDS = Set.of("title", "description", "tags", "category", "privacy", "publish_at", "made_for_kids",
            "synthetic_media", "language", "notify_subscribers");

    /** YouTube's category ids by a name people use (the ids are the same in every region). */
    static final Map<String, String> CATEGORIES = Map.ofEntries(Map.entry("film", "1"), Map.entry("autos", "2"), Map.entry("music", "10"),
            Map.entry("pets", "15"), Map.entry("sports", "17"), Map.entry("travel", "19"), Map.entry("gaming", "20"), Map.entry("people", "22"),
            Map.entry("comedy", "23"), Map.entry("entertainment", "24"), Map.entry("news", "25"), Map.entry("howto", "26"),
            Map.entry("education", "27"), Map.entry("science", "28"), Map.entry("nonprofits", "29"));

    /** What the command line says; null = not said (the manifest or the default decides). */
    public record Flags(String title, String description, List<String> tags, String category, String privacy, Instant publishAt,
                        Boolean madeForKids, Boolean syntheticMedia, String language) {
        public static Flags none() { return new Flags(null, null, null, null, null, null, null, null, null); }

        public Flags withPublishAt(Instant at) {
            return new Flags(title, description, tags, category, privacy, at, madeForKids, syntheticMedia, language);
        }
    }

    /**
     * The metadata of a Short: the manifest's {@code youtube} object (or null), the story's title
     * and language (or null for a bare video), and the flags, which win; then checked.
     */
    public static Metadata of(JsonNode youtube, String storyTitle, String storyLanguage, Flags flags) {
        JsonNode y = youtube == null || youtube.isNull() || youtube.isMissingNode() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : youtube;
        if (!y.isNull() && !y.isObject()) throw bad("\"youtube\" in the manifest must be an object such as {\"title\": \"…\", \"privacy\": \"private\"}");
        var unknown = new ArrayList<String>();
        y.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) unknown.add(f);
        });
        if (!unknown.isEmpty()) throw bad("\"youtube\" in the manifest has unknown fields " + unknown + "; known: " + new java.util.TreeSet<>(FIELDS));
        String title = first(flags.title(), text(y, "title"), storyTitle);
        if (title == null) throw bad("no title: give --title (a bare video has no story title)");
        String description = first(flags.description(), text(y, "description"), "#Shorts");
        List<String> tags = flags.tags() != null ? flags.tags() : strings(y, "tags");
        String category = first(flags.category(), y.hasNonNull("category") ? y.get("category").asText() : null, null);
        String privacy = first(flags.privacy(), text(y, "privacy"), "private");
        Instant at = flags.publishAt() != null ? flags.publishAt() : y.hasNonNull("publish_at") ? instant(text(y, "publish_at"), "\"publish_at\"") : null;
        boolean kids = flags.madeForKids() != null ? flags.madeForKids() : bool(y, "made_for_kids", false);
        boolean synthetic = flags.syntheticMedia() != null ? flags.syntheticMedia() : bool(y, "synthetic_media", true);
        String language = first(flags.language(), text(y, "language"), storyLanguage);
        boolean notify = bool(y, "notify_subscribers", true);
        boolean privacyGiven = flags.privacy() != null || y.hasNonNull("privacy");
        if (at != null && !privacy.equals("private")) {
            throw bad("a publish time (--at or \"publish_at\") is for a private video that YouTube makes public then; privacy is " + privacy
                    + (privacyGiven ? " here: leave it private (the default)" : ""));
        }
        return new Metadata(title, description, List.copyOf(tags), categoryId(category), privacy, at, kids, synthetic, language, notify).checked();
    }

    /** YouTube's limits, checked here so that an invalid request is never sent. */
    public Metadata checked() {
        if (title.isBlank()) throw bad("the title is empty");
        int chars = title.codePointCount(0, title.length());
        if (chars > TITLE_MAX) throw bad("the title has " + chars + " characters; YouTube allows at most " + TITLE_MAX + ": shorten it (--title or \"title\")");
        if (title.contains("<") || title.contains(">")) throw bad("the title contains < or >, which YouTube does not allow: remove them");
        int bytes = description.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > DESCRIPTION_MAX_BYTES) {
            throw bad("the description has " + bytes + " bytes in UTF-8; YouTube allows at most " + DESCRIPTION_MAX_BYTES + ": shorten it");
        }
        if (description.contains("<") || description.contains(">")) throw bad("the description contains < or >, which YouTube does not allow: remove them");
        for (String t : tags) {
            if (t.isBlank() || t.contains(",") || t.contains("<") || t.contains(">")) {
                throw bad("the tag \"" + t + "\" is empty or contains a comma, < or >, which YouTube does not allow");
            }
        }
        int tagChars = tagsLength(tags);
        if (tagChars > TAGS_MAX) {
            throw bad("the tags take " + tagChars + " characters as YouTube counts them (commas between tags, and quotes around a tag with a"
                    + " space); YouTube allows at most " + TAGS_MAX + ": drop some");
        }
        if (!PRIVACY.contains(privacy)) throw bad("privacy \"" + privacy + "\" is not one of " + String.join(", ", PRIVACY));
        if (publishAt != null && !publishAt.isAfter(Instant.now())) throw bad("the publish time " + publishAt + " is not in the future");
        if (language != null && !language.matches("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")) {
            throw bad("the language \"" + language + "\" is not a language code such as es or en-US");
        }
        return this;
    }

    /** The tags' length as YouTube counts it: each tag, a comma between two, and two quotes around a tag that holds a space. */
    static int tagsLength(List<String> tags) {
        int n = Math.max(0, tags.size() - 1);
        for (String t : tags) n += t.codePointCount(0, t.length()) + (t.contains(" ") ? 2 : 0);
        return n;
    }

    /** The {@code video} resource of videos.insert (parts snippet and status). */
    public Map<String, Object> resource() {
        var snippet = new LinkedHashMap<String, Object>();
        snippet.put("title", title);
        snippet.put("description", description);
        if (!tags.isEmpty()) snippet.put("tags", tags);
        if (categoryId != null) snippet.put("categoryId", categoryId);
        if (language != null) {
            snippet.put("defaultLanguage", language);
            snippet.put("defaultAudioLanguage", language);
        }
        var status = new LinkedHashMap<String, Object>();
        status.put("privacyStatus", privacy);
        if (publishAt != null) status.put("publishAt", publishAt.toString());
        status.put("selfDeclaredMadeForKids", madeForKids);
        status.put("containsSyntheticMedia", syntheticMedia);
        var video = new LinkedHashMap<String, Object>();
        video.put("snippet", snippet);
        video.put("status", status);
        return video;
    }

    public Metadata withPublishAt(Instant at) {
        return new Metadata(title, description, tags, categoryId, at == null ? privacy : "private", at, madeForKids, syntheticMedia, language,
                notifySubscribers).checked();
    }

    /** An ISO-8601 time with its offset ({@code 2026-12-10T18:00:00+01:00} or {@code …Z}); {@code what} names it in the error. */
    public static Instant instant(String text, String what) {
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw bad(what + " \"" + text + "\" is not an ISO-8601 time with its offset, such as 2026-12-10T18:00:00+01:00 or 2026-12-10T17:00:00Z");
        }
    }

    private static String categoryId(String category) {
        if (category == null) return null;
        String c = category.strip().toLowerCase(java.util.Locale.ROOT);
        if (c.matches("\\d{1,3}")) return c;
        if (CATEGORIES.containsKey(c)) return CATEGORIES.get(c);
        throw bad("category \"" + category + "\" is neither a YouTube category id (22 = People & Blogs) nor one of " + new java.util.TreeSet<>(CATEGORIES.keySet()));
    }

    private static String text(JsonNode y, String field) {
        JsonNode v = y.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw bad("\"youtube\"." + field + " must be text");
        return v.asText();
    }

    private static boolean bool(JsonNode y, String field, boolean fallback) {
        JsonNode v = y.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw bad("\"youtube\"." + field + " must be true or false");
        return v.asBoolean();
    }

    private static List<String> strings(JsonNode y, String field) {
        JsonNode v = y.get(field);
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw bad("\"youtube\"." + field + " must be a list of text, such as [\"cometas\", \"viento\"]");
        var out = new ArrayList<String>();
        v.forEach(t -> out.add(t.asText()));
        return out;
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }

    private static ShortsmithException bad(String message) { return ShortsmithException.usage(message); }
}
