package shortsmith.cluster;

import shortsmith.concurrency.LimitUnavailable;
import shortsmith.concurrency.SubmissionLedger;
import shortsmith.core.ServiceKey;
import shortsmith.core.ShortsmithException;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One paid service's starts counted in the cluster's database, so that IMAGE_RATE_PER_MIN holds for
 * every worker on every machine together: a start is recorded in a transaction that first locks the
 * service's row and counts the starts of the last window, all on the database's clock (the
 * machines' own clocks do not matter). The service is its provider and normalised base URL, never
 * its key.
 *
 * <p>As {@code RateLimiter} counts its own: a start is recorded open, and stamped again when its
 * request is answered ({@link #answered()}, on the thread that took it); it counts for a window from then, since the server counted it when it
 * arrived, which may be well after it was allowed. An open start counts whatever its age, up to
 * {@code openFor} (a request's own bound) past the window: its worker may have died with it open.
 *
 * <pre>jshell> new DatabaseLedger(Database.connect(Settings.load()), ServiceKey.of("bfl", "https://api.bfl.ai"), 6, Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(10)).acquire(System.out::println)</pre>
 */
public final class DatabaseLedger implements SubmissionLedger {
    /** How often a waiting start looks again: a start closing can free a place sooner than its window says. */
    static final Duration RECHECK = Duration.ofSeconds(1);

    private final Database db;
    private final ServiceKey service;
    private final int permits;
    private final Duration window, openFor, bound;
    /** The row of this thread's last start, for {@link #answered()}. */
    private final ThreadLocal<Long> lastStart = new ThreadLocal<>();

    public DatabaseLedger(Database db, ServiceKey service, int permits, Duration window, Duration openFor, Duration bound) {
        if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        this.db = db;
        this.service = service;
        this.permits = permits;
        this.window = window;
        this.openFor = openFor;
        this.bound = bound;
    }

    @Override
    public void acquire(Consumer<String> waiting) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean told = false;
        while (true) {
            long[] tried = tryStart();
            if (tried[0] > 0) {
                lastStart.set(tried[0]);
                return;
            }
            long wait = Math.min(tried[1], RECHECK.toMillis());
            if (!told) {
                waiting.accept(permits + " " + service.id() + " submissions in " + window.toSeconds() + " s already made by this cluster; waiting");
                told = true;
            }
            if (System.nanoTime() + tried[1] * 1_000_000 > deadline) {
                throw new LimitUnavailable("the cluster's limit of " + permits + " " + service.id() + " submissions in "
                        + window.toSeconds() + " s did not free within " + bound.toSeconds() + " s (PROVIDER_DEADLINE)");
            }
            Thread.sleep(Math.max(1, wait));
        }
    }

    /** Records an open start and returns {id, 0}, or returns {0, milliseconds until a place may free}. */
    private long[] tryStart() throws InterruptedException {
        double closedFor = window.toMillis() / 1000.0, stillOpenFor = (window.toMillis() + openFor.toMillis()) / 1000.0;
        String expiry = "case when open then at + make_interval(secs => ?) else at + make_interval(secs => ?) end";
        return db.transaction(c -> {
            try (var insert = c.prepareStatement("insert into " + Schema.SERVICES + " (service) values (?) on conflict do nothing");
                 var lock = c.prepareStatement("select service from " + Schema.SERVICES + " where service = ? for update")) {
                insert.setString(1, service.id());
                insert.executeUpdate();
                lock.setString(1, service.id());
                lock.executeQuery().close();
            }
            // After the lock, on the database's clock: a start made while we waited for the lock is counted.
            try (var forget = c.prepareStatement("delete from " + Schema.SUBMISSIONS + " where service = ? and " + expiry + " <= clock_timestamp()")) {
                forget.setString(1, service.id());
                forget.setDouble(2, stillOpenFor);
                forget.setDouble(3, closedFor);
                forget.executeUpdate();
            }
            try (var count = c.prepareStatement("select count(*), ceil(extract(epoch from min(" + expiry + ") - clock_timestamp()) * 1000) from "
                    + Schema.SUBMISSIONS + " where service = ?")) {
                count.setDouble(1, stillOpenFor);
                count.setDouble(2, closedFor);
                count.setString(3, service.id());
                try (var rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) >= permits) return new long[] {0, Math.max(1, rs.getLong(2))};
                }
            }
            try (var add = c.prepareStatement("insert into " + Schema.SUBMISSIONS + " (service, at, open) values (?, clock_timestamp(), true) returning id")) {
                add.setString(1, service.id());
                try (var rs = add.executeQuery()) {
                    rs.next();
                    return new long[] {rs.getLong(1), 0};
                }
            }
        });
    }

    /** This thread's last start was answered: it counts a window from now. Should the database be away, it stays open until its bound. */
    @Override
    public void answered() {
        Long id = lastStart.get();
        if (id == null) return;
        lastStart.remove();
        try {
            db.run(c -> {
                try (var st = c.prepareStatement("update " + Schema.SUBMISSIONS + " set at = clock_timestamp(), open = false where id = ?")) {
                    st.setLong(1, id);
                    st.executeUpdate();
                }
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ShortsmithException e) {
            // counted as open until its bound: later starts wait longer, never less
        }
    }

    @Override
    public String toString() { return "DatabaseLedger[" + service.id() + ", " + permits + " in " + window.toSeconds() + " s]"; }
}
