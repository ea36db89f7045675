package shortsmith.concurrency;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * At most {@code permits} starts in any sliding {@code window} across every process of this user
 * on this machine (image submissions: IMAGE_RATE_PER_MIN holds for two terminals together). The
 * starts are a ledger file of wall-clock times in milliseconds, one a line, read and rewritten under
 * an operating-system lock.
 *
 * <p>The file is data from outside this process, so nothing in it is trusted: at most
 * {@link #MAX_BYTES} of it are read, a line that is not a time is dropped, and so is a time that
 * cannot be a recent start (before 2020, or more than a day ahead: corrupt). A time a little ahead
 * of the clock (the clock was stepped back, or set right after running fast) is a real start that
 * cannot be dated: it counts as made now, so it holds the limit for at most one window, never for
 * as long as the clock moved. Every wait is at most one window and all of them together at most
 * the bound.
 *
 * <pre>jshell> new SharedWindow(Path.of("/tmp/images.ledger"), 6, Duration.ofMinutes(1), Duration.ofMinutes(5)).acquire(System.out::println)</pre>
 */
public final class SharedWindow implements SubmissionLedger {
    /** The most of a ledger ever read: a ledger holds one short line per start in the window, so more is not ours. */
    static final int MAX_BYTES = 64 * 1024;
    /** Times before this (2020-01-01) or further ahead than this are not starts of ours. */
    static final long EARLIEST = 1_577_836_800_000L;
    static final long FURTHEST_AHEAD = Duration.ofDays(1).toMillis();

    /** One JVM-wide lock per ledger: the OS lock is per process, so threads take turns first. */
    private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    /** The time this thread's last start was recorded with, for {@link #answered()}. */
    private final ThreadLocal<Long> lastStart = new ThreadLocal<>();

    private final Path ledger;
    private final int permits;
    private final Duration window;
    private final Duration bound;
    private final LongSupplier wallMillis;

    public SharedWindow(Path ledger, int permits, Duration window, Duration bound) {
        this(ledger, permits, window, bound, System::currentTimeMillis);
    }

    /** With another wall clock (a test steps it back). */
    SharedWindow(Path ledger, int permits, Duration window, Duration bound, LongSupplier wallMillis) {
        if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        if (!window.isPositive() || window.toMillis() < 1) throw new IllegalArgumentException("window must be at least 1 ms, got " + window);
        if (bound.isNegative()) throw new IllegalArgumentException("bound must not be negative, got " + bound);
        this.ledger = ledger.toAbsolutePath();
        this.permits = permits;
        this.window = window;
        this.bound = bound;
        this.wallMillis = wallMillis;
    }

    public Path ledger() { return ledger; }

    /**
     * Waits (at most the bound) until a start is allowed and records it; {@code waiting} hears once
     * why it waits and for how long the next start is away.
     *
     * @throws LimitUnavailable when the bound passed first, or the ledger cannot be used
     */
    @Override
    public void acquire(Consumer<String> waiting) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean told = false;
        while (true) {
            long wait = tryStart();
            if (wait == 0) return;
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new LimitUnavailable(starts(permits) + " in " + seconds(window) + (permits == 1 ? " was" : " were") + " taken by shortsmith runs on this machine, and none"
                        + " freed within " + seconds(bound));
            }
            if (!told) {
                waiting.accept(starts(permits) + " in " + seconds(window) + " already made on this machine; next in "
                        + seconds(Duration.ofMillis(wait)));
                told = true;
            }
            Thread.sleep(Math.min(wait, left));
        }
    }

    /** Records a start and returns 0, or returns how many milliseconds (1 … one window) until one is allowed. */
    private long tryStart() {
        return update((starts, now) -> {
            if (starts.size() >= permits) {
                long oldest = starts.stream().mapToLong(Long::longValue).min().orElse(now);
                return Math.max(1, Math.min(window.toMillis(), oldest + window.toMillis() - now));
            }
            starts.add(now);
            lastStart.set(now);
            return 0L;
        });
    }

    /** This thread's last start was answered: it is dated now, so the next window begins after the service saw it. */
    @Override
    public void answered() {
        Long at = lastStart.get();
        if (at == null) return;
        lastStart.remove();
        try {
            update((starts, now) -> {
                int i = starts.indexOf(at);
                if (i >= 0) starts.set(i, Math.max(at, now));
                return 0L;
            });
        } catch (LimitUnavailable e) {
            // the start still counts from when it was allowed
        }
    }

    /** Reads the ledger's starts under both locks, lets {@code change} edit them, writes them back; what {@code change} returns. */
    private long update(java.util.function.BiFunction<List<Long>, Long, Long> change) {
        var local = LOCAL.computeIfAbsent(ledger, p -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(ledger.getParent());
            try (var channel = FileChannel.open(ledger, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 var lock = channel.lock()) {
                long now = wallMillis.getAsLong();
                List<Long> starts = startsIn(read(channel), now, window.toMillis());
                long result = change.apply(starts, now);
                var text = new StringBuilder();
                starts.forEach(s -> text.append(s).append('\n'));
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(false);
                return result;
            }
        } catch (IOException e) {
            throw new LimitUnavailable("cannot use the shared ledger " + ledger + ": " + e.getMessage());
        } finally {
            local.unlock();
        }
    }

    /** The ledger's text, at most {@link #MAX_BYTES} of it whatever size the file claims; a line cut off at the end is left out. */
    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), MAX_BYTES));
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // read until full or at the end
        }
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
        boolean cut = channel.size() > buffer.position();
        return cut && text.lastIndexOf('\n') >= 0 ? text.substring(0, text.lastIndexOf('\n')) : cut ? "" : text;
    }

    /**
     * The starts still inside the window at {@code now}: lines that are not times, and times that
     * cannot be recent starts, are dropped; a time a little ahead of the clock counts as now.
     */
    static List<Long> startsIn(String text, long now, long windowMillis) {
        List<Long> starts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.length() > 19) continue;
            long at;
            try {
                at = Long.parseLong(s);
            } catch (NumberFormatException torn) {
                continue;
            }
            if (at < EARLIEST || at - now > FURTHEST_AHEAD) continue;
            at = Math.min(at, now);
            if (now - at < windowMillis) starts.add(at);
        }
        return starts;
    }

    private static String starts(int n) { return n == 1 ? "1 start" : n + " starts"; }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    @Override
    public String toString() { return "SharedWindow[" + permits + " in " + seconds(window) + ", " + ledger + "]"; }
}
