package shortsmith.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a story may write outside its work folder, and the proof of what it wrote there.
 *
 * <ul>
 * <li><b>Claims.</b> Before a run makes a Short, its file and the files written beside it
 * ({@link #BESIDE}) are claimed for the story ({@link #claim}). None of them may be the manifest or
 * an input the manifest names, nor an existing file of the work folder that this story did not
 * write. Nor may they replace any other existing file, unless it is a previous output of the same
 * story, except the Short itself when the user named it with {@code -o}.</li>
 * <li><b>A previous output of the same story</b> is a file whose record the story's work folder
 * keeps ({@code .shortsmith/written/}): written when the file is published, it holds the file's
 * path, size, modification time (nanoseconds) and inode, and the manifest of the story that wrote
 * it. A file changed, replaced or copied over since, or one the work folder has no record of (it
 * was deleted to start over), is not one.</li>
 * <li><b>Handed on.</b> A stage that prints a manifest for the next stage of a pipe records the
 * SHA-256 of that exact text in the work folder it names ({@link #handOn}). A manifest whose text
 * is recorded so in the work folder it names was checked and written by an earlier stage: its
 * {@code work_dir} and {@code output} are taken as they are, wherever they lie. Any other manifest
 * writes only inside its own folder (the current folder for stdin).</li>
 * </ul>
 *
 * <pre>jshell> Writes.claim(input, input.workDir(Settings.load()), Path.of("short.mp4"), Writes.Origin.DEFAULT)</pre>
 */
public final class Writes {
    private Writes() {}

    /** The folder of a work folder where these records are kept. */
    static final String RECORDS = ".shortsmith";

    /** Who chose where a file goes: the user on the command line ({@code -o}), the manifest's {@code output}, or a default name. */
    public enum Origin { USER, MANIFEST, DEFAULT }

    /** The files written beside a Short, named by its own name with these endings instead of its extension. */
    public static final List<String> BESIDE = List.of(".srt", ".vtt", ".timeline.png", ".report.json");

    /** The file beside {@code output} with this ending ({@code short.mp4} → {@code short.srt}). */
    public static Path beside(Path output, String ending) {
        return output.resolveSibling(output.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ending);
    }

    /** A claimed file: the story's work folder (where its record goes), its manifest (null for stdin), and whether the user named this very file. */
    private record Claim(Path work, Path manifest, Origin origin, String label, boolean userChose) {}

    private static final Map<Path, Claim> CLAIMS = new ConcurrentHashMap<>();

    /**
     * Claims {@code output} (and the files beside it) for the story of {@code input}, or fails with
     * one line naming the file, who chose it and the fix: {@link ExitCode#USAGE} for {@code -o},
     * {@link ExitCode#BAD_INPUT} for the manifest's {@code output}, {@link ExitCode#OUTPUT} for a default.
     * Returns the absolute path. Once claimed, each file is checked again just before it is renamed
     * into place and recorded as this story's just after ({@link WorkDir#publish}).
     */
    public static Path claim(StoryInput input, WorkDir work, Path output, Origin origin) {
        Path out = output.toAbsolutePath().normalize();
        Path manifest = input.manifest() == null ? null : input.manifest().toAbsolutePath().normalize();
        Path root = work.root().toAbsolutePath().normalize();
        String label = switch (origin) {
            case USER -> "-o " + output;
            case MANIFEST -> (manifest == null ? "the manifest on stdin" : manifest.getFileName().toString()) + ": \"output\" " + out;
            case DEFAULT -> out.getFileName() + " (the default output)";
        };
        List<Path> targets = new ArrayList<>(List.of(out));
        BESIDE.forEach(ending -> targets.add(beside(out, ending)));
        synchronized (Writes.class) {
            for (Path target : targets) {
                boolean main = target == out;
                String what = main ? label : target.getFileName() + ", written beside " + label;
                Claim other = CLAIMS.get(key(target));
                if (other != null && !other.work().equals(root)) {
                    throw refused(origin, what + " is where " + (other.manifest() == null ? "another story" : other.manifest().getFileName())
                            + " writes its Short in this run; give each story its own output");
                }
                refusal(input.story(), manifest, root, target, main, main && origin == Origin.USER).ifPresent(why -> {
                    throw refused(origin, what + " " + why);
                });
            }
            for (Path target : targets) CLAIMS.put(key(target), new Claim(root, manifest, origin, label, target == out && origin == Origin.USER));
        }
        return out;
    }

    /**
     * Checks a file the user named for a report ({@code --report FILE}) before anything is made, or
     * fails with one line (exit 2): never a folder, a manifest of {@code stories}, an input one of
     * them names, or a file a Short of theirs writes ({@code shortFiles}: the Short and the files
     * beside it). Any other file of the user's it may replace: the user named it. Returns the absolute path.
     */
    public static Path userReport(String option, Path file, List<StoryInput> stories, List<Path> shortFiles) {
        Path target = file.toAbsolutePath().normalize();
        String what = option + " " + file;
        if (Files.isDirectory(target)) throw ShortsmithException.usage(what + " is a folder; give a file name such as report.json");
        for (StoryInput in : stories) {
            if (in.manifest() != null && same(target, in.manifest())) {
                throw ShortsmithException.usage(what + " is the story's manifest " + in.manifest().getFileName() + "; a report never replaces it: name a new file");
            }
            inputNamed(in.story(), target).ifPresent(input -> {
                throw ShortsmithException.usage(what + " is " + input + ", an input of " + in.story().title() + "; name a new file");
            });
        }
        for (Path f : shortFiles) {
            if (same(target, f) || key(target).equals(key(f))) throw ShortsmithException.usage(what + " is " + f.getFileName() + ", which the Short writes; name another file");
        }
        return target;
    }

    /** Why {@code target} may not be written for this story, if it may not; {@code userChose}: the user named this very file. */
    private static Optional<String> refusal(Story story, Path manifest, Path work, Path target, boolean main, boolean userChose) {
        if (Files.isDirectory(target)) return Optional.of("is a folder; give a file name such as short.mp4");
        if (manifest != null && same(target, manifest)) return Optional.of("is the story's manifest; a Short never replaces it: name a new file such as short.mp4");
        var input = inputNamed(story, target);
        if (input.isPresent()) return Optional.of("is " + input.get() + ", an input of the story; name a new file such as short.mp4");
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) || previousOutput(target, work, manifest)) return Optional.empty();
        if (WorkDir.isInside(target, work)) return Optional.of("is a file of the story's work folder " + work + "; name a file outside it");
        if (userChose) return Optional.empty();
        return Optional.of("already exists and is not a file this story wrote (" + work.getFileName() + " has no record of it); "
                + "remove it or name a new file" + (main ? " (-o " + target.getFileName() + " replaces it deliberately)" : ""));
    }

    private static ShortsmithException refused(Origin origin, String message) {
        return switch (origin) {
            case USER -> ShortsmithException.usage(message);
            case MANIFEST -> ShortsmithException.badInput(message);
            case DEFAULT -> ShortsmithException.output(message, null);
        };
    }

    /** Which of the story's inputs {@code file} is ("scene 's1' \"image\"", "the \"music\""), if it is one. */
    static Optional<String> inputNamed(Story story, Path file) {
        if (story.music() != null && !story.music().isBlank() && same(file, Path.of(story.music()))) return Optional.of("the story's \"music\"");
        for (Story.Scene s : story.scenes()) {
            for (var field : List.of(Map.entry("image", String.valueOf(s.image())), Map.entry("audio", String.valueOf(s.audio())),
                    Map.entry("video", String.valueOf(s.video())))) {
                if (!field.getValue().equals("null") && !field.getValue().isBlank() && same(file, Path.of(field.getValue()))) {
                    return Optional.of("scene '" + s.id() + "' \"" + field.getKey() + "\"");
                }
            }
        }
        return Optional.empty();
    }

    /** Whether two paths name the same file: the same real path, or (both existing) the same file through links. */
    static boolean same(Path a, Path b) {
        if (WorkDir.real(a).equals(WorkDir.real(b))) return true;
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Just before a claimed file is renamed into place: it must still be one this story may replace (another run may have written it since). */
    static void beforePublish(Path target) {
        Claim claim = CLAIMS.get(key(target));
        if (claim == null || claim.userChose()) return;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !previousOutput(target, claim.work(), claim.manifest())) {
            throw ShortsmithException.output(target + " was created by something else while this story was made (" + claim.label()
                    + "); it is left as it is: remove it or name another file, then run again", null);
        }
    }

    /** Just after a claimed file was renamed into place: records it as this story's. A failure only means it is not recognised later. */
    static void afterPublish(Path target) {
        Claim claim = CLAIMS.get(key(target));
        if (claim == null) return;
        try {
            var record = new Written(key(target).toString(), Stamp.of(target), claim.manifest() == null ? null : claim.manifest().toString());
            WorkDir.writeAtomically(recordOf(claim.work(), target), Json.write(record));
        } catch (IOException | RuntimeException e) {
            // without the record the file is not taken for this story's next time: refused, never overwritten
        }
    }

    /** The record of a file a story wrote outside its work folder (or inside, with {@code -o}). */
    record Written(String file, Stamp stamp, String manifest) {}

    /** What identifies one version of a file: its size, modification time (as precise as the file system keeps it) and inode. */
    public record Stamp(long bytes, String modified, String inode) {
        public static Stamp of(Path file) throws IOException {
            var a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new Stamp(a.size(), a.lastModifiedTime().toString(), a.fileKey() == null ? null : a.fileKey().toString());
        }
    }

    private static Path recordOf(Path work, Path target) {
        return work.resolve(RECORDS).resolve("written").resolve(sha256(key(target).toString()) + ".json");
    }

    /** A file's identity for claims and records: its folder's real path and its own name (a link there is not followed). */
    private static Path key(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return abs.getParent() == null ? abs : WorkDir.real(abs.getParent()).resolve(abs.getFileName());
    }

    /**
     * Whether {@code target} is, as it is now, a file the story of this work folder wrote: recorded
     * there with the same size, modification time and inode, by the same manifest (or either was read
     * from stdin: a story piped in and later saved is the same story).
     */
    static boolean previousOutput(Path target, Path work, Path manifest) {
        Path record = recordOf(work.toAbsolutePath().normalize(), target);
        if (!Files.isRegularFile(record)) return false;
        try {
            var w = Json.MAPPER.readValue(record.toFile(), Written.class);
            return w != null && key(target).toString().equals(w.file()) && Stamp.of(target).equals(w.stamp())
                    && (w.manifest() == null || manifest == null || w.manifest().equals(manifest.toString()));
        } catch (IOException | RuntimeException e) {
            return false;   // an unreadable record proves nothing
        }
    }

    /** How many handed-on manifests a work folder remembers (the newest). */
    static final int HANDED_ON_KEPT = 64;

    /**
     * The story as JSON for the next stage of a pipe, its SHA-256 recorded in the work folder it
     * names, so the next stage knows it was written here (see the class comment).
     */
    public static String handOn(Story story) {
        String json = story.toJson();
        if (story.workDir() == null) return json;
        Path dir = Path.of(story.workDir()).resolve(RECORDS).resolve("handed-on");
        try {
            WorkDir.writeAtomically(dir.resolve(sha256(json.strip())), java.time.Instant.now() + "\n");
            try (var entries = Files.list(dir)) {
                var all = entries.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).sorted(java.util.Comparator.comparing(Writes::modified)).toList();
                for (int i = 0; i < all.size() - HANDED_ON_KEPT; i++) WorkDir.deleteQuietly(all.get(i));
            }
        } catch (IOException | RuntimeException e) {
            // unrecorded: the next stage then takes the manifest as one of its own folder's
        }
        return json;
    }

    /** Whether {@code text} is, exactly, a manifest an earlier stage handed on from the work folder {@code story} names. */
    public static boolean handedOn(String text, Story story) {
        if (story.workDir() == null) return false;
        try {
            return Files.isRegularFile(Path.of(story.workDir()).resolve(RECORDS).resolve("handed-on").resolve(sha256(text.strip())));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
