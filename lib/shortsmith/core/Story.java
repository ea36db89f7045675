package shortsmith.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The story manifest that flows through every stage (schema: {@code schema/story.schema.json}).
 * Each stage fills in what it produced and passes the manifest on; paths a stage prints are
 * absolute, so a piped manifest means the same thing in any folder.
 *
 * <pre>jshell> Story.read(Path.of("examples/demo-es/story.json")).scenes().getFirst()</pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"title", "language", "hook", "captions", "music", "work_dir", "output", "youtube", "scenes"})
public record Story(String title, String language, String music, @JsonProperty("work_dir") String workDir,
                    String output, List<Scene> scenes, String hook, Captions captions, com.fasterxml.jackson.databind.JsonNode youtube) {

    /** A story without a hook or caption look of its own. */
    public Story(String title, String language, String music, String workDir, String output, List<Scene> scenes) {
        this(title, language, music, workDir, output, scenes, null, null, null);
    }

    /** A story without YouTube metadata. */
    public Story(String title, String language, String music, String workDir, String output, List<Scene> scenes, String hook, Captions captions) {
        this(title, language, music, workDir, output, scenes, hook, captions, null);
    }

    /**
     * The story's own caption look: any of {@code position}, {@code size}, {@code color},
     * {@code highlight}, {@code outline}, {@code box}, {@code uppercase}, {@code max_words}, with
     * the values the {@code CAPTION_*} settings take; they win over the settings. Checked when read.
     */
    public record Captions(@com.fasterxml.jackson.annotation.JsonValue java.util.Map<String, Object> fields) {
        @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
        public Captions {
            fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields == null ? java.util.Map.of() : fields));
            Settings.defaults().captions().with(fields);   // throws, naming the field and what is allowed
        }
    }

    /** The story with {@code text} shown big over the start of its first scene (null or blank: none). */
    public Story withHook(String text) {
        return new Story(title, language, music, workDir, output, scenes, text == null || text.isBlank() ? null : text.strip(), captions, youtube);
    }

    /** One scene: narration text (also the captions), an image prompt, and what stages produced. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"id", "text", "image_prompt", "motion", "focus", "image", "audio", "words", "timing", "video", "duration"})
    public record Scene(String id, String text, @JsonProperty("image_prompt") String imagePrompt, Motion motion, Focus focus,
                        String image, String audio, List<Word> words, Timing timing, String video, Double duration) {

        /** A scene without a focus of its own (the subject is found in the picture) and with word times of unknown origin. */
        public Scene(String id, String text, String imagePrompt, Motion motion, String image, String audio, List<Word> words, String video,
                     Double duration) {
            this(id, text, imagePrompt, motion, null, image, audio, words, words == null ? null : Timing.MANIFEST, video, duration);
        }

        public Scene withImage(String path) { return new Scene(id, text, imagePrompt, motion, focus, path, audio, words, timing, video, duration); }

        /** The narration and its word times, with where those come from. */
        public Scene withAudio(String path, List<Word> times, Timing source) {
            return new Scene(id, text, imagePrompt, motion, focus, image, path, times, times == null ? null : source, video, duration);
        }

        public Scene withVideo(String path, double seconds) {
            return new Scene(id, text, imagePrompt, motion, focus, image, audio, words, timing, path, seconds);
        }

        public Scene withMotion(Motion m) { return new Scene(id, text, imagePrompt, m, focus, image, audio, words, timing, video, duration); }
    }

    /**
     * Where a scene's word times come from: the speech engine itself, aligned to the audio, estimated
     * from the speech span (syllables and pauses), or given in the manifest by the user.
     */
    public enum Timing {
        ENGINE, ALIGNED, ESTIMATED, MANIFEST;

        @com.fasterxml.jackson.annotation.JsonValue
        public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Timing parse(String text) { return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT)); }
    }

    /** Where the picture's subject is, in fractions of the picture (0…1 from the left and the top): it overrides detection. */
    public record Focus(double x, double y) {
        public Focus {
            if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) throw new IllegalArgumentException("focus x and y must be between 0 and 1, got " + x + ", " + y);
        }
    }

    /** A word of the narration and when it is spoken, in seconds from the scene's start. */
    public record Word(String word, double start, double end) {

        /** From JSON: a missing or null time is read as not-a-number, so {@link #problem} names it instead of taking it for 0. */
        @com.fasterxml.jackson.annotation.JsonCreator
        static Word fromJson(@JsonProperty("word") String word, @JsonProperty("start") Double start, @JsonProperty("end") Double end) {
            return new Word(word, start == null ? Double.NaN : start, end == null ? Double.NaN : end);
        }

        /** What makes this word's entry unusable (no word, a time that is missing, not a number, negative or reversed), or null. */
        public String problem() {
            if (word == null) return "\"word\" is missing";
            if (!Double.isFinite(start)) return "\"start\" is missing or not a number";
            if (!Double.isFinite(end)) return "\"end\" is missing or not a number";
            if (start < 0) return "\"start\" " + start + " is negative";
            if (end < start) return "\"end\" " + end + " is before \"start\" " + start;
            return null;
        }

        /** The first problem of a list of word times (a null entry included) as "item N: …", or null when every entry is usable. */
        public static String problemOf(List<Word> words) {
            for (int i = 0; i < words.size(); i++) {
                Word w = words.get(i);
                String problem = w == null ? "is null" : w.problem();
                if (problem != null) return "item " + (i + 1) + " of " + words.size() + ": " + problem;
            }
            return null;
        }
    }

    public Story withScenes(List<Scene> s) { return new Story(title, language, music, workDir, output, s, hook, captions, youtube); }

    public Story withWorkDir(String dir) { return new Story(title, language, music, dir, output, scenes, hook, captions, youtube); }

    public Story withOutput(String file) { return new Story(title, language, music, workDir, file, scenes, hook, captions, youtube); }


    /** The scene with this id, or a usage error listing the ids there are. */
    public Scene scene(String id) {
        return scenes.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() -> ShortsmithException.usage(
                "no scene '" + id + "' in \"" + title + "\"; its scenes are " + scenes.stream().map(Scene::id).toList()));
    }

    /** Replaces one scene (by id). */
    public Story with(Scene scene) {
        List<Scene> list = new ArrayList<>(scenes);
        list.replaceAll(s -> s.id().equals(scene.id()) ? scene : s);
        return withScenes(list);
    }

    /** Parses and validates a manifest; {@code source} names it in errors. */
    public static Story parse(String json, String source) {
        Story story;
        try {
            story = Json.MAPPER.readValue(json, Story.class);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
            // A value a record refused (a caption field, a focus): its own message, not Jackson's wrapping.
            if (e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException v && v.getCause() instanceof IllegalArgumentException bad) {
                why = bad.getMessage();
            } else if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
                // A value of the wrong type ("start": "x", "words": "…"): the field it is in, not the parser's class names.
                why = where(m.getPath()) + " is not " + expected(m);
            }
            var loc = e.getLocation();
            throw ShortsmithException.badInput(source + " is not a valid story manifest"
                    + (loc == null ? "" : " (line " + loc.getLineNr() + ")") + ": " + why.lines().findFirst().orElse(why));
        }
        if (story == null) throw ShortsmithException.badInput(source + " is empty: expected a story manifest (JSON)");
        return story.validated(source);
    }

    /** Where a value sits in the manifest: {@code scene 2 "words" item 1 "start"}. */
    private static String where(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
        var out = new StringBuilder();
        for (int i = 0; i < path.size(); i++) {
            var r = path.get(i);
            boolean sceneIndex = r.getFieldName() == null && i > 0 && "scenes".equals(path.get(i - 1).getFieldName());
            if (r.getFieldName() != null) out.append(out.isEmpty() ? "" : " ").append('"').append(r.getFieldName()).append('"');
            else if (r.getIndex() >= 0) out.append(sceneIndex ? " " : " item ").append(r.getIndex() + 1);
        }
        return out.toString().replaceFirst("^\"scenes\" (\\d+)", "scene $1");
    }

    private static String expected(com.fasterxml.jackson.databind.JsonMappingException m) {
        Class<?> type = m instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mi ? mi.getTargetType() : null;
        if (type == null) return "of the right kind";
        if (type == double.class || type == Double.class || type == int.class || type == Integer.class) return "a number";
        if (type == String.class) return "text";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (List.class.isAssignableFrom(type)) return "a list";
        return "an object";
    }

    /**
     * Reads a manifest file, resolving its relative paths against the file's folder, which is also
     * the only folder it may write in, unless an earlier stage handed it on ({@link Writes}).
     */
    public static Story read(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw ShortsmithException.badInput("story " + file + " does not exist");
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read story " + file + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        Path folder = file.toAbsolutePath().getParent();
        Story story = parse(json, file.toString()).resolvedAgainst(folder, file.toString());
        return story.checkWrites(folder, file.toString(), file.toAbsolutePath().normalize(), Writes.handedOn(json, story));
    }

    private Story validated(String source) {
        List<String> problems = new ArrayList<>();
        if (title == null || title.isBlank()) problems.add("\"title\" is missing");
        // A NUL ends a string for every C tool the text reaches (espeak-ng, libass, ffmpeg's metadata) and is not allowed in subtitles.
        else if (title.indexOf('\0') >= 0) problems.add("\"title\" contains a NUL character (\\u0000): remove it");
        if (hook != null && hook.indexOf('\0') >= 0) problems.add("\"hook\" contains a NUL character (\\u0000): remove it");
        if (scenes == null || scenes.isEmpty()) problems.add("\"scenes\" is missing or empty");
        else {
            var ids = new HashSet<String>();
            for (int i = 0; i < scenes.size(); i++) {
                Scene s = scenes.get(i);
                if (s == null || s.id() == null || !s.id().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
                    problems.add("scene " + (i + 1) + " needs an \"id\" of letters, digits, '_', '.' or '-'");
                } else if (!ids.add(s.id())) {
                    problems.add("scene id '" + s.id() + "' is used twice");
                } else if (s.text() == null || s.text().isBlank()) {
                    problems.add("scene '" + s.id() + "' has no \"text\"");
                } else if (s.text().indexOf('\0') >= 0) {
                    problems.add("scene '" + s.id() + "' \"text\" contains a NUL character (\\u0000): remove it");
                } else if (s.text().codePoints().noneMatch(Character::isLetterOrDigit)) {
                    problems.add("scene '" + s.id() + "' has nothing to speak in its \"text\" (" + s.text().strip() + "): write the words to narrate");
                } else if (s.words() != null && Word.problemOf(s.words()) != null) {
                    problems.add("scene '" + s.id() + "' \"words\" " + Word.problemOf(s.words()) + " (fix it, or remove \"words\" to have them timed)");
                }
            }
        }
        if (!problems.isEmpty()) throw ShortsmithException.badInput(source + ": " + String.join("; ", problems));
        return language == null ? new Story(title, "en", music, workDir, output, scenes, hook, captions, youtube) : this;
    }

    /** Makes every relative path absolute against {@code base}; a path that is not one (a NUL in it) is a bad-input error. */
    public Story resolvedAgainst(Path base) { return resolvedAgainst(base, "the manifest"); }

    /**
     * Makes every relative path absolute against {@code base}; a path that is not one (a NUL in it)
     * is a bad-input error naming {@code source}, the scene and the field.
     */
    public Story resolvedAgainst(Path base, String source) {
        List<Scene> resolved = scenes.stream().map(s -> {
            String where = source + ": scene '" + s.id() + "' ";
            return new Scene(s.id(), s.text(), s.imagePrompt(), s.motion(), s.focus(), absolute(base, s.image(), where + "\"image\""),
                    absolute(base, s.audio(), where + "\"audio\""), s.words(), s.words() == null ? null : s.timing() == null ? Timing.MANIFEST : s.timing(),
                    absolute(base, s.video(), where + "\"video\""), s.duration());
        }).toList();
        return new Story(title, language, absolute(base, music, source + ": \"music\""), absolute(base, workDir, source + ": \"work_dir\""),
                absolute(base, output, source + ": \"output\""), resolved, hook, captions, youtube);
    }

    private static String absolute(Path base, String path, String field) {
        if (path == null || path.isBlank()) return path;
        try {
            return base.resolve(path).toAbsolutePath().normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            throw ShortsmithException.badInput(field + " \"" + path.replace("\0", "\\0") + "\" is not a usable path (" + e.getReason()
                    + "); remove the odd character");
        }
    }

    /**
     * Checks the two paths a manifest may ask to write to, {@code output} and {@code work_dir}.
     * Unless {@code handedOn} (an earlier stage wrote this very manifest and checked them), they must
     * lie inside {@code folder} (the manifest's own): a story from elsewhere can then never write a
     * file of the user's ("output": "../.bashrc"); a path given on the command line or in the
     * environment may point anywhere. In any case the output is never the manifest ({@code manifest},
     * null for stdin), an input the story names, or a folder; and the work folder never holds the
     * manifest, is never a file, and is never an existing folder of the user's (one with files in it
     * that shortsmith did not make). Whether an existing file may be replaced is decided when the
     * Short is about to be made ({@link Writes#claim}).
     */
    public Story checkWrites(Path folder, String source, Path manifest, boolean handedOn) {
        for (var field : List.of(java.util.Map.entry("output", String.valueOf(output)), java.util.Map.entry("work_dir", String.valueOf(workDir)))) {
            if (field.getValue().equals("null")) continue;
            Path p = Path.of(field.getValue());
            if (!handedOn && !WorkDir.isInside(p, folder)) {
                throw ShortsmithException.badInput(source + ": \"" + field.getKey() + "\" " + p + " is outside the manifest's folder " + folder
                        + "; a manifest only writes inside its own folder (give -o FILE or WORK_DIR to write elsewhere)");
            }
        }
        if (output != null) {
            Path out = Path.of(output);
            String named = source + ": \"output\" " + out;
            if (manifest != null && Writes.same(out, manifest)) {
                throw ShortsmithException.badInput(named + " is the manifest itself; a Short never replaces it: name a new file such as short.mp4");
            }
            var input = Writes.inputNamed(this, out);
            if (input.isPresent()) throw ShortsmithException.badInput(named + " is " + input.get() + ", an input of the story; name a new file such as short.mp4");
            if (Files.isDirectory(out)) throw ShortsmithException.badInput(named + " is a folder; name a file such as short.mp4");
        }
        if (workDir != null) {
            Path work = Path.of(workDir);
            String named = source + ": \"work_dir\" " + work;
            if (manifest != null && WorkDir.isInside(manifest, work)) {
                throw ShortsmithException.badInput(named + " holds the manifest itself; name a folder of its own such as story.work");
            }
            if (Files.exists(work) && !Files.isDirectory(work)) throw ShortsmithException.badInput(named + " is a file, not a folder; name a new folder such as story.work");
            if (Files.isDirectory(work) && !WorkDir.isShortsmithFolder(work) && !isEmpty(work)) {
                throw ShortsmithException.badInput(named + " is a folder of yours, not a work folder shortsmith made; name a new folder such as story.work");
            }
        }
        return this;
    }

    private static boolean isEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    public String toJson() { return Json.write(this); }
}
