package shortsmith.concurrency;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * At most {@code slots} holders at once across every process of this user on this machine (NVENC
 * sessions: two terminals running {@code short} share the GPU's cap). Each slot is a file in
 * {@code dir} held with an operating-system lock, so a process that dies (even {@code kill -9})
 * frees its slots at once. Threads of one process count too: a slot one thread holds is taken for
 * the others.
 *
 * <pre>jshell> try (var lease = new SlotLeases(Path.of("/tmp/leases"), "nvenc", 2, Duration.ofMinutes(1)).acquire(System.out::println)) { }</pre>
 */
public final class SlotLeases {
    private final Path dir;
    private final String name;
    private final int slots;
    private final Duration bound;

    public SlotLeases(Path dir, String name, int slots, Duration bound) {
        if (slots < 1) throw new IllegalArgumentException("slots must be at least 1, got " + slots);
        this.dir = dir;
        this.name = name;
        this.slots = slots;
        this.bound = bound;
    }

    /** A held slot; closing it frees the slot. */
    public interface Lease extends AutoCloseable {
        int slot();

        @Override
        void close();
    }

    /**
     * Waits (at most the bound) for a free slot; {@code waiting} hears once that the wait began.
     *
     * @throws LimitUnavailable when no slot freed within the bound, or the slot files cannot be used
     */
    public Lease acquire(Consumer<String> waiting) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean told = false;
        long pause = 20;
        while (true) {
            for (int i = 0; i < slots; i++) {
                Lease lease = tryTake(i);
                if (lease != null) return lease;
            }
            if (!told) {
                waiting.accept("all " + slots + " " + name + " slots are in use (by this or another shortsmith run); waiting");
                told = true;
            }
            if (System.nanoTime() > deadline) {
                throw new LimitUnavailable("all " + slots + " " + name + " slots were held by shortsmith runs on this machine, and none freed within "
                        + bound.toSeconds() + " s");
            }
            Thread.sleep(pause);
            pause = Math.min(250, pause * 2);
        }
    }

    private Lease tryTake(int slot) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(name + "-" + slot + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            FileChannel held = channel;
            return new Lease() {
                private boolean closed;

                public int slot() { return slot; }

                public synchronized void close() {
                    if (closed) return;
                    closed = true;
                    try {
                        lock.release();
                        held.close();
                    } catch (IOException ignored) {
                        // the slot is freed when the channel closes, whatever happened
                    }
                }
            };
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);   // another thread of this process holds it
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LimitUnavailable("cannot use the " + name + " slot files in " + dir + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(FileChannel c) {
        try {
            if (c != null) c.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    @Override
    public String toString() { return "SlotLeases[" + name + ", " + slots + " slots in " + dir + "]"; }
}
