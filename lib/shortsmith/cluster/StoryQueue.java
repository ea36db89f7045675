//DEPS com.github.kagkarlsson:db-scheduler:16.7.1
//DEPS org.slf4j:slf4j-jdk14:1.7.36
package shortsmith.cluster;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceCurrentlyExecutingException;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceNotFoundException;
import com.github.kagkarlsson.scheduler.task.TaskDescriptor;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The story queue of a cluster, as {@code queue} uses it: stories added (one db-scheduler one-time
 * task per story, named by its manifest's absolute path), their state, retried and cancelled.
 * Workers ({@link Worker}) take the stories; both see the same PostgreSQL database.
 *
 * <pre>jshell> StoryQueue.open(Settings.load()).status()</pre>
 */
public final class StoryQueue {
    /** db-scheduler's task: one instance per story, its id the manifest's absolute path. */
    static final TaskDescriptor<Void> STORY = TaskDescriptor.of("shortsmith-story");
    /** The channel workers listen on to take a story as soon as it is added. */
    static final String CHANNEL = "shortsmith_stories";

    /** One story as {@code queue status} shows it; null where a field does not apply. */
    public record Entry(String story, String state, String worker, String stage, Integer attempts, String started, String finished,
                        String output, String error) {}

    /** What {@code queue add}, {@code retry} or {@code cancel} did with one story, in words. */
    public record Change(String story, boolean changed, String what) {
        @Override
        public String toString() { return Path.of(story).getFileName() + ": " + what; }
    }

    private final Database db;
    private final SchedulerClient client;

    private StoryQueue(Database db) {
        this.db = db;
        Logs.quiet();
        this.client = SchedulerClient.Builder.create(db.dataSource(), Worker.definition(null)).build();
    }

    /** The queue in the database QUEUE_URL names (its tables made on first use). */
    public static StoryQueue open(Settings settings) { return new StoryQueue(Database.connect(settings)); }

    /**
     * Adds each story to the queue. A story queued, running or done (and unchanged since) is left as
     * it is and the change says so; a failed one, or one whose manifest changed since it was done, is
     * queued again; {@code force} queues a done one again too, and is passed to its run (every stage
     * redone: paid providers are paid again). A manifest that cannot be read is refused here, the
     * others are added all the same.
     */
    public List<Change> add(List<Path> manifests, boolean force) throws InterruptedException {
        List<Change> changes = new ArrayList<>();
        for (Path m : manifests) {
            Path manifest = m.toAbsolutePath().normalize();
            String refused = readable(manifest);
            if (refused != null) {
                changes.add(new Change(manifest.toString(), false, "not added: " + refused));
                continue;
            }
            String sha = sha256(manifest);
            changes.add(enqueue(manifest.toString(), force, sha, true));
        }
        notifyWorkers();
        return changes;
    }

    /** A failed story (or with {@code force} a done one, made again from scratch) queued again; NAME is its path or file name. */
    public Change retry(String name, boolean force) throws InterruptedException {
        String story = resolve(name);
        Path manifest = Path.of(story);
        String sha = Files.isRegularFile(manifest) ? sha256(manifest) : null;
        var change = enqueue(story, force, sha, false);
        notifyWorkers();
        return change;
    }

    /** Queues (or leaves) one story, in one transaction that locks its row; then makes its execution. */
    private Change enqueue(String story, boolean force, String sha, boolean adding) throws InterruptedException {
        record Decision(Change change, Instant at) {}
        var decision = db.transaction(c -> {
            Instant now = now(c);
            try (var st = c.prepareStatement("select state, worker, output, error, manifest_sha256 from " + Schema.STORIES + " where story = ? for update")) {
                st.setString(1, story);
                try (var rs = st.executeQuery()) {
                    if (!rs.next()) {
                        if (!adding) return new Decision(new Change(story, false, "not in the queue: add it with queue add"), null);
                        insert(c, story, force, sha, now);
                        return new Decision(new Change(story, true, "queued"), now);
                    }
                    String state = rs.getString(1), worker = rs.getString(2), output = rs.getString(3), error = rs.getString(4);
                    boolean changed = sha != null && !sha.equals(rs.getString(5));
                    switch (state) {
                        case "queued" -> {
                            return new Decision(new Change(story, false, "already queued"), now);   // its execution is made again if it went missing
                        }
                        case "running" -> {
                            return new Decision(new Change(story, false, "already running on " + worker), null);
                        }
                        case "done" -> {
                            if (!force && !(adding && changed)) {
                                return new Decision(new Change(story, false, "already done: " + output
                                        + " (queue " + (adding ? "add" : "retry") + " --force makes it again; paid providers are paid again)"), null);
                            }
                        }
                        default -> { /* failed: queued again */ }
                    }
                    requeue(c, story, force, sha);
                    String why = state.equals("failed") ? "queued again (it had failed: " + error + ")"
                            : force ? "queued again, to be made from scratch (--force)" : "queued again (its manifest changed since it was made)";
                    return new Decision(new Change(story, true, why), now);
                }
            }
        });
        // The execution after the row is committed: a worker that takes it at once finds the row.
        if (decision.at() != null) client.scheduleIfNotExists(STORY.instance(story).build(), decision.at());
        return decision.change();
    }

    private static void insert(Connection c, String story, boolean force, String sha, Instant now) throws SQLException {
        try (var st = c.prepareStatement("insert into " + Schema.STORIES + " (story, state, attempts, added, force, manifest_sha256) values (?, 'queued', 0, ?, ?, ?)")) {
            st.setString(1, story);
            st.setTimestamp(2, Timestamp.from(now));
            st.setBoolean(3, force);
            st.setString(4, sha);
            st.executeUpdate();
        }
    }

    private static void requeue(Connection c, String story, boolean force, String sha) throws SQLException {
        try (var st = c.prepareStatement("update " + Schema.STORIES + " set state = 'queued', worker = null, stage = null, attempts = 0, claimed = null,"
                + " started = null, finished = null, output = null, error = null, force = ?, cancel = false, manifest_sha256 = coalesce(?, manifest_sha256)"
                + " where story = ?")) {
            st.setBoolean(1, force);
            st.setString(2, sha);
            st.setString(3, story);
            st.executeUpdate();
        }
    }

    /**
     * Takes a story out of the queue: a queued one at once; a running one is stopped by its worker
     * within seconds (this waits for it, at most {@code wait}). Either ends {@code failed}, "cancelled".
     */
    public Change cancel(String name, Duration wait) throws InterruptedException {
        String story = resolve(name);
        boolean picked;
        try {
            client.cancel(STORY.instanceId(story));
            picked = false;
        } catch (TaskInstanceCurrentlyExecutingException e) {
            picked = true;
        } catch (TaskInstanceNotFoundException e) {
            picked = false;
        }
        boolean running = picked;
        String outcome = db.transaction(c -> {
            try (var st = c.prepareStatement("select state, worker from " + Schema.STORIES + " where story = ? for update")) {
                st.setString(1, story);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    String state = rs.getString(1);
                    if (state.equals("done") || state.equals("failed")) return "already " + state + ": nothing to cancel";
                    if (running || state.equals("running")) {
                        try (var u = c.prepareStatement("update " + Schema.STORIES + " set cancel = true where story = ?")) {
                            u.setString(1, story);
                            u.executeUpdate();
                        }
                        return null;
                    }
                    try (var u = c.prepareStatement("update " + Schema.STORIES + " set state = 'failed', stage = null, finished = clock_timestamp(),"
                            + " error = 'cancelled (queue cancel) before it started' where story = ?")) {
                        u.setString(1, story);
                        u.executeUpdate();
                    }
                    return "cancelled before it started";
                }
            }
        });
        if (outcome != null) return new Change(story, !outcome.startsWith("already"), outcome);
        // Running: its worker sees the request within a second or two and stops it.
        long deadline = System.nanoTime() + wait.toNanos();
        Entry e = entry(story);
        while (e.state().equals("running") || e.state().equals("queued")) {
            if (System.nanoTime() > deadline) {
                return new Change(story, true, "cancel asked; " + (e.worker() == null ? "no worker holds it now" : e.worker() + " has not answered yet")
                        + ": it stops when its worker next looks, or when its heartbeat limit passes");
            }
            Thread.sleep(200);
            e = entry(story);
        }
        return new Change(story, true, "cancelled while running on " + (e.worker() == null ? "its worker" : e.worker()));
    }

    /** Every story in the order it was added, with its state as db-scheduler's table and ours see it together. */
    public List<Entry> status() throws InterruptedException {
        return entries(null);
    }

    Entry entry(String story) throws InterruptedException { return entries(story).getFirst(); }

    private List<Entry> entries(String only) throws InterruptedException {
        Duration heartbeat = db.queue().heartbeat();
        return db.run(c -> {
            List<Entry> list = new ArrayList<>();
            try (var st = c.prepareStatement("select s.story, s.state, s.worker, s.stage, s.attempts, s.started, s.finished, s.output, s.error,"
                    + " t.task_instance is not null, coalesce(t.picked, false), t.picked_by, extract(epoch from clock_timestamp() - t.last_heartbeat),"
                    + " extract(epoch from t.execution_time - clock_timestamp())"
                    + " from " + Schema.STORIES + " s left join scheduled_tasks t on t.task_name = ? and t.task_instance = s.story"
                    + (only == null ? "" : " where s.story = ?") + " order by s.added, s.story")) {
                st.setString(1, STORY.getTaskName());
                if (only != null) st.setString(2, only);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) list.add(entry(rs, heartbeat));
                }
            }
            return list;
        });
    }

    private static Entry entry(ResultSet rs, Duration heartbeat) throws SQLException {
        String story = rs.getString(1), state = rs.getString(2), worker = rs.getString(3), stage = rs.getString(4), error = rs.getString(9);
        boolean exists = rs.getBoolean(10), picked = rs.getBoolean(11);
        double silent = rs.getDouble(13), dueIn = rs.getDouble(14);
        if (state.equals("queued") || state.equals("running")) {
            if (!exists) {
                state = "failed";
                error = "its task is gone from db-scheduler's table (deleted by hand?): run queue retry " + Path.of(story).getFileName();
                stage = null;
            } else if (picked) {
                state = "running";
                if (worker == null) worker = rs.getString(12);
                if (silent > 2 * heartbeat.toSeconds()) stage = (stage == null ? "" : stage + " ") + String.format("(no heartbeat for %.0f s)", silent);
            } else {
                state = "queued";
                worker = null;
                if (dueIn > 0.5) stage = (stage == null ? "" : stage + "; ") + String.format("due in %.0f s", dueIn);
            }
        }
        boolean done = state.equals("done");
        return new Entry(story, state, worker, stage, rs.getInt(5), iso(rs.getTimestamp(6)), iso(rs.getTimestamp(7)),
                done ? rs.getString(8) : null, state.equals("failed") ? error : null);
    }

    /** A story of the queue by its manifest's path, or by its file name when that names one story. */
    String resolve(String name) throws InterruptedException {
        String path = Path.of(name).toAbsolutePath().normalize().toString();
        List<String> matches = db.run(c -> {
            List<String> found = new ArrayList<>();
            try (var st = c.prepareStatement("select story from " + Schema.STORIES + " where story = ? or story like ? escape '\\' order by story")) {
                st.setString(1, path);
                st.setString(2, "%/" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"));
                try (var rs = st.executeQuery()) {
                    while (rs.next()) found.add(rs.getString(1));
                }
            }
            return found;
        });
        if (matches.contains(path)) return path;
        if (matches.size() == 1) return matches.getFirst();
        if (matches.isEmpty()) throw ShortsmithException.usage("no story " + name + " in the queue (queue status lists them)");
        throw ShortsmithException.usage(name + " names " + matches.size() + " stories of the queue: give its path, one of " + matches);
    }

    /** Wakes every listening worker: a story may be due (they poll anyway, this saves the wait). */
    private void notifyWorkers() throws InterruptedException {
        db.run(c -> {
            try (var st = c.createStatement()) {
                st.execute("notify " + CHANNEL);
            }
            return null;
        });
    }

    private static Instant now(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /** Why this manifest cannot be queued (it does not exist, or is not a story), or null. */
    private static String readable(Path manifest) {
        if (!Files.isRegularFile(manifest)) return manifest + " does not exist";
        try {
            Story.read(manifest);
            return null;
        } catch (ShortsmithException e) {
            return e.getMessage();
        }
    }

    static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + ": " + e.getMessage());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String iso(Timestamp t) { return t == null ? null : t.toInstant().toString(); }

    @Override
    public String toString() { return "StoryQueue[" + db + "]"; }
}
