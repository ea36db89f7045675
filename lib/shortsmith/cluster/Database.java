//DEPS org.postgresql:postgresql:42.7.14
package shortsmith.cluster;

import org.postgresql.ds.PGSimpleDataSource;
import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The cluster's PostgreSQL database (QUEUE_URL, QUEUE_USER, QUEUE_PASSWORD): a connection per piece
 * of work, the tables made on first use (db-scheduler's {@code scheduled_tasks} and shortsmith's
 * own), the database's clock, and every failure as one line that names QUEUE_URL, never the password.
 *
 * <pre>jshell> Database.connect(Settings.load())</pre>
 */
public final class Database {
    /** How long connecting may take, and how long one statement may wait for an answer. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10), STATEMENT_TIMEOUT = Duration.ofSeconds(60);

    private final Settings.Queue queue;
    private final PGSimpleDataSource dataSource;

    private Database(Settings.Queue queue, PGSimpleDataSource dataSource) {
        this.queue = queue;
        this.dataSource = dataSource;
    }

    /**
     * Reaches the database QUEUE_URL names and makes the tables it lacks. An unset or unusable
     * QUEUE_URL, or a login the server refuses, fails with exit code 2; a server that cannot be
     * reached, with 6.
     */
    public static Database connect(Settings settings) {
        var queue = settings.queue();
        if (queue.url().isBlank()) {
            throw ShortsmithException.usage("QUEUE_URL is not set: set it to the cluster's PostgreSQL database, such as"
                    + " jdbc:postgresql://db.example:5432/shortsmith (see docs/cluster.md)");
        }
        var ds = new PGSimpleDataSource();
        // Bounds first, so that QUEUE_URL's own parameters win over them.
        ds.setConnectTimeout((int) CONNECT_TIMEOUT.toSeconds());
        ds.setLoginTimeout((int) CONNECT_TIMEOUT.toSeconds());
        ds.setSocketTimeout((int) STATEMENT_TIMEOUT.toSeconds());
        ds.setTcpKeepAlive(true);
        ds.setApplicationName("shortsmith " + queue.workerName());
        try {
            ds.setURL(queue.url());
        } catch (RuntimeException e) {
            throw ShortsmithException.usage("QUEUE_URL=" + queue.shownUrl() + " is not a PostgreSQL JDBC URL this driver reads: " + e.getMessage());
        }
        if (!queue.user().isBlank()) ds.setUser(queue.user());
        if (queue.password().isSet()) ds.setPassword(queue.password().value());
        var db = new Database(queue, ds);
        Schema.ensure(db);
        return db;
    }

    /** Connections to the database, for db-scheduler (each piece of work takes one and closes it). */
    public DataSource dataSource() { return dataSource; }

    Settings.Queue queue() { return queue; }

    /** Work done with one connection. */
    @FunctionalInterface
    interface Work<T> {
        T on(Connection c) throws SQLException, InterruptedException;
    }

    /** Runs {@code work} in one transaction (committed when it returns, rolled back when it throws). */
    <T> T transaction(Work<T> work) throws InterruptedException {
        try (var c = open()) {
            c.setAutoCommit(false);
            try {
                T result = work.on(c);
                c.commit();
                return result;
            } catch (SQLException | InterruptedException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Runs {@code work} on a connection of its own, each statement committed as it runs. */
    <T> T run(Work<T> work) throws InterruptedException {
        try (var c = open()) {
            return work.on(c);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    Connection open() throws SQLException { return dataSource.getConnection(); }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is closed next; the server rolls back what was not committed
        }
    }

    /**
     * A database failure as one line naming QUEUE_URL (without its password) and what to do: a
     * refused login or a missing database is the user's setting to fix (exit 2); a server that
     * cannot be reached or fails, exit 6.
     */
    ShortsmithException failure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = "the queue's database (QUEUE_URL=" + queue.shownUrl() + ")";
        String why = firstLine(e.getMessage());
        if (state.startsWith("28")) {
            return new ShortsmithException(ExitCode.USAGE, where + " refused the login" + (queue.user().isBlank() ? "" : " of QUEUE_USER=" + queue.user())
                    + ": " + why + "; check QUEUE_USER and QUEUE_PASSWORD", e);
        }
        if (state.equals("3D000")) {
            return new ShortsmithException(ExitCode.USAGE, where + ": " + why + "; create it (createdb) or fix QUEUE_URL", e);
        }
        if (state.equals("42501")) {
            return new ShortsmithException(ExitCode.USAGE, where + ": " + why + "; grant the user the right, or use one that has it", e);
        }
        if (state.startsWith("08")) {
            return new ShortsmithException(ExitCode.PROVIDER, "cannot reach " + where + ": " + why + "; start PostgreSQL there or fix QUEUE_URL", e);
        }
        return new ShortsmithException(ExitCode.PROVIDER, where + " failed: " + why, e);
    }

    private static String firstLine(String message) {
        if (message == null) return "no reason given";
        String line = message.strip().lines().findFirst().orElse("").strip().replaceFirst("\\.$", "");
        return line.replaceFirst("^(FATAL|ERROR): +", "");
    }

    @Override
    public String toString() { return "Database[" + queue.shownUrl() + (queue.user().isBlank() ? "" : " as " + queue.user()) + "]"; }
}
