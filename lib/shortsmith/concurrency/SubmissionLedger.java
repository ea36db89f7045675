package shortsmith.concurrency;

/**
 * Starts counted with other processes (a file per service on one machine; a table across machines).
 * An implementation knows its service and its limit; every wait it makes is bounded, and when the
 * bound passes (or the ledger cannot be used) it throws {@link LimitUnavailable}.
 */
public interface SubmissionLedger {
    /** Waits (bounded) until a start is allowed, records it; {@code waiting} hears once that, and why, it waits. */
    void acquire(java.util.function.Consumer<String> waiting) throws InterruptedException;

    /**
     * The start this thread acquired last has been answered: it counts from now, since the service
     * counted it when it arrived, which may be well after it was allowed (a cold client, a slow
     * connection). By default nothing changes: the start counts from when it was allowed.
     */
    default void answered() {}
}
