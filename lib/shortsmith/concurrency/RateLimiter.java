package shortsmith.concurrency;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most {@code permits} starts in any sliding {@code window} (e.g. 6 image submissions a minute),
 * shared by every thread of a run, and, through a {@link SubmissionLedger}, by every other process
 * that uses the same service. {@link #permit()} blocks until a start is allowed; a view made with
 * {@link #tellingWaitsTo} shares the same count and says on a scene's line why it waits.
 */
public final class RateLimiter {
    private final Count count;
    /** Starts of other processes too (IMAGE_RATE_PER_MIN across terminals and machines), when set. */
    private final SubmissionLedger shared;
    private final Consumer<String> waiting;

    /**
     * The starts of this process, shared by every view. An open one counts whatever its age (a
     * request still in flight is still on the server's books); a closed one counts until it is a
     * window old, from when it was answered.
     */
    private static final class Count {
        final int permits;
        final Duration window;
        final Ticker ticker;
        final java.util.List<Stamp> starts = new java.util.ArrayList<>();
        final ReentrantLock lock = new ReentrantLock();
        final java.util.concurrent.locks.Condition closed = lock.newCondition();

        Count(int permits, Duration window, Ticker ticker) {
            if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, got " + permits);
            if (!window.isPositive()) throw new IllegalArgumentException("window must be positive, got " + window);
            this.permits = permits;
            this.window = window;
            this.ticker = ticker;
        }
    }

    private static final class Stamp {
        long at;
        boolean open = true;

        Stamp(long at) { this.at = at; }
    }

    public RateLimiter(int permits, Duration window, Ticker ticker) { this(new Count(permits, window, ticker), null, why -> {}); }

    private RateLimiter(Count count, SubmissionLedger shared, Consumer<String> waiting) {
        this.count = count;
        this.shared = shared;
        this.waiting = waiting;
    }

    /** The same limit, also counted in {@code ledger} with every other process that uses it (the ledger knows the service and its limit). */
    public RateLimiter sharedThrough(SubmissionLedger ledger) { return new RateLimiter(count, ledger, waiting); }

    /** The same limit and count; a wait for it is told to {@code waiting} (a scene's progress line), once per permit. */
    public RateLimiter tellingWaitsTo(Consumer<String> waiting) { return new RateLimiter(count, shared, waiting); }

    /** Whether starts are also counted with other processes. */
    public boolean shared() { return shared != null; }

    /** {@code n} starts per minute on the system clock. */
    public static RateLimiter perMinute(int n) { return new RateLimiter(n, Duration.ofMinutes(1), Ticker.system()); }

    /**
     * A start allowed by the limiter. Closing it (when the request has been answered) stamps the start
     * again with the current time: the server counts a submission when it arrives, which may be well
     * after it was allowed (a slow connection), and the next window must not overlap it.
     */
    public interface Permit extends AutoCloseable {
        /** How long the caller waited for it. */
        Duration waited();

        @Override
        void close();
    }

    /** Waits until a start is allowed and records it (closed at once); returns how long it waited. */
    public Duration acquire() throws InterruptedException {
        try (var p = permit()) {
            return p.waited();
        }
    }

    /**
     * Waits until a start is allowed (here, and in the shared ledger when there is one); close the
     * permit when the request is done. A wait for the shared ledger means other processes took the
     * starts (this one's are counted here first), and is told as such.
     *
     * @throws LimitUnavailable when the shared ledger allowed no start within its bound
     */
    public Permit permit() throws InterruptedException {
        Permit here = localPermit();
        if (shared == null) return here;
        try {
            shared.acquire(why -> waiting.accept("held back by another shortsmith run: " + why));
        } catch (InterruptedException | RuntimeException e) {
            here.close();
            throw e;
        }
        // Answered, the start counts from then in the shared ledger too (on this thread, which took it).
        return new Permit() {
            public Duration waited() { return here.waited(); }

            public void close() {
                here.close();
                shared.answered();
            }
        };
    }

    private Permit localPermit() throws InterruptedException {
        long began = count.ticker.nanoTime();
        boolean told = false;
        while (true) {
            long wait;
            count.lock.lock();
            try {
                long now = count.ticker.nanoTime();
                count.starts.removeIf(s -> !s.open && now - s.at >= count.window.toNanos());
                if (count.starts.size() < count.permits) {
                    var stamp = new Stamp(now);
                    count.starts.add(stamp);
                    Duration waited = Duration.ofNanos(now - began);
                    return new Permit() {
                        public Duration waited() { return waited; }

                        public void close() {
                            count.lock.lock();
                            try {
                                if (!stamp.open) return;
                                stamp.open = false;
                                stamp.at = Math.max(stamp.at, count.ticker.nanoTime());
                                count.closed.signalAll();
                            } finally {
                                count.lock.unlock();
                            }
                        }
                    };
                }
                long oldestClosed = count.starts.stream().filter(s -> !s.open).mapToLong(s -> s.at).min().orElse(Long.MAX_VALUE);
                if (oldestClosed == Long.MAX_VALUE) {
                    // Every counted start is still in flight: only a close can change that.
                    if (!told) waiting.accept("waiting for the rate limit: " + count.permits + " submissions still unanswered");
                    told = true;
                    count.closed.await();
                    continue;
                }
                wait = oldestClosed + count.window.toNanos() - now;
            } finally {
                count.lock.unlock();
            }
            if (!told) {
                waiting.accept("waiting for the rate limit: " + count.permits + " submissions in " + count.window.toSeconds() + " s; next in "
                        + Math.max(1, Math.round(wait / 1e9)) + " s");
                told = true;
            }
            count.ticker.sleep(Duration.ofNanos(wait));
        }
    }

    @Override
    public String toString() { return "RateLimiter[" + count.permits + " per " + count.window + (shared == null ? "" : ", shared through " + shared) + "]"; }
}
