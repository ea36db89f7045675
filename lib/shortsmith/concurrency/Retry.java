package shortsmith.concurrency;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

/**
 * Retries a call with exponential backoff and jitter, honouring the wait a server states
 * (Retry-After, Gemini's retryDelay, x-ratelimit-reset), within a total deadline.
 *
 * <pre>jshell> Retry.policy().withDeadline(Duration.ofMinutes(2))</pre>
 */
public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay, Duration deadline, double jitter,
                    Ticker ticker, Random random) {

    /** What a failure means. */
    public sealed interface Verdict {
        /** Try again, after at least {@code serverWait} when the server named one. */
        record Again(Optional<Duration> serverWait) implements Verdict {}

        /** A permanent failure (400, 401, 403, 404, 422, moderation): rethrow at once. */
        record GiveUp() implements Verdict {}

        static Verdict again() { return new Again(Optional.empty()); }

        static Verdict againAfter(Duration wait) { return new Again(Optional.ofNullable(wait)); }

        static Verdict giveUp() { return new GiveUp(); }
    }

    /** A call that may fail. */
    @FunctionalInterface
    public interface Attempt<T> {
        T call() throws Exception;
    }

    /** Told before each wait: the attempt that failed (1-based), the failure, and the wait. */
    @FunctionalInterface
    public interface Listener {
        void retrying(int attempt, Exception failure, Duration wait);
    }

    /** 8 attempts, 1 s doubling to 60 s, ±25 % jitter, 10 minutes in all, on the system clock. */
    public static Retry policy() {
        return new Retry(8, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(10), 0.25,
                Ticker.system(), new Random());
    }

    public Retry withTicker(Ticker t, Random r) { return new Retry(maxAttempts, initialDelay, maxDelay, deadline, jitter, t, r); }

    public Retry withDeadline(Duration d) { return new Retry(maxAttempts, initialDelay, maxDelay, d, jitter, ticker, random); }

    public Retry withAttempts(int n) { return new Retry(n, initialDelay, maxDelay, deadline, jitter, ticker, random); }

    public Retry withDelays(Duration initial, Duration max) { return new Retry(maxAttempts, initial, max, deadline, jitter, ticker, random); }

    /** The backoff before retry number {@code attempt} (1-based), before jitter. */
    Duration backoff(int attempt) {
        double nanos = initialDelay.toNanos() * Math.pow(2, attempt - 1);
        return Duration.ofNanos((long) Math.min(nanos, maxDelay.toNanos()));
    }

    /**
     * Runs {@code attempt} until it succeeds, {@code classify} says give up, the attempts run out, or
     * the next wait would pass the deadline; then the last failure is thrown.
     */
    public <T> T call(Attempt<T> attempt, Function<Exception, Verdict> classify, Listener listener) throws Exception {
        long start = ticker.nanoTime();
        for (int n = 1; ; n++) {
            try {
                return attempt.call();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (!(classify.apply(e) instanceof Verdict.Again again) || n >= maxAttempts) throw e;
                Duration wait = waitFor(n, again.serverWait());
                long elapsed = ticker.nanoTime() - start;
                if (elapsed + wait.toNanos() > deadline.toNanos()) throw e;
                listener.retrying(n, e, wait);
                ticker.sleep(wait);
            }
        }
    }

    /** Backoff with jitter, but never shorter than what the server asked for. */
    Duration waitFor(int attempt, Optional<Duration> serverWait) {
        long base = backoff(attempt).toNanos();
        long jittered = (long) (base * (1 - jitter + 2 * jitter * random.nextDouble()));
        long server = serverWait.map(Duration::toNanos).orElse(0L);
        return Duration.ofNanos(Math.max(jittered, server));
    }
}
