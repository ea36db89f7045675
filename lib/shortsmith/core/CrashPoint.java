package shortsmith.core;

/**
 * Named points where a run can be stopped as abruptly as {@code kill -9} does, so tests can prove
 * that a crash there costs nothing twice: {@code SHORTSMITH_CRASH_AT=NAME} halts the JVM (no
 * shutdown hooks, exit 137) when the run reaches point NAME; {@code NAME:N} halts at its N-th
 * reaching. Unset, it does nothing.
 */
public final class CrashPoint {
    private CrashPoint() {}

    private static final String SETTING = System.getenv("SHORTSMITH_CRASH_AT");
    private static final String AT = SETTING == null ? null : SETTING.replaceFirst(":\\d+$", "");
    private static final int NTH = SETTING != null && SETTING.matches(".*:\\d+$") ? Integer.parseInt(SETTING.replaceFirst(".*:", "")) : 1;
    private static final java.util.concurrent.atomic.AtomicInteger REACHED = new java.util.concurrent.atomic.AtomicInteger();

    /** Halts here if this is the point the environment names (at its N-th reaching). */
    public static void reach(String name) {
        if (name.equals(AT) && REACHED.incrementAndGet() == NTH) {
            System.err.println("shortsmith: stopped at crash point " + name + " (SHORTSMITH_CRASH_AT)");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
