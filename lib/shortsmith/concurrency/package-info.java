/**
 * Helpers for work on virtual threads: a bounded parallel map ({@link shortsmith.concurrency.Parallel}),
 * a sliding-window rate limit ({@link shortsmith.concurrency.RateLimiter}), retries with backoff that
 * honour a server's stated wait ({@link shortsmith.concurrency.Retry}), a clock tests can replace
 * ({@link shortsmith.concurrency.Ticker}), lanes that serve work by priority
 * ({@link shortsmith.concurrency.PriorityLanes}), and limits shared with other processes: slots
 * ({@link shortsmith.concurrency.SlotLeases}) and rate ledgers
 * ({@link shortsmith.concurrency.SubmissionLedger}: a file per service on one machine,
 * {@link shortsmith.concurrency.SharedWindow}, or a table across machines), which say in one line
 * when they give nothing within their bound ({@link shortsmith.concurrency.LimitUnavailable}).
 *
 * <p>May use: nothing else of shortsmith.
 */
package shortsmith.concurrency;
