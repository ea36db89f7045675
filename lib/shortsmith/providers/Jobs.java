package shortsmith.providers;

import shortsmith.core.Json;
import shortsmith.core.WorkDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Provider jobs in flight, written to the work folder before the first poll. None of the
 * providers offers idempotency keys, so this is what keeps a run that was killed (even with
 * {@code kill -9}) from paying twice: the next run finds the job and polls it instead of submitting.
 * The files hold job ids and polling URLs, never keys.
 */
record Jobs(Path dir) {

    /** A submitted job: which provider, for which request ({@code key}), and where to ask for it. */
    public record Job(String provider, String key, String id, String pollingUrl, String submittedAt) {
        public static Job submitted(String provider, String key, String id, String pollingUrl) {
            return new Job(provider, key, id, pollingUrl, Instant.now().toString());
        }
    }

    public static Jobs in(WorkDir work) { return new Jobs(work.root().resolve("jobs")); }

    /** The job saved under {@code name} for the same request, if any. */
    public Optional<Job> find(String name, String key) {
        Path f = file(name);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            Job job = Json.MAPPER.readValue(f.toFile(), Job.class);
            return job.key().equals(key) ? Optional.of(job) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void save(String name, Job job) { WorkDir.writeAtomically(file(name), Json.write(job)); }

    public void remove(String name) { WorkDir.deleteQuietly(file(name)); }

    private Path file(String name) { return dir.resolve(name + ".json"); }
}
