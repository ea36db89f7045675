/**
 * Helpers for work on virtual threads: a bounded parallel map ({@link shortsmith.concurrency.Parallel}),
 * a sliding-window rate limit ({@link shortsmith.concurrency.RateLimiter}), retries with backoff that
 * honour a server's stated wait ({@link shortsmith.concurrency.Retry}), a clock tests can replace
 * ({@link shortsmith.concurrency.Ticker}), lanes that serve work by priority
 * ({@link shortsmith.concurrency.PriorityLanes}), and limits shared with other processes through
 * files: slots ({@link shortsmith.concurrency.SlotLeases}) and a rate ledger
 * ({@link shortsmith.concurrency.SharedWindow}).
 *
 * <p>May use: nothing else of shortsmith.
 */
package shortsmith.concurrency;
