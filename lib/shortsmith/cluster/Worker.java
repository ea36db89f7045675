package shortsmith.cluster;

import com.github.kagkarlsson.scheduler.Clock;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.logging.LogLevel;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import org.postgresql.PGConnection;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Secrets;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.pipeline.Batch;
import shortsmith.pipeline.Machine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A worker of the cluster: a db-scheduler {@link Scheduler} on the queue's database that takes
 * stories ({@code stories} at once) and makes each through today's pipeline on this machine's
 * {@link Machine} (its cores, NVENC sessions and narration lanes, shared by the stories it holds),
 * the image rate counted with every other worker in the database ({@link DatabaseLedger}). Each
 * Short and its report are written beside the manifest, as {@code short} writes them; the stage
 * goes to the queue as it changes.
 *
 * <ul>
 * <li>A story's own failure (a bad manifest, a provider's refusal, a request that may have been
 * billed) ends it {@code failed} with its one-line message, after one attempt.</li>
 * <li>A worker that dies (kill -9, a lost machine) stops its heartbeats: another worker takes its
 * story after the heartbeat limit and resumes it from its work folder, whose job records decide
 * what may be sent again. A worker stopped ({@link #stop}, Ctrl-C, SIGTERM) hands its stories back
 * at once. Either counts toward QUEUE_MAX_ATTEMPTS, and the next attempt waits a backoff.</li>
 * <li>{@code queue cancel} of a story it holds: the story's work is interrupted within seconds.</li>
 * </ul>
 *
 * <pre>jshell> var w = Worker.start(Settings.load(), 1, System.out::println); ... w.stop()</pre>
 */
public final class Worker {
    /** How many heartbeats a worker may miss before another declares it dead (db-scheduler's least). */
    static final int MISSED_HEARTBEATS = 4;
    /** How often a held story's stage is written and a cancel request looked for. */
    static final Duration WATCH = Duration.ofSeconds(1);
    /** How long {@link #stop} waits for the stories it hands back. */
    static final Duration HAND_BACK_WAIT = Duration.ofSeconds(15);

    /** What became of a story this worker held, as {@code worker} prints it on stdout (one JSON line each). */
    public record Outcome(String story, String state, String output, String error, String worker, int attempts, String claimed, String started,
                          String finished, double claimToStartSeconds) {}

    private final Settings settings;
    private final Database db;
    private final String name;
    private final int maxAttempts;
    private final Consumer<Outcome> outcomes;
    private final PrintStream err = System.err;
    private final DatabaseClock clock;
    private Machine machine;
    private Scheduler scheduler;
    private final AtomicInteger order = new AtomicInteger();
    /** The stories this worker runs now. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    /** Stories between the start of their execution and its end in the database (handed back included). */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "worker-watch");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Connection watchConnection;

    private Worker(Settings settings, Database db, Consumer<Outcome> outcomes) throws InterruptedException {
        this.settings = settings;
        this.db = db;
        this.name = settings.queue().workerName();
        this.maxAttempts = settings.queue().maxAttempts();
        this.outcomes = outcomes;
        this.clock = new DatabaseClock(db);
    }

    /**
     * Starts a worker on the queue QUEUE_URL names, holding at most {@code stories} stories at once;
     * {@code outcomes} hears each story it ends. Returns once it takes stories.
     */
    public static Worker start(Settings settings, int stories, Consumer<Outcome> outcomes) throws InterruptedException {
        if (stories < 1 || stories > 64) throw ShortsmithException.usage("--stories " + stories + ": allowed 1 to 64");
        Logs.quiet();
        var db = Database.connect(settings);
        var worker = new Worker(settings, db, outcomes);
        var images = settings.providers().images();
        worker.machine = Machine.of(settings, key -> new DatabaseLedger(db, key, images.ratePerMinute(), Duration.ofMinutes(1),
                settings.providers().requestTimeout(), settings.providers().deadline()));
        Duration heartbeat = settings.queue().heartbeat();
        worker.scheduler = Scheduler.create(db.dataSource(), definition(worker))
                .schedulerName(new SchedulerName.Fixed(worker.name))
                .threads(stories)
                // Take only as many stories as there are free places: the others stay for other workers.
                .pollUsingLockAndFetch(0.5, 1.0)
                .pollingInterval(heartbeat.compareTo(Duration.ofSeconds(5)) < 0 ? heartbeat : Duration.ofSeconds(5))
                .heartbeatInterval(heartbeat)
                .missedHeartbeatsLimit(MISSED_HEARTBEATS)
                .clock(worker.clock)
                .failureLogging(LogLevel.OFF, false)
                .shutdownMaxWait(HAND_BACK_WAIT)
                .build();
        worker.scheduler.start();
        worker.watch.scheduleWithFixedDelay(worker::watchHeld, WATCH.toMillis(), WATCH.toMillis(), TimeUnit.MILLISECONDS);
        worker.watch.scheduleWithFixedDelay(worker.clock::refreshQuietly, 1, 1, TimeUnit.MINUTES);
        Thread.ofPlatform().daemon().name("worker-listen").start(worker::listen);
        worker.say(String.format(Locale.ROOT, "%s takes stories from %s, %d at a time (heartbeat %d s; dead after %d missed; %s)", worker.name,
                db.queue().shownUrl(), stories, heartbeat.toSeconds(), MISSED_HEARTBEATS, worker.machine));
        return worker;
    }

    /** The story task: the same definition for workers and for {@code queue} (which only schedules). */
    static OneTimeTask<Void> definition(Worker worker) {
        return Tasks.oneTime(StoryQueue.STORY)
                .onFailure(worker == null ? (c, o) -> {} : worker::ended)
                .onDeadExecution(worker == null ? (c, o) -> {} : worker::dead)
                .execute((instance, context) -> worker.run(instance, context));
    }

    /** Blocks until the worker has stopped. */
    public void awaitStop() throws InterruptedException { stopped.await(); }

    /**
     * Stops taking stories and hands back the ones it holds at once: their work is interrupted, and
     * each is queued again for another worker (an attempt counted) without waiting for the heartbeat
     * limit. Returns when they are handed back, or after {@link #HAND_BACK_WAIT}.
     */
    public void stop() throws InterruptedException {
        if (!stopping.compareAndSet(false, true)) {
            stopped.await(HAND_BACK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        scheduler.pause();
        if (!held.isEmpty()) say("stopping: handing back " + String.join(", ", held.keySet().stream().map(s -> Path.of(s).getFileName().toString()).toList()));
        held.values().forEach(Held::interrupt);
        long deadline = System.nanoTime() + HAND_BACK_WAIT.toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        if (!inFlight.isEmpty()) say("stopping: " + inFlight.size() + " story(ies) not handed back in time: another worker takes them after the heartbeat limit");
        watch.shutdownNow();
        closeWatchConnection();
        stopped.countDown();   // what the queue needs is done: a process may exit now
        scheduler.stop();
    }

    /** Thrown out of a story this worker stops holding (it is stopping): db-scheduler hands it to {@link #ended}. */
    static final class HandedBack extends RuntimeException {
        HandedBack() { super("handed back", null, false, false); }
    }

    /** Thrown when the story is no longer this worker's (declared dead while it still ran): nothing of it is ours to change. */
    static final class LostClaim extends RuntimeException {
        LostClaim() { super("lost the story to another worker", null, false, false); }
    }

    /** A story this worker runs: its thread, its place in the machine's lanes, and what the queue should show. */
    private final class Held {
        final String story;
        final Thread thread;
        final int order;
        final int scenes;
        final Set<String> clipsDone = ConcurrentHashMap.newKeySet();
        volatile String stage = "starting";
        String written;
        volatile boolean cancelled, active = true;

        Held(String story, Thread thread, int order, int scenes) {
            this.story = story;
            this.thread = thread;
            this.order = order;
            this.scenes = scenes;
        }

        /** The stage from the story's progress: the scene and part last heard of, "merge" once every clip is made. */
        void heard(Progress.Event e) {
            if (!Set.of("image", "narration", "clip").contains(e.part())) return;
            String scene = e.scene().substring(e.scene().lastIndexOf('/') + 1);
            if (e.part().equals("clip") && e.status().startsWith("✓")) clipsDone.add(scene);
            stage = scenes > 0 && clipsDone.size() >= scenes ? "merge" : scene + " " + e.part();
        }

        /** Interrupts the story's work (its own thread, and its work in the machine's lanes), if it still runs. */
        synchronized void interrupt() {
            if (!active) return;
            thread.interrupt();
            machine.cancel(order);
        }

        /** The story's run returned: nothing of it is left in the lanes, and its thread is the pool's again. */
        synchronized void finish() { active = false; }
    }

    private void run(TaskInstance<Void> instance, ExecutionContext context) {
        String story = instance.getId();
        inFlight.add(story);
        boolean handedBack = false;
        try {
            if (stopping.get()) throw new HandedBack();
            var execution = context.getExecution();
            Instant picked = execution.lastHeartbeat != null ? execution.lastHeartbeat : clock.now();
            var claim = claim(story, picked);
            String file = Path.of(story).getFileName().toString();
            if (claim.cancel()) {
                end(story, claim, "failed", null, "cancelled (queue cancel)", picked, clock.now());
                return;
            }
            var h = new Held(story, Thread.currentThread(), order.getAndIncrement(), scenesOf(Path.of(story)));
            held.put(story, h);
            if (stopping.get()) {   // stop() may have looked at the held stories just before this one
                held.remove(story);
                throw new HandedBack();
            }
            Instant start = clock.now();
            say(file + ": taken (attempt " + claim.attempts() + " of " + maxAttempts + (claim.force() ? ", --force" : "") + ")");
            var progress = new Progress(err, false, java.util.List.of()).listen(h::heard);
            Batch.StoryResult result;
            try {
                result = Batch.runOne(Path.of(story), settings, claim.force(), progress, machine, h.order);
            } catch (InterruptedException e) {
                result = null;
            } finally {
                h.finish();
                held.remove(story);
                Thread.interrupted();   // the pool's thread goes on to other stories
            }
            boolean made = result != null && (result.outcome().equals("made") || result.outcome().equals("kept"));
            if (made) {
                end(story, claim, "done", result.output(), null, picked, start);
            } else if (stopping.get()) {
                throw new HandedBack();
            } else if (h.cancelled) {
                end(story, claim, "failed", null, "cancelled (queue cancel) while running on " + name, picked, start);
            } else if (result == null) {
                throw new HandedBack();   // interrupted, neither stopping nor cancelled: let another worker have it
            } else {
                // A request that may have been billed is sent again only on purpose: in a cluster, with queue retry --force.
                String why = oneLine(result.failures()).replaceAll("\\(to send it again: [a-z-]+ --force [^)]*\\)",
                        java.util.regex.Matcher.quoteReplacement("(to send it again: queue retry " + file + " --force)"));
                end(story, claim, "failed", null, why, picked, start);
            }
        } catch (HandedBack e) {
            handedBack = true;
            throw e;
        } catch (InterruptedException e) {
            handedBack = true;
            throw new HandedBack();
        } catch (ShortsmithException e) {
            // The queue's database failed while taking or ending the story (the story's own failures are in its result):
            // not the story's fault, so it is handed back, as if this worker had stopped.
            say(Path.of(story).getFileName() + ": " + e.getMessage() + "; handing it back");
            handedBack = true;
            throw new HandedBack();
        } finally {
            if (!handedBack) inFlight.remove(story);
        }
    }

    /** What the queue's row held when this worker took the story. */
    private record Claim(int attempts, boolean force, boolean cancel, Instant claimed, Instant started) {}

    /** Marks the story running here (an attempt counted); its --force is used up by this attempt. */
    private Claim claim(String story, Instant picked) throws InterruptedException {
        return db.transaction(c -> {
            try (var insert = c.prepareStatement("insert into " + Schema.STORIES + " (story, state, attempts, added) values (?, 'queued', 0, clock_timestamp())"
                    + " on conflict (story) do nothing")) {
                insert.setString(1, story);
                insert.executeUpdate();
            }
            boolean force, cancel;
            try (var st = c.prepareStatement("select force, cancel from " + Schema.STORIES + " where story = ? for update")) {
                st.setString(1, story);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    force = rs.getBoolean(1);
                    cancel = rs.getBoolean(2);
                }
            }
            try (var st = c.prepareStatement("update " + Schema.STORIES + " set state = 'running', worker = ?, attempts = attempts + 1, claimed = ?,"
                    + " started = clock_timestamp(), finished = null, stage = 'taken', error = null, output = null, force = false"
                    + " where story = ? returning attempts, started")) {
                st.setString(1, name);
                st.setTimestamp(2, Timestamp.from(picked));
                st.setString(3, story);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return new Claim(rs.getInt(1), force, cancel, picked, rs.getTimestamp(2).toInstant());
                }
            }
        });
    }

    /** Records how the story ended (this worker still holding it), and tells. */
    private void end(String story, Claim claim, String state, String output, String error, Instant picked, Instant start) throws InterruptedException {
        Path manifest = Path.of(story);
        String sha = state.equals("done") && java.nio.file.Files.isRegularFile(manifest) ? StoryQueue.sha256(manifest) : null;
        Instant finished = db.transaction(c -> {
            try (var st = c.prepareStatement("update " + Schema.STORIES + " set state = ?, stage = null, finished = clock_timestamp(), output = ?, error = ?,"
                    + " cancel = false, manifest_sha256 = coalesce(?, manifest_sha256) where story = ? and worker = ? and state = 'running' returning finished")) {
                st.setString(1, state);
                st.setString(2, output);
                st.setString(3, error == null ? null : Secrets.scrub(error));
                st.setString(4, sha);
                st.setString(5, story);
                st.setString(6, name);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? rs.getTimestamp(1).toInstant() : null;
                }
            }
        });
        if (finished == null) {
            say(manifest.getFileName() + ": another worker holds it now (this one was thought dead): its outcome is not recorded here");
            throw new LostClaim();
        }
        double claimToStart = Math.max(0, Duration.between(picked, start).toNanos() / 1e9);
        say(manifest.getFileName() + ": " + (state.equals("done") ? "done: " + output : "failed: " + error)
                + String.format(Locale.ROOT, " (%.1f s)", Duration.between(claim.started(), finished).toNanos() / 1e9));
        outcomes.accept(new Outcome(story, state, output, error == null ? null : Secrets.scrub(error), name, claim.attempts(), claim.claimed().toString(),
                claim.started().toString(), finished.toString(), Math.round(claimToStart * 1000) / 1000.0));
    }

    /** db-scheduler's failure handler: the execution threw. Handed back: queued again; anything else ends the story. */
    private void ended(ExecutionComplete complete, ExecutionOperations<Void> ops) {
        String story = complete.getExecution().taskInstance.getId();
        try {
            Throwable cause = complete.getCause().orElse(null);
            if (cause instanceof LostClaim) return;
            if (cause instanceof HandedBack) {
                requeueOrFail(story, complete, ops, "its worker " + name + " was stopped");
                return;
            }
            ops.stop();
            String why = "worker " + name + " failed: " + (cause instanceof ShortsmithException ? cause.getMessage() : String.valueOf(cause));
            db.run(c -> {
                try (var st = c.prepareStatement("update " + Schema.STORIES + " set state = 'failed', stage = null, finished = clock_timestamp(), error = ?"
                        + " where story = ?")) {
                    st.setString(1, Secrets.scrub(why));
                    st.setString(2, story);
                    st.executeUpdate();
                }
                return null;
            });
            say(Path.of(story).getFileName() + ": failed: " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.remove(story);
        }
    }

    /** db-scheduler's dead-execution handler: a worker stopped heartbeating while it held this story. */
    private void dead(ExecutionComplete complete, ExecutionOperations<Void> ops) {
        var execution = complete.getExecution();
        String silent = execution.lastHeartbeat == null ? "" : String.format(Locale.ROOT, " (no heartbeat for %.0f s)",
                Duration.between(execution.lastHeartbeat, clock.now()).toMillis() / 1000.0);
        try {
            requeueOrFail(execution.taskInstance.getId(), complete, ops, "its worker " + execution.pickedBy + " stopped answering" + silent);
        } catch (com.github.kagkarlsson.scheduler.exceptions.ExecutionException e) {
            // Another worker handled this dead execution first (db-scheduler's version check): nothing left to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The story lost its worker: queued again after a backoff, or failed once QUEUE_MAX_ATTEMPTS attempts were taken (or it was cancelled). */
    private void requeueOrFail(String story, ExecutionComplete complete, ExecutionOperations<Void> ops, String why) throws InterruptedException {
        int attempts;
        boolean cancel;
        var row = db.run(c -> {
            try (var st = c.prepareStatement("select attempts, cancel from " + Schema.STORIES + " where story = ?")) {
                st.setString(1, story);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? new int[] {rs.getInt(1), rs.getBoolean(2) ? 1 : 0} : new int[] {0, 0};
                }
            }
        });
        attempts = row[0];
        cancel = row[1] == 1;
        String file = Path.of(story).getFileName().toString();
        String state, stage, error;
        if (cancel || attempts >= maxAttempts) {
            ops.stop();
            state = "failed";
            stage = null;
            error = cancel ? "cancelled (queue cancel); " + why
                    : why + "; it was taken " + attempts + " times (QUEUE_MAX_ATTEMPTS=" + maxAttempts + "): queue retry " + file + " queues it again";
        } else {
            Duration backoff = backoff(attempts);
            ops.reschedule(complete, clock.now().plus(backoff));
            state = "queued";
            stage = "queued again: " + why + "; attempt " + (attempts + 1) + " of " + maxAttempts + " after " + backoff.toSeconds() + " s";
            error = null;
        }
        db.run(c -> {
            try (var st = c.prepareStatement("update " + Schema.STORIES + " set state = ?, worker = null, stage = ?, error = ?,"
                    + " finished = case when ? = 'failed' then clock_timestamp() else null end where story = ?")) {
                st.setString(1, state);
                st.setString(2, stage);
                st.setString(3, error);
                st.setString(4, state);
                st.setString(5, story);
                st.executeUpdate();
            }
            if (state.equals("queued")) {
                try (var st = c.createStatement()) {
                    st.execute("notify " + StoryQueue.CHANNEL);
                }
            }
            return null;
        });
        say(file + ": " + (state.equals("failed") ? "failed: " + error : stage));
    }

    /** The wait before the next attempt of a story that lost its worker: 2 s, doubling, at most 5 min. */
    static Duration backoff(int attempts) {
        return Duration.ofSeconds(Math.min(300, 2L << Math.min(8, Math.max(0, attempts - 1))));
    }

    /** Every second: the stage of each held story to the queue, and a cancel asked for by {@code queue cancel}. */
    private void watchHeld() {
        if (held.isEmpty()) return;
        try {
            if (watchConnection == null || watchConnection.isClosed()) watchConnection = db.open();
            for (Held h : held.values()) {
                String stage = h.stage;
                boolean cancel;
                try (var st = watchConnection.prepareStatement("update " + Schema.STORIES + " set stage = ? where story = ? and worker = ? and state = 'running'"
                        + " returning cancel")) {
                    st.setString(1, stage);
                    st.setString(2, h.story);
                    st.setString(3, name);
                    try (var rs = st.executeQuery()) {
                        cancel = rs.next() && rs.getBoolean(1);
                    }
                }
                h.written = stage;
                if (cancel && !h.cancelled) {
                    h.cancelled = true;
                    say(Path.of(h.story).getFileName() + ": cancelled by queue cancel: stopping its work");
                    h.interrupt();
                }
            }
        } catch (SQLException e) {
            closeWatchConnection();   // tried again next second; db-scheduler says when the database is away
        } catch (RuntimeException e) {
            say("cannot report stages to the queue: " + e.getMessage());
        }
    }

    private synchronized void closeWatchConnection() {
        try {
            if (watchConnection != null) watchConnection.close();
        } catch (SQLException ignored) {
            // already broken
        }
        watchConnection = null;
    }

    /** Waits for {@code queue add} to say a story was added, and looks for it at once instead of at the next poll. */
    private void listen() {
        while (!stopping.get()) {
            try (var c = db.open()) {
                try (var st = c.createStatement()) {
                    st.execute("listen " + StoryQueue.CHANNEL);
                }
                var pg = c.unwrap(PGConnection.class);
                while (!stopping.get()) {
                    var notes = pg.getNotifications(5_000);
                    if (notes != null && notes.length > 0) scheduler.triggerCheckForDueExecutions();
                }
            } catch (SQLException e) {
                try {
                    Thread.sleep(settings.queue().heartbeat().toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** How many scenes the story has (for its stage), 0 when its manifest cannot be read (its run says why). */
    private static int scenesOf(Path manifest) {
        try {
            return Story.read(manifest).scenes().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** A story's failures as one line: the first, and how many more. */
    static String oneLine(Map<String, String> failures) {
        if (failures.isEmpty()) return "failed";
        var first = failures.entrySet().iterator().next();
        String text = first.getValue().strip().lines().findFirst().orElse("");
        if (!first.getKey().equals("story") && !first.getKey().equals("manifest") && !text.contains(first.getKey())) text = first.getKey() + ": " + text;
        return failures.size() == 1 ? text : text + " (and " + (failures.size() - 1) + " more scene" + (failures.size() > 2 ? "s" : "") + " failed)";
    }

    private void say(String line) {
        err.println(Secrets.scrub("worker: " + line));
        err.flush();
    }

    /** db-scheduler's clock: this machine's, moved to agree with the database's, so machines whose clocks differ agree on due times and heartbeats. */
    static final class DatabaseClock implements Clock {
        private final Database db;
        private volatile long offsetNanos;

        DatabaseClock(Database db) throws InterruptedException {
            this.db = db;
            refresh();
        }

        void refresh() throws InterruptedException {
            // On a connection already open: the round trip is then the query's alone, and half of it is when the server read its clock.
            offsetNanos = db.run(c -> {
                try (var st = c.prepareStatement("select clock_timestamp()")) {
                    long before = System.nanoTime();
                    Instant local = Instant.now();
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        long halfTrip = (System.nanoTime() - before) / 2;
                        return Duration.between(local.plusNanos(halfTrip), rs.getTimestamp(1).toInstant()).toNanos();
                    }
                }
            });
        }

        void refreshQuietly() {
            try {
                refresh();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the database is away: keep the last offset
            }
        }

        @Override
        public Instant now() { return Instant.now().plusNanos(offsetNanos); }
    }

    @Override
    public String toString() { return "Worker[" + name + ", " + db + ", " + held.size() + " held]"; }

    /** One outcome as a JSON line. */
    public static String jsonLine(Outcome o) {
        try {
            return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
