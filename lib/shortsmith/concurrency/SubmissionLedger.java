package shortsmith.concurrency;

/**
 * Where the starts of one paid service are counted with every other process that uses it: a file
 * on this machine ({@link SharedWindow}), or a table of a database every machine reaches.
 */
public interface SubmissionLedger {
    /** Waits (bounded) until a start is allowed, records it; {@code waiting} hears once that, and why, it waits. */
    void acquire(java.util.function.Consumer<String> waiting) throws InterruptedException;
}
