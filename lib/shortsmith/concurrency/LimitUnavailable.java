package shortsmith.concurrency;

/**
 * A limit shared with other processes gave no start or slot within its bound, or cannot be used
 * at all (its file is unwritable). The message is one line for a person, and so is
 * {@link #toString()}: it names the limit, never a Java type.
 */
public final class LimitUnavailable extends RuntimeException {
    public LimitUnavailable(String message) { super(message); }

    @Override
    public String toString() { return getMessage(); }
}
