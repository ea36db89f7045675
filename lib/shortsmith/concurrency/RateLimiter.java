package shortsmith.concurrency;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most {@code permits} starts in any sliding {@code window} (e.g. 6 image submissions a minute),
 * shared by every thread of a run. {@link #acquire()} blocks until a start is allowed.
 */
public final class RateLimiter {
    private final int permits;
    private final Duration window;
    private final Ticker ticker;
    /** Starts of other processes too (IMAGE_RATE_PER_MIN across terminals, or machines), when set. */
    private final SubmissionLedger shared;
    /**
     * Each start still counted: its time, and whether its request is still open. An open one counts
     * whatever its age (a request still in flight is still on the server's books); a closed one
     * counts until it is a window old, from when it was answered.
     */
    private final java.util.List<Stamp> starts = new java.util.ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition closed = lock.newCondition();

    private static final class Stamp {
        long at;
        boolean open = true;

        Stamp(long at) { this.at = at; }
    }

    public RateLimiter(int permits, Duration window, Ticker ticker) { this(permits, window, ticker, null); }

    private RateLimiter(int permits, Duration window, Ticker ticker, SubmissionLedger shared) {
        if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        if (!window.isPositive()) throw new IllegalArgumentException("window must be positive, got " + window);
        this.permits = permits;
        this.window = window;
        this.ticker = ticker;
        this.shared = shared;
    }

    /** The same limit, also counted in {@code ledger} with every other process that uses it. */
    public RateLimiter sharedThrough(java.nio.file.Path ledger, Duration bound) {
        return sharedThrough(new SharedWindow(ledger, permits, window, bound));
    }

    /** The same limit, also counted in {@code ledger} with every other process (or machine) that uses it. */
    public RateLimiter sharedThrough(SubmissionLedger ledger) {
        return new RateLimiter(permits, window, ticker, ledger);
    }

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

    /** Waits until a start is allowed (here, and in the shared ledger when there is one); close the permit when the request is done. */
    public Permit permit() throws InterruptedException {
        Permit here = localPermit();
        if (shared == null) return here;
        ClosingLedger.Start start = null;
        try {
            if (shared instanceof ClosingLedger closing) start = closing.start(why -> {});
            else shared.acquire(why -> {});
        } catch (InterruptedException | RuntimeException e) {
            here.close();
            throw e;
        }
        if (start == null) return here;
        var opened = start;
        // The shared start is closed too when the request is answered: other machines count it from then on.
        return new Permit() {
            public Duration waited() { return here.waited(); }

            public void close() {
                try {
                    opened.close();
                } finally {
                    here.close();
                }
            }
        };
    }

    private Permit localPermit() throws InterruptedException {
        long began = ticker.nanoTime();
        while (true) {
            long wait;
            lock.lock();
            try {
                long now = ticker.nanoTime();
                starts.removeIf(s -> !s.open && now - s.at >= window.toNanos());
                if (starts.size() < permits) {
                    var stamp = new Stamp(now);
                    starts.add(stamp);
                    Duration waited = Duration.ofNanos(now - began);
                    return new Permit() {
                        public Duration waited() { return waited; }

                        public void close() {
                            lock.lock();
                            try {
                                if (!stamp.open) return;
                                stamp.open = false;
                                stamp.at = Math.max(stamp.at, ticker.nanoTime());
                                closed.signalAll();
                            } finally {
                                lock.unlock();
                            }
                        }
                    };
                }
                long oldestClosed = starts.stream().filter(s -> !s.open).mapToLong(s -> s.at).min().orElse(Long.MAX_VALUE);
                if (oldestClosed == Long.MAX_VALUE) {
                    // Every counted start is still in flight: only a close can change that.
                    closed.await();
                    continue;
                }
                wait = oldestClosed + window.toNanos() - now;
            } finally {
                lock.unlock();
            }
            ticker.sleep(Duration.ofNanos(wait));
        }
    }

    @Override
    public String toString() { return "RateLimiter[" + permits + " per " + window + "]"; }
}
