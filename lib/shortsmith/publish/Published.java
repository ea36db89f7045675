package shortsmith.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What publish knows about one Short, kept beside it as {@code NAME.youtube.json}: while uploading,
 * the session's address (written before the first byte, so a rerun asks that session how far it
 * got instead of starting a second video); once uploaded, the video's id and URL, the file's
 * SHA-256 and size, and the video resource that was sent; the caption track; what processing
 * said; and the videos made from earlier versions of the file ({@code --force}). Written owner-only
 * and atomically: the session address lets whoever holds it add bytes to the upload.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Published(String file, String sha256, long bytes, String state, String session, String sessionStarted, String videoId,
                        String url, String uploadedAt, JsonNode sent, Captions captions, JsonNode processing, List<Earlier> earlier) {

    public static final String UPLOADING = "uploading";
    public static final String UPLOADED = "uploaded";

    /** The caption track: the file and its hash, and {@code sending} (fate unknown: asked with captions.list next time) or {@code uploaded}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Captions(String file, String sha256, String language, String name, String state, String id) {}

    /** A video made from an earlier version of the file (replaced with --force); it stays on YouTube. */
    public record Earlier(String videoId, String url, String sha256, String uploadedAt) {}

    /** Where the record of {@code video} lives: NAME.youtube.json beside it. */
    public static Path recordOf(Path video) {
        String name = video.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        return video.toAbsolutePath().resolveSibling(name + ".youtube.json");
    }

    /** The record beside {@code video}, if any. One that cannot be read stops publishing: without it, a second video could be made. */
    public static Optional<Published> read(Path video) {
        Path f = recordOf(video);
        if (!Files.exists(f)) return Optional.empty();
        try {
            Published p = Json.MAPPER.readValue(f.toFile(), Published.class);
            if (p.session() != null) shortsmith.core.Secrets.register(p.session());
            return Optional.of(p);
        } catch (IOException e) {
            throw ShortsmithException.badInput(f + " cannot be read (" + e.getMessage().lines().findFirst().orElse("") + "); it says what was"
                    + " published from " + video.getFileName() + ": repair it, or move it away knowing that publishing again may make a second video");
        }
    }

    void write(Path video) { Private.write(recordOf(video), Json.write(this)); }

    static Published uploading(Path video, String sha256, long bytes, String session, JsonNode sent, List<Earlier> earlier) {
        return new Published(video.toAbsolutePath().toString(), sha256, bytes, UPLOADING, session, Instant.now().toString(), null, null, null, sent,
                null, null, earlier);
    }

    Published uploaded(String id) {
        return new Published(file, sha256, bytes, UPLOADED, null, null, id, "https://www.youtube.com/shorts/" + id, Instant.now().toString(), sent,
                captions, processing, earlier);
    }

    Published withCaptions(Captions c) {
        return new Published(file, sha256, bytes, state, session, sessionStarted, videoId, url, uploadedAt, sent, c, processing, earlier);
    }

    Published withProcessing(JsonNode p) {
        return new Published(file, sha256, bytes, state, session, sessionStarted, videoId, url, uploadedAt, sent, captions, p, earlier);
    }

    /** The videos made from this file so far, this one last: the history a --force upload keeps. */
    List<Earlier> history() {
        var all = new ArrayList<Earlier>(earlier == null ? List.of() : earlier);
        if (videoId != null) all.add(new Earlier(videoId, url, sha256, uploadedAt));
        return all;
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isUploaded() { return UPLOADED.equals(state) && videoId != null; }

    /** The record as shown to people (--status, --json): the session's address is a key, so only whether there is one. */
    public Published shown() {
        return session == null ? this : new Published(file, sha256, bytes, state, "(kept in " + recordOf(Path.of(file)).getFileName() + ")",
                sessionStarted, videoId, url, uploadedAt, sent, captions, processing, earlier);
    }

    @Override
    public String toString() {
        return "Published[" + Path.of(file).getFileName() + ": " + state + (videoId == null ? "" : " " + url) + ", sha256 " + sha256.substring(0, 12) + "…]";
    }
}
