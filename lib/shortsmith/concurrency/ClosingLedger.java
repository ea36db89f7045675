package shortsmith.concurrency;

import java.util.function.Consumer;

/**
 * A {@link SubmissionLedger} that also hears when each start's request was answered, so that a start
 * counts for a window from its answer, as {@link RateLimiter} counts its own: the server counts a
 * submission when it arrives, which may be well after it was allowed (a slow first connection, a
 * busy machine), and the next window must not overlap it. A start still open counts whatever its
 * age, up to a bound the ledger sets (its process may have died with it open).
 */
public interface ClosingLedger extends SubmissionLedger {

    /** A start recorded as open: closing it (the request was answered) stamps it again with the ledger's time. */
    interface Start extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits (bounded) until a start is allowed and records it, open; {@code waiting} hears once that, and why, it waits. */
    Start start(Consumer<String> waiting) throws InterruptedException;

    /** A start that is closed at once. */
    @Override
    default void acquire(Consumer<String> waiting) throws InterruptedException { start(waiting).close(); }
}
