package shortsmith.providers;

import shortsmith.concurrency.Retry;
import shortsmith.core.CrashPoint;
import shortsmith.core.Json;
import shortsmith.core.Shutdown;
import shortsmith.core.WorkDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Paid requests and provider jobs in flight, on disk in the work folder. None of the providers
 * offers idempotency keys, so this is what keeps a run from paying twice:
 * <ul>
 * <li>a {@code sending} record means "these bytes may have left": it is written (flushed and
 * renamed) by {@link Http} immediately before a paid request goes out — after the rate permit and
 * any wait — and it stays when the answer never arrives (a timeout, a broken connection, a kill):
 * the next run refuses to send that request again until the user asks ({@code --force}, or
 * {@code --resend-unanswered} for every such record). An attempt refused or never sent (a 429 to
 * retry, a refused connection, a run stopped while it waited) takes its record away again, so
 * a Ctrl-C during a rate-limited run never turns a waiting scene into a refusal;</li>
 * <li>when the answer names a job, the record becomes {@code submitted} with the job's id and
 * polling URL before anything else happens, so a run killed while polling resumes the job.</li>
 * </ul>
 * The files hold job ids and polling URLs, never keys. {@code resendUnanswered} is the user asking
 * ({@code --resend-unanswered}) for every request on record as unanswered to be sent once more.
 */
record Jobs(Path dir, boolean resendUnanswered) {

    Jobs(Path dir) { this(dir, false); }

    /** The same records, with every request on record as unanswered sent once more when its scene is run. */
    Jobs resendingUnanswered() { return new Jobs(dir, true); }

    /** A paid request for {@code key} (what was asked): being sent, or submitted as job {@code id}. */
    record Job(String provider, String key, String state, String id, String pollingUrl, String submittedAt) {
        static Job sending(String provider, String key) { return new Job(provider, key, "sending", null, null, Instant.now().toString()); }

        static Job submitted(String provider, String key, String id, String pollingUrl) {
            return new Job(provider, key, "submitted", id, pollingUrl, Instant.now().toString());
        }

        boolean wasSubmitted() { return "submitted".equals(state); }
    }

    static Jobs in(WorkDir work) { return new Jobs(work.root().resolve("jobs")); }

    /** A record is a few hundred bytes; a larger file is not one of ours (its size is not trusted). */
    static final long MAX_RECORD = 64 * 1024;

    /** The state of the record saved under {@code name} ({@code sending}, {@code submitted}, {@code unreadable}), whatever request it is for. */
    Optional<String> state(String name) { return read(name).map(Job::state); }

    /**
     * The record saved under {@code name} for the same request, if any. A record that cannot be
     * read (damaged, or not ours) may stand for a request that was sent and billed: it is found,
     * as {@code unreadable}, whatever request it was for.
     */
    Optional<Job> find(String name, String key) {
        return read(name).filter(job -> job.state().equals(UNREADABLE) || key.equals(job.key()));
    }

    private static final String UNREADABLE = "unreadable";

    private Optional<Job> read(String name) {
        Path f = file(name);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            if (Files.size(f) > MAX_RECORD) throw new IOException("larger than " + MAX_RECORD / 1024 + " KiB");
            Job job = Json.MAPPER.readValue(f.toFile(), Job.class);
            if (job == null || job.state() == null) throw new IOException("no state");
            return Optional.of(job);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return Optional.of(new Job(null, null, UNREADABLE, null, null, why));
        }
    }

    /** The paid request {@link #sendOnce} is sending on this thread; {@link Http} marks it right before its bytes go. */
    static final ScopedValue<Sending> SENDING = ScopedValue.newInstance();

    /**
     * One paid request on its way: on record only while its bytes may have left and no answer says
     * otherwise. {@code earlier} is the record of an unanswered request the user asked to send again:
     * until this one leaves, that record stands.
     */
    final class Sending {
        private final String name;
        private final String provider;
        private final String key;
        private final Job earlier;
        private volatile boolean onRecord;

        private Sending(String name, String provider, String key, Job earlier) {
            this.name = name;
            this.provider = provider;
            this.key = key;
            this.earlier = earlier;
        }

        /** The bytes go next: nothing starts once the JVM is stopping, and the record is on disk before they leave. */
        void beforeSend() {
            Shutdown.check();
            save(name, Job.sending(provider, key));
            onRecord = true;
            CrashPoint.reach("before-send");
        }

        /** This attempt was refused or never reached the server: nothing of it was billed, so nothing of it stays on record. */
        void notSent() {
            if (earlier == null) remove(name);
            else save(name, earlier);
            onRecord = false;
        }
    }

    /**
     * Sends a paid request at most once: {@code send} waits for its permit, then the HTTP layer
     * writes the {@code sending} record immediately before the request goes out. The record is
     * removed when the request was refused or never reached the server (nothing was billed), or
     * the run stopped before it was sent; it is kept when its fate is unknown. A record left by an
     * earlier run means that run's request may have been billed: nothing is sent, and the failure
     * says so and how to send it again.
     */
    <T> T sendOnce(String name, String key, String provider, Retry.Attempt<T> send) throws InterruptedException {
        var earlier = find(name, key);
        if (earlier.isPresent() && earlier.get().state().equals(UNREADABLE) && !resendUnanswered) {
            throw new Http.MaybeBilled(provider + ": the record of this request, " + file(name).getFileName() + " in " + dir
                    + ", cannot be read (" + earlier.get().submittedAt() + "), so whether it was sent is not known", 0);
        }
        if (earlier.isPresent() && !earlier.get().wasSubmitted() && !resendUnanswered) {
            throw new Http.MaybeBilled(provider + ": this request was sent at " + earlier.get().submittedAt()
                    + " and its answer never arrived (the run stopped or the connection broke)", 0);
        }
        var sending = new Sending(name, provider, key, earlier.orElse(null));
        try {
            T answer = ScopedValue.where(SENDING, sending).call(send::call);
            CrashPoint.reach("answer-received");
            return answer;
        } catch (Http.MaybeBilled e) {
            throw e;                          // it may have been accepted: the record stays
        } catch (InterruptedException e) {
            if (!sending.onRecord) sending.notSent();   // stopped while waiting, not while sending
            throw e;
        } catch (RuntimeException e) {
            sending.notSent();                // refused, never reached the server, or never sent: nothing billed
            throw e;
        } catch (Exception e) {
            sending.notSent();
            throw new IllegalStateException(e);
        }
    }

    /** Writes the record durably (flushed, renamed, folder synced) before the caller goes on. */
    void save(String name, Job job) {
        WorkDir.writeAtomically(file(name), Json.write(job));
        if (job.wasSubmitted()) CrashPoint.reach("job-saved");
    }

    /** Whether a paid request of this name is on record (sent, maybe billed, or a job in flight). */
    boolean has(String name) { return Files.isRegularFile(file(name)); }

    void remove(String name) { WorkDir.deleteQuietly(file(name)); }

    private Path file(String name) { return dir.resolve(name + ".json"); }
}
