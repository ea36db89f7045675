package shortsmith.publish;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.concurrency.Ticker;
import shortsmith.core.CrashPoint;
import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;
import shortsmith.providers.Http;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;

/**
 * Sends a file's bytes to a resumable upload session until YouTube answers with the video. Chunks
 * are {@code YOUTUBE_CHUNK_KB} (a multiple of 256 KiB, as YouTube requires; the last one is what is
 * left). After a connection reset, a 5xx, a 429 or a stall (no complete answer within
 * {@code PROVIDER_TIMEOUT}), it waits (doubling from {@code PROVIDER_RETRY_DELAY}, with jitter),
 * asks the session what it holds, and continues from there: bytes YouTube holds are never sent
 * again, and a session that turns out complete (its last answer was lost) gives its video without
 * another byte. It gives up when {@code PROVIDER_DEADLINE} passes without progress.
 */
final class Upload {
    /** Hears about the upload: bytes the server holds or that left this machine; notes for the log. */
    interface Listener {
        void at(long bytes);

        void note(String text);
    }

    private final YouTube youtube;
    private final Path file;
    private final long size;
    private final String type;
    private final int chunk;
    private final Duration deadline;
    private final Duration firstDelay;
    private final Ticker ticker;
    private final Random random = new Random();

    Upload(YouTube youtube, Path file, long size, String type, int chunkBytes, Duration deadline, Duration firstDelay, Ticker ticker) {
        if (chunkBytes <= 0 || chunkBytes % (256 << 10) != 0) throw new IllegalArgumentException("chunks must be a multiple of 256 KiB, got " + chunkBytes);
        this.youtube = youtube;
        this.file = file;
        this.size = size;
        this.type = type;
        this.chunk = chunkBytes;
        this.deadline = deadline;
        this.firstDelay = firstDelay;
        this.ticker = ticker;
    }

    /**
     * The finished video resource. {@code known} is what the session holds when the caller knows it
     * (0 for a new session), or -1 to ask first.
     *
     * @throws YouTube.SessionGone when the session expired (404/410): its bytes are gone with it
     */
    JsonNode send(URI session, long known, Listener listener) throws InterruptedException {
        long held = known, lastHeld = Math.max(known, 0);
        long stuckSince = -1;
        Duration wait = firstDelay;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (true) {
                YouTube.Session s;
                try {
                    if (held < 0 || held >= size) {
                        s = youtube.query(session, size);
                    } else {
                        byte[] bytes = read(in, held, (int) Math.min(chunk, size - held));
                        long from = held;
                        s = youtube.put(session, bytes, from, size, type, sent -> listener.at(from + sent));
                        CrashPoint.reach("chunk-sent");
                    }
                } catch (Http.ProviderException e) {
                    if (!e.retryable()) throw e;
                    long now = ticker.nanoTime();
                    if (stuckSince < 0) stuckSince = now;
                    Duration pause = jittered(e.serverWait().filter(w -> w.compareTo(Duration.ofMinutes(5)) < 0).orElse(wait));
                    if (Duration.ofNanos(now - stuckSince).plus(pause).compareTo(deadline) > 0) {
                        throw new ShortsmithException(ExitCode.PROVIDER, "the upload of " + file.getFileName() + " made no progress for "
                                + deadline.toSeconds() + " s (PROVIDER_DEADLINE): " + e.getMessage() + "; run the same command again to resume"
                                + " from what YouTube holds");
                    }
                    listener.note("upload interrupted (" + e.getMessage() + "); asking YouTube how far it got in " + seconds(pause));
                    ticker.sleep(pause);
                    wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : wait.multipliedBy(2);
                    held = -1;
                    continue;
                }
                if (s.complete()) {
                    listener.at(size);
                    return s.video();
                }
                boolean asked = held < 0 || held >= size;
                if (s.held() > lastHeld) {
                    lastHeld = s.held();
                    stuckSince = -1;
                    wait = firstDelay;
                } else if (!asked || s.held() >= size) {
                    // A chunk that added nothing, or every byte sent and no video yet: ask again, within the deadline.
                    if (stuckSince < 0) stuckSince = ticker.nanoTime();
                    if (Duration.ofNanos(ticker.nanoTime() - stuckSince).compareTo(deadline) > 0) {
                        throw new ShortsmithException(ExitCode.PROVIDER, "YouTube holds " + s.held() + " of " + size + " bytes of " + file.getFileName()
                                + " and takes no more (PROVIDER_DEADLINE passed); run the same command again later to resume");
                    }
                    ticker.sleep(jittered(wait));
                    wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : wait.multipliedBy(2);
                }
                held = s.held();
                listener.at(held);
            }
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + " while uploading it: " + e.getMessage());
        }
    }

    /** What the session holds now (a status query), asked again with backoff after failures that may pass, within PROVIDER_DEADLINE. */
    YouTube.Session ask(URI session, Listener listener) throws InterruptedException {
        long start = ticker.nanoTime();
        Duration wait = firstDelay;
        while (true) {
            try {
                return youtube.query(session, size);
            } catch (Http.ProviderException e) {
                if (!e.retryable()) throw e;
                Duration pause = jittered(wait);
                if (Duration.ofNanos(ticker.nanoTime() - start).plus(pause).compareTo(deadline) > 0) {
                    throw new ShortsmithException(ExitCode.PROVIDER, "YouTube did not say how far the upload of " + file.getFileName() + " got within "
                            + deadline.toSeconds() + " s (PROVIDER_DEADLINE): " + e.getMessage() + "; run the same command again");
                }
                listener.note("cannot ask YouTube how far the upload got (" + e.getMessage() + "); again in " + seconds(pause));
                ticker.sleep(pause);
                wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : wait.multipliedBy(2);
            }
        }
    }

    private static byte[] read(FileChannel in, long at, int n) throws IOException {
        var buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            int r = in.read(buf, at + buf.position());
            if (r < 0) throw new IOException("the file became shorter while it was being uploaded");
        }
        return buf.array();
    }

    private Duration jittered(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * (0.75 + 0.5 * random.nextDouble())));
    }

    static String seconds(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
