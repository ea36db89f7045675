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

/**
 * At most {@code permits} starts in any sliding {@code window} across every process of this user
 * on this machine (image submissions: IMAGE_RATE_PER_MIN holds for two terminals together). The
 * starts are a ledger file of wall-clock times, read and rewritten under an operating-system lock.
 *
 * <pre>jshell> new SharedWindow(Path.of("/tmp/images.ledger"), 6, Duration.ofMinutes(1), Duration.ofMinutes(5)).acquire(System.out::println)</pre>
 */
public final class SharedWindow implements SubmissionLedger {
    /** One JVM-wide lock per ledger: the OS lock is per process, so threads take turns first. */
    private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final Path ledger;
    private final int permits;
    private final Duration window;
    private final Duration bound;

    public SharedWindow(Path ledger, int permits, Duration window, Duration bound) {
        this.ledger = ledger.toAbsolutePath();
        this.permits = permits;
        this.window = window;
        this.bound = bound;
    }

    /** Waits (at most the bound) until a start is allowed and records it; {@code waiting} hears once why it waits. */
    @Override
    public void acquire(Consumer<String> waiting) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean told = false;
        while (true) {
            long wait = tryStart();
            if (wait <= 0) return;
            if (!told) {
                waiting.accept(permits + " starts in " + window.toSeconds() + " s already made by this or another shortsmith run; waiting");
                told = true;
            }
            if (System.nanoTime() + wait * 1_000_000 > deadline) {
                throw new IllegalStateException("the shared limit of " + permits + " in " + window.toSeconds() + " s did not free within "
                        + bound.toSeconds() + " s");
            }
            Thread.sleep(Math.max(1, wait));
        }
    }

    /** Records a start and returns 0, or returns how many milliseconds until one is allowed. */
    private long tryStart() {
        var local = LOCAL.computeIfAbsent(ledger, p -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(ledger.getParent());
            try (var channel = FileChannel.open(ledger, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 var lock = channel.lock()) {
                long now = System.currentTimeMillis();
                ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
                channel.read(buffer, 0);
                List<Long> starts = new ArrayList<>();
                for (String line : new String(buffer.array(), StandardCharsets.US_ASCII).split("\n")) {
                    try {
                        long at = Long.parseLong(line.strip());
                        if (now - at < window.toMillis()) starts.add(at);
                    } catch (NumberFormatException ignored) {
                        // a torn or foreign line: not a start
                    }
                }
                long wait = 0;
                if (starts.size() >= permits) {
                    wait = starts.stream().mapToLong(Long::longValue).min().orElse(now) + window.toMillis() - now;
                } else {
                    starts.add(now);
                }
                var text = new StringBuilder();
                starts.forEach(s -> text.append(s).append('\n'));
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(false);
                return Math.max(0, wait);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the shared ledger " + ledger + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    @Override
    public String toString() { return "SharedWindow[" + permits + " in " + window.toSeconds() + " s, " + ledger + "]"; }
}
