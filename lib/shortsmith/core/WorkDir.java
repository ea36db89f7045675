package shortsmith.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Where a story's generated files live: by default {@code NAME.work/} beside the manifest (one per
 * story; delete it to start over), or {@code WORK_DIR}. Each stage leaves its products under a
 * fixed name per scene, so a later stage finds them even if the piped manifest was never saved.
 */
public record WorkDir(Path root) {

    /** Temporary files not yet published: removed if the JVM stops (Ctrl-C) before they are. */
    private static final java.util.Set<Path> PARTIALS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PARTIALS.forEach(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // nothing more can be done while the JVM stops
            }
        })));
    }

    /** The work folder for a story read from {@code manifest} (null when it came from stdin). */
    public static WorkDir forStory(Story story, Path manifest, String workDirSetting) {
        if (workDirSetting != null && !workDirSetting.isBlank()) return new WorkDir(Path.of(workDirSetting).toAbsolutePath());
        if (story.workDir() != null) return new WorkDir(Path.of(story.workDir()));
        if (manifest != null) {
            String name = manifest.getFileName().toString().replaceFirst("\\.json$", "");
            return new WorkDir(manifest.toAbsolutePath().getParent().resolve(name + ".work"));
        }
        return new WorkDir(Path.of("").toAbsolutePath().resolve(slug(story.title()) + ".work"));
    }

    static String slug(String title) {
        String s = java.text.Normalizer.normalize(title, java.text.Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "").toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return s.isEmpty() ? "story" : s.length() > 48 ? s.substring(0, 48) : s;
    }

    public Path images() { return dir("images"); }

    public Path audio() { return dir("audio"); }

    public Path clips() { return dir("clips"); }

    public Path clip(String sceneId) { return clips().resolve(sceneId + ".mp4"); }

    /** A generated file of this scene in {@code folder}, whatever its extension. */
    public Optional<Path> find(Path folder, String sceneId, List<String> extensions) {
        for (String ext : extensions) {
            Path p = folder.resolve(sceneId + "." + ext);
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    public Optional<Path> imageOf(String sceneId) { return find(images(), sceneId, List.of("png", "jpg", "jpeg", "webp")); }

    public Optional<Path> audioOf(String sceneId) { return find(audio(), sceneId, List.of("wav", "flac", "mp3")); }

    private Path dir(String name) {
        Path p = root.resolve(name);
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot create the work folder " + p + ": " + e.getMessage(), e);
        }
        return p;
    }

    /** A temporary name beside {@code target}, for writing before the atomic rename. */
    public static Path partial(Path target) {
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot), ext = dot < 0 ? "" : name.substring(dot);
        Path partial = target.resolveSibling(stem + ".partial-" + ProcessHandle.current().pid() + ext);
        PARTIALS.add(partial);
        return partial;
    }

    /** Moves a finished temporary file to its final name in one step. */
    public static void publish(Path partial, Path target) {
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            PARTIALS.remove(partial);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a file if it is there; a leftover temporary file is harmless, so failures are ignored. */
    public static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Deletes a folder and everything in it, as far as it can. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(WorkDir::deleteQuietly);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Writes text to {@code target} through a temporary name. */
    public static void writeAtomically(Path target, String text) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path tmp = partial(target);
            Files.writeString(tmp, text);
            publish(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
