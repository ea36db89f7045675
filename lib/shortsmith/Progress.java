package shortsmith;

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
    private final PrintStream err;
    private final boolean live;
    private final Map<String, String> lines = new LinkedHashMap<>();
    private final Map<String, Integer> lastQuarter = new LinkedHashMap<>();
    private int drawn;
    private long lastDraw;

    public Progress(PrintStream err, boolean live, List<String> sceneIds) {
        this.err = err;
        this.live = live;
        sceneIds.forEach(id -> lines.put(id, "waiting"));
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
    public synchronized void update(String sceneId, String stage, double fraction) {
        String status = fraction < 0 ? stage : stage + " " + bar(fraction) + String.format(" %3d %%", Math.round(fraction * 100));
        lines.put(sceneId, status);
        if (live) {
            long now = System.nanoTime();
            if (now - lastDraw > 100_000_000L || fraction >= 1) redraw();
            return;
        }
        int quarter = fraction < 0 ? -1 : (int) Math.floor(fraction * 4);
        Integer last = lastQuarter.put(sceneId + stage, quarter);
        if (last == null || last != quarter) err.println(sceneId + ": " + status);
    }

    public synchronized void done(String sceneId, String summary) {
        lines.put(sceneId, "✓ " + summary);
        if (live) redraw();
        else err.println(sceneId + ": ✓ " + summary);
    }

    public synchronized void failed(String sceneId, String message) {
        lines.put(sceneId, "✗ " + message);
        if (live) redraw();
        else err.println(sceneId + ": ✗ " + message);
    }

    /** A message above the live lines (warnings, summaries). */
    public synchronized void note(String message) {
        if (live && drawn > 0) {
            err.print("\033[" + drawn + "A\033[J");
            drawn = 0;
        }
        err.println(message);
        if (live) redraw();
    }

    private void redraw() {
        var sb = new StringBuilder();
        if (drawn > 0) sb.append("\033[").append(drawn).append('A');
        lines.forEach((id, status) -> sb.append("\033[2K").append(String.format("%-12s %s", id, status)).append('\n'));
        err.print(sb);
        err.flush();
        drawn = lines.size();
        lastDraw = System.nanoTime();
    }

    static String bar(double fraction) {
        int width = 20, full = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
        return "[" + "█".repeat(full) + "·".repeat(width - full) + "]";
    }
}
