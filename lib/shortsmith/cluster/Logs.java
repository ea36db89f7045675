package shortsmith.cluster;

import shortsmith.core.Secrets;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What db-scheduler (through SLF4J's java.util.logging binding) and the PostgreSQL driver log: their
 * warnings and errors as one line each on stderr, scrubbed of secrets, the same line at most once a
 * minute (a database that is down is said once, not every poll); their chatter dropped.
 * SHORTSMITH_DEBUG=1 shows everything from INFO up, with stack traces.
 */
final class Logs {
    private Logs() {}

    /** Held here: java.util.logging keeps loggers only weakly, and would forget the levels set on them. */
    private static final Logger[] LOGGERS = {Logger.getLogger("com.github.kagkarlsson"), Logger.getLogger("org.postgresql")};
    private static final Map<String, Long> LAST_SAID = new ConcurrentHashMap<>();
    private static final long REPEAT_NANOS = 60_000_000_000L;
    private static volatile boolean installed;

    static synchronized void quiet() {
        if (installed) return;
        boolean debug = "1".equals(System.getenv("SHORTSMITH_DEBUG"));
        var handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) return;
                String text = new java.util.logging.SimpleFormatter().formatMessage(r);
                if (r.getThrown() != null && !debug) text += ": " + r.getThrown();
                String source = r.getLoggerName() != null && r.getLoggerName().startsWith("org.postgresql") ? "PostgreSQL driver" : "db-scheduler";
                String line = Secrets.scrub(source + ": " + (text == null ? "" : text.strip().lines().findFirst().orElse("")));
                long now = System.nanoTime();
                Long last = LAST_SAID.get(line);
                if (!debug && last != null && now - last < REPEAT_NANOS) return;
                LAST_SAID.put(line, now);
                System.err.println(line);
                if (debug && r.getThrown() != null) {
                    var trace = new java.io.StringWriter();
                    r.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                    System.err.print(Secrets.scrub(trace.toString()));
                }
            }

            @Override
            public void flush() { System.err.flush(); }

            @Override
            public void close() {}
        };
        handler.setLevel(debug ? Level.INFO : Level.WARNING);
        for (Logger l : LOGGERS) {
            l.setUseParentHandlers(false);
            l.setLevel(debug ? Level.INFO : Level.WARNING);
            l.addHandler(handler);
        }
        installed = true;
    }
}
