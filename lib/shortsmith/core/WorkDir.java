package shortsmith.core;

import java.io.IOException;
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

    /** Temporary files not yet published and private scratch folders: removed if the JVM stops (Ctrl-C) first. */
    private static final java.util.Set<Path> PARTIALS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.Set<Path> SCRATCH = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicLong PARTIAL_COUNT = new java.util.concurrent.atomic.AtomicLong();

    static {
        Shutdown.onCleanup(() -> {
            PARTIALS.forEach(WorkDir::deleteQuietly);
            SCRATCH.forEach(WorkDir::deleteTree);
            // Threads still running may have been between making a file and recording it: sweep once more.
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            PARTIALS.forEach(WorkDir::deleteQuietly);
            SCRATCH.forEach(WorkDir::deleteTree);
        });
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

    /** How long a command waits for another one working on the same story before it gives up. */
    public static final java.time.Duration LOCK_WAIT = java.time.Duration.ofMinutes(30);

    /** Per work folder: the lock threads of this process queue on, and the file lock held for them all. */
    private static final java.util.Map<Path, Folder> FOLDERS = new java.util.concurrent.ConcurrentHashMap<>();

    private static final class Folder {
        final java.util.concurrent.locks.ReentrantLock threads = new java.util.concurrent.locks.ReentrantLock(true);
        java.nio.channels.FileChannel channel;
        java.nio.channels.FileLock fileLock;
    }

    /** A held story lock: closing it lets the next command in. */
    public interface StoryLock extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds the story's work folder for {@code command} until closed. Two commands on the same
     * story (two terminals, two threads of a batch, the stages of a pipe overlapping for a moment)
     * never work at once: the second waits for the first, saying so through {@code note}, at most
     * {@link #LOCK_WAIT}, and then fails naming the holder. Reentrant for the thread that holds it
     * ({@code short} runs the merge inside its own lock).
     */
    public StoryLock lock(String command, java.util.function.Consumer<String> note) throws InterruptedException {
        Path dir = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot create the work folder " + dir + ": " + e.getMessage(), e);
        }
        Folder folder = FOLDERS.computeIfAbsent(dir, d -> new Folder());
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        Path file = dir.resolve(LOCK_FILE);
        boolean told = false;
        while (!folder.threads.tryLock(250, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            told = waiting(command, note, file, deadline, told);
        }
        if (folder.threads.getHoldCount() > 1) return once(folder.threads::unlock);
        try {
            folder.channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE);
            while ((folder.fileLock = folder.channel.tryLock()) == null) {
                told = waiting(command, note, file, deadline, told);
                Thread.sleep(250);
            }
            String holder = ProcessHandle.current().pid() + " " + command + " since " + java.time.Instant.now() + "\n";
            folder.channel.truncate(0).write(java.nio.ByteBuffer.wrap(holder.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
            return once(() -> release(folder));
        } catch (IOException e) {
            release(folder);
            throw ShortsmithException.output("cannot lock the work folder " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException | RuntimeException e) {
            release(folder);
            throw e;
        }
    }

    /** Closing a lock a second time does nothing. */
    private static StoryLock once(Runnable release) {
        var closed = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) release.run();
        };
    }

    private static boolean waiting(String command, java.util.function.Consumer<String> note, Path file, long deadline, boolean told) {
        String holder;
        try {
            holder = Files.isRegularFile(file) ? Files.readString(file).strip() : "";
        } catch (IOException e) {
            holder = "";
        }
        if (holder.isEmpty()) holder = "of this process";
        if (System.nanoTime() > deadline) {
            throw new ShortsmithException(ExitCode.FAILED, "another shortsmith command has been working on this story for over "
                    + LOCK_WAIT.toMinutes() + " minutes (pid " + holder + "); wait for it or stop it, then run again");
        }
        if (!told) note.accept(command + ": waiting for another shortsmith command working on this story (pid " + holder + ")");
        return true;
    }

    private static void release(Folder folder) {
        if (folder.threads.getHoldCount() == 1) {
            try {
                if (folder.fileLock != null) folder.fileLock.release();
                if (folder.channel != null) folder.channel.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            } finally {
                folder.fileLock = null;
                folder.channel = null;
            }
        }
        folder.threads.unlock();
    }

    /** The lock file every work folder shortsmith uses holds; its presence marks the folder as one. */
    static final String LOCK_FILE = ".shortsmith.lock";

    /** Whether {@code dir} is a work folder a shortsmith stage has used: it holds the lock file, or the records of {@link Writes}. */
    public static boolean isShortsmithFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(LOCK_FILE)) || Files.isDirectory(dir.resolve(Writes.RECORDS));
    }

    /** Whether {@code p} lies inside {@code folder} once {@code ..} and symbolic links are followed. */
    public static boolean isInside(Path p, Path folder) {
        return real(p).startsWith(real(folder));
    }

    /** The real path of {@code p}: its deepest existing ancestor resolved through links, then the rest. */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    /** {@code text} as a path against {@code base}; one that cannot be a path (a NUL in it) is a bad-input error naming {@code from}. */
    public static Path path(Path base, String text, String from) {
        try {
            return base.resolve(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw ShortsmithException.badInput("\"" + text.replace("\0", "\\0") + "\" in " + from + " is not a usable path (" + e.getReason()
                    + "); remove the odd character");
        }
    }

    /** A temporary name beside {@code target}, for writing before the atomic rename. */
    public static Path partial(Path target) {
        Shutdown.check();
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot), ext = dot < 0 ? "" : name.substring(dot);
        Path partial = target.resolveSibling(stem + ".partial-" + ProcessHandle.current().pid() + "-" + PARTIAL_COUNT.incrementAndGet() + ext);
        PARTIALS.add(partial);
        return partial;
    }

    /**
     * A new private scratch folder in {@code parent} (hidden, named after {@code purpose}), deleted
     * with {@link #deleteTree} or, at the latest, when the JVM stops. Two runs never share one, and
     * nothing outside it is ever deleted with it.
     */
    public static Path scratch(Path parent, String purpose) { return registeredFolder(parent, "." + purpose + "-"); }

    /**
     * A new private folder in the system's temporary folder ({@link Home#temp()}), named
     * {@code shortsmith-PURPOSE-…}, for work outside any work folder (a command's output, a file
     * ffmpeg decodes): deleted like a {@link #scratch} folder, at the latest when the JVM stops
     * (Ctrl-C, SIGTERM).
     */
    public static Path temporary(String purpose) { return registeredFolder(Home.temp(), "shortsmith-" + purpose + "-"); }

    private static Path registeredFolder(Path parent, String prefix) {
        Shutdown.check();
        try {
            Files.createDirectories(parent);
            // Registered before it exists, so a cleanup that starts at any moment knows it.
            Path dir = parent.resolve(prefix + Long.toUnsignedString(RANDOM.nextLong()));
            SCRATCH.add(dir);
            Files.createDirectory(dir);
            if (Shutdown.stopping()) {
                deleteTree(dir);
                Shutdown.check();
            }
            return dir;
        } catch (IOException e) {
            throw ShortsmithException.output("cannot create a scratch folder in " + parent + ": " + e.getMessage(), e);
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Moves a finished temporary file to its final name in one step, durably: the file is flushed
     * to disk before the rename, and the folder after it, so a crash never leaves the final name
     * on an incomplete file. A file claimed for a story ({@link Writes#claim}) is checked once more
     * before and recorded as the story's after.
     */
    public static void publish(Path partial, Path target) {
        try {
            force(partial);
            Writes.beforePublish(target);   // a file claimed for a story (its Short): still one it may replace
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            PARTIALS.remove(partial);
            force(target.toAbsolutePath().getParent());
            Writes.afterPublish(target);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void force(Path p) throws IOException {
        boolean dir = Files.isDirectory(p);
        try (var channel = java.nio.channels.FileChannel.open(p, dir ? java.nio.file.StandardOpenOption.READ : java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            if (!dir) throw e;   // some file systems cannot sync a folder: the rename is still atomic
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

    /**
     * Deletes a folder and everything in it, as far as it can. A thread still writing into it (a
     * render stopped by Ctrl-C) can add a file after the folder was listed, so it is listed again,
     * a few times, until it is gone.
     */
    public static void deleteTree(Path dir) {
        SCRATCH.remove(dir);
        for (int attempt = 0; attempt < 5 && Files.exists(dir); attempt++) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(WorkDir::deleteQuietly);
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // best effort: listed again below
            }
            if (Files.exists(dir)) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Writes text to {@code target} through a temporary name, durably (see {@link #publish}). */
    public static void writeAtomically(Path target, String text) {
        writeAtomically(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes bytes to {@code target} through a temporary name, durably (see {@link #publish}). */
    public static void writeAtomically(Path target, byte[] bytes) {
        Path tmp = null;
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            tmp = partial(target);
            Files.write(tmp, bytes);
            publish(tmp, target);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);   // gone once published; left only when the write failed
        }
    }
}
