package shortsmith;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most {@code permits} starts in any sliding {@code window} (e.g. 6 image submissions a minute),
 * shared by every thread of a run. {@link #acquire()} blocks until a start is allowed.
 */
public final class RateLimiter {
    private final int permits;
    private final Duration window;
    private final Ticker ticker;
    private final ArrayDeque<Long> starts = new ArrayDeque<>();
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

    /** Waits until a start is allowed and records it; returns how long it waited. */
    public Duration acquire() throws InterruptedException {
        long began = ticker.nanoTime();
        while (true) {
            long wait;
            lock.lock();
            try {
                long now = ticker.nanoTime();
                while (!starts.isEmpty() && now - starts.peekFirst() >= window.toNanos()) starts.pollFirst();
                if (starts.size() < permits) {
                    starts.addLast(now);
                    return Duration.ofNanos(now - began);
                }
                wait = starts.peekFirst() + window.toNanos() - now;
            } finally {
                lock.unlock();
            }
            ticker.sleep(Duration.ofNanos(wait));
        }
    }

    @Override
    public String toString() { return "RateLimiter[" + permits + " per " + window + "]"; }
}
