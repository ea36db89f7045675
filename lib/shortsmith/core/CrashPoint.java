package shortsmith.core;

/**
 * Named points where a run can be stopped as abruptly as {@code kill -9} does, so tests can prove
 * that a crash there costs nothing twice: {@code SHORTSMITH_CRASH_AT=NAME} halts the JVM (no
 * shutdown hooks, exit 137) when the run reaches point NAME. Unset, it does nothing.
 */
public final class CrashPoint {
    private CrashPoint() {}

    private static final String AT = System.getenv("SHORTSMITH_CRASH_AT");

    /** Halts here if this is the point the environment names. */
    public static void reach(String name) {
        if (name.equals(AT)) {
            System.err.println("shortsmith: stopped at crash point " + name + " (SHORTSMITH_CRASH_AT)");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
