package shortsmith.core;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-scene status on stderr: live lines redrawn in place when stderr is a terminal (image ✓,
 * narration …, clip 40 %), plain lines at milestones otherwise, so logs stay readable.
 */
public final class Progress {
    /** What every view of one progress display shares. */
    private static final class Shared {
        final PrintStream err;
        final boolean live;
        final Map<String, Map<String, String>> lines = new LinkedHashMap<>();
        final Map<String, Integer> lastQuarter = new LinkedHashMap<>();
        int drawn;
        long lastDraw;
        final List<java.util.function.Consumer<Event>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

        Shared(PrintStream err, boolean live) {
            this.err = err;
            this.live = live;
        }
    }

    private final Shared shared;
    private final String slot;
    /** Put before every scene id and note of this view: a story's name in a batch. */
    private final String prefix;

    public Progress(PrintStream err, boolean live, List<String> sceneIds) {
        this(new Shared(err, live), "", "");
        sceneIds.forEach(id -> shared.lines.put(id, new LinkedHashMap<>(Map.of("", "waiting"))));
    }

    private Progress(Shared shared, String slot, String prefix) {
        this.shared = shared;
        this.slot = slot;
        this.prefix = prefix;
    }

    /** A view for one story of a batch: its scenes show as {@code story/scene}, its notes start with {@code story: }. */
    public Progress within(String story, List<String> sceneIds) {
        synchronized (shared) {
            sceneIds.forEach(id -> shared.lines.put(story + "/" + id, new LinkedHashMap<>(Map.of("", "waiting"))));
        }
        return new Progress(shared, slot, prefix + story + "/");
    }

    /**
     * A view that writes one part of each scene's line ({@code short} shows image, narration and
     * clip side by side: "image ✓  narration …  clip 40 %").
     */
    public Progress part(String name) { return new Progress(shared, name, prefix); }

    /**
     * One change a display shows: a scene's part ({@code image}, {@code narration}, {@code clip})
     * and its new status, or a note ({@code part} "note"; {@code scene} the story's name in a batch, else empty).
     */
    public record Event(String scene, String part, String status) {}

    /** {@code listener} hears every change this display (and every view of it) shows, as it happens; it must be quick. */
    public Progress listen(java.util.function.Consumer<Event> listener) {
        shared.listeners.add(listener);
        return this;
    }

    /** Progress on this process's stderr, live when it is a terminal. */
    public static Progress stderr(List<String> sceneIds) {
        return new Progress(System.err, isTerminal(2), sceneIds);
    }


    /** Whether file descriptor {@code fd} of this process is a terminal (Linux: /proc/self/fd). */
    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }

    /** A scene's status; {@code fraction} in 0…1 draws a bar, or is negative for none. */
    public void update(String scene, String stage, double fraction) {
        String sceneId = prefix + scene;
        String status = fraction < 0 ? Secrets.scrub(stage) : stage + " " + bar(fraction) + String.format(" %3d %%", Math.round(fraction * 100));
        synchronized (shared) {
            set(sceneId, status);
            if (shared.live) {
                long now = System.nanoTime();
                if (now - shared.lastDraw > 100_000_000L || fraction >= 1) redraw();
                return;
            }
            int quarter = fraction < 0 ? -1 : (int) Math.floor(fraction * 4);
            Integer last = shared.lastQuarter.put(sceneId + slot + stage, quarter);
            if (last == null || last != quarter) shared.err.println(sceneId + ": " + status);
        }
    }

    public void done(String sceneId, String summary) { finish(sceneId, "✓ " + summary); }

    public void failed(String sceneId, String message) { finish(sceneId, "✗ " + message); }

    private void finish(String scene, String message) {
        String sceneId = prefix + scene;
        String text = Secrets.scrub(message);
        synchronized (shared) {
            set(sceneId, text);
            if (shared.live) redraw();
            else shared.err.println(sceneId + ": " + text);
        }
    }

    private void set(String sceneId, String text) {
        var parts = shared.lines.computeIfAbsent(sceneId, k -> new LinkedHashMap<>());
        if (!slot.isEmpty()) parts.remove("");
        parts.put(slot, text);
        tell(new Event(sceneId, slot, text));
    }

    private void tell(Event e) { shared.listeners.forEach(l -> l.accept(e)); }

    /** A message above the live lines (warnings, summaries). */
    public void note(String text) {
        String message = Secrets.scrub(prefix.isEmpty() ? text : prefix.substring(0, prefix.length() - 1) + ": " + text);
        synchronized (shared) {
            tell(new Event(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), "note", message));
            if (shared.live && shared.drawn > 0) {
                shared.err.print("\033[" + shared.drawn + "A\033[J");
                shared.drawn = 0;
            }
            shared.err.println(message);
            if (shared.live) redraw();
        }
    }

    private void redraw() {
        var sb = new StringBuilder();
        if (shared.drawn > 0) sb.append("\033[").append(shared.drawn).append('A');
        var rows = rows();
        rows.forEach(row -> sb.append("\033[2K").append(row).append('\n'));
        // Fewer rows than last time (a story finished): clear what is left below.
        if (rows.size() < shared.drawn) sb.append("\033[J");
        shared.err.print(sb);
        shared.err.flush();
        shared.drawn = rows.size();
        shared.lastDraw = System.nanoTime();
    }

    /**
     * The live rows: one per scene; in a batch (scenes named {@code story/scene}), one per story
     * (clips done of its scenes, and what its first unfinished scene is doing), then the scene rows
     * of the first story not yet finished.
     */
    java.util.List<String> rows() {
        var rows = new java.util.ArrayList<String>();
        if (shared.lines.keySet().stream().noneMatch(id -> id.contains("/"))) {
            shared.lines.forEach((id, parts) -> rows.add(String.format("%-12s %s", id, String.join("   ", parts.values()))));
            return rows;
        }
        var stories = new LinkedHashMap<String, java.util.List<String>>();
        shared.lines.keySet().forEach(id -> stories.computeIfAbsent(id.substring(0, Math.max(0, id.indexOf('/'))), k -> new java.util.ArrayList<>()).add(id));
        String front = null;
        for (var e : stories.entrySet()) {
            var ids = e.getValue();
            long done = ids.stream().filter(this::sceneDone).count();
            String now = ids.stream().filter(id -> !sceneDone(id)).findFirst()
                    .map(id -> id.substring(id.indexOf('/') + 1) + ": " + String.join("   ", shared.lines.get(id).values())).orElse("✓ all clips");
            rows.add(String.format("%-16s %d/%d clips   %s", e.getKey(), done, ids.size(), now));
            if (front == null && done < ids.size()) front = e.getKey();
        }
        if (front != null) {
            for (String id : stories.get(front)) rows.add(String.format("  %-14s %s", id, String.join("   ", shared.lines.get(id).values())));
        }
        return rows;
    }

    private boolean sceneDone(String id) {
        String clip = shared.lines.get(id).get("clip");
        return clip != null && clip.startsWith("✓");
    }

    static String bar(double fraction) {
        int width = 20, full = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
        return "[" + "█".repeat(full) + "·".repeat(width - full) + "]";
    }
}
