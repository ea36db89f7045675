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
    /** When each start in the window happened; a start is stamped again when its request has gone out. */
    private final java.util.List<long[]> starts = new java.util.ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();

    public RateLimiter(int permits, Duration window, Ticker ticker) {
        if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        if (!window.isPositive()) throw new IllegalArgumentException("window must be positive, got " + window);
        this.permits = permits;
        this.window = window;
        this.ticker = ticker;
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

    /** Waits until a start is allowed and records it; returns how long it waited. */
    public Duration acquire() throws InterruptedException { return permit().waited(); }

    /** Waits until a start is allowed; close the permit when the request is done. */
    public Permit permit() throws InterruptedException {
        long began = ticker.nanoTime();
        while (true) {
            long wait;
            lock.lock();
            try {
                long now = ticker.nanoTime();
                starts.removeIf(s -> now - s[0] >= window.toNanos());
                if (starts.size() < permits) {
                    long[] stamp = {now};
                    starts.add(stamp);
                    Duration waited = Duration.ofNanos(now - began);
                    return new Permit() {
                        public Duration waited() { return waited; }

                        public void close() {
                            lock.lock();
                            try {
                                stamp[0] = Math.max(stamp[0], ticker.nanoTime());
                            } finally {
                                lock.unlock();
                            }
                        }
                    };
                }
                long oldest = starts.stream().mapToLong(s -> s[0]).min().orElse(now);
                wait = oldest + window.toNanos() - now;
            } finally {
                lock.unlock();
            }
            ticker.sleep(Duration.ofNanos(wait));
        }
    }

    @Override
    public String toString() { return "RateLimiter[" + permits + " per " + window + "]"; }
}
