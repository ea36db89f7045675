/**
 * Helpers for work on virtual threads: a bounded parallel map ({@link shortsmith.concurrency.Parallel}),
 * a sliding-window rate limit ({@link shortsmith.concurrency.RateLimiter}), retries with backoff that
 * honour a server's stated wait ({@link shortsmith.concurrency.Retry}), and a clock tests can replace
 * ({@link shortsmith.concurrency.Ticker}).
 *
 * <p>May use: nothing else of shortsmith.
 */
package shortsmith.concurrency;
