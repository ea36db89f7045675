package shortsmith.publish;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.concurrency.SlotLeases;
import shortsmith.concurrency.Ticker;
import shortsmith.core.CrashPoint;
import shortsmith.core.ExitCode;
import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Proc;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Publishes Shorts: each at most once. For each file it reads the record beside it
 * ({@link Published}): a Short already on YouTube with the same SHA-256 is kept (its URL
 * printed, nothing sent); a changed one is a new video only with {@code --force}; an upload in
 * progress asks its session how far it got and sends only the rest. Then the word-timed captions
 * ({@code NAME.srt}) go up as a caption track, and {@code --wait} follows YouTube's processing.
 * A daily limit ({@link Quota}) leaves the Shorts after it queued for the next run. Two
 * processes never upload the same Short at once (a lock per file, freed even by {@code kill -9}).
 * One upload runs at a time per process; in a batch it overlaps the next story's render.
 *
 * <pre>jshell> Publisher.of(Settings.load(), System.getenv(), Publisher.Options.defaults()).publish(Publisher.Item.ofVideo(Path.of("demo-es.mp4")), 0, Progress.stderr(List.of()))</pre>
 */
public final class Publisher {
    /**
     * How to publish: the flags, captions or not, whether to wait for processing, {@code force}
     * (a new video even when this file, or an earlier version of it, is on YouTube), the first
     * publish time and the gap between Shorts ({@code --at … --every …}), and whether progress
     * is redrawn in place (a terminal) or written as plain lines.
     */
    public record Options(Metadata.Flags flags, boolean captions, boolean waitForProcessing, boolean force, Instant firstAt, Duration every,
                          boolean live) {
        public static Options defaults() { return new Options(Metadata.Flags.none(), true, false, false, null, null, false); }
    }

    /** A Short to publish: the video, and the story's {@code youtube} object, title and language (null for a bare video). */
    public record Item(Path video, JsonNode youtube, String title, String language) {
        public static Item ofVideo(Path video) { return new Item(video.toAbsolutePath(), null, null, null); }

        /** The Short a manifest made (its {@code output}, else NAME.mp4 beside it) with the manifest's youtube object. */
        public static Item ofManifest(Path manifest) {
            Story story = Story.read(manifest);
            Path video = story.output() != null ? Path.of(story.output())
                    : manifest.toAbsolutePath().resolveSibling(manifest.getFileName().toString().replaceFirst("\\.json$", "") + ".mp4");
            return ofStory(story, video);
        }

        /** The story's Short {@code video} with the story's {@code youtube} object (every stage carries it through). */
        public static Item ofStory(Story story, Path video) {
            return new Item(video.toAbsolutePath(), story.youtube(), story.title(), story.language());
        }
    }

    /** What became of one Short: {@code published}, {@code kept} (already on YouTube), {@code queued} (a daily limit: next run) or {@code failed}. */
    public record Result(String video, String outcome, String url, String message, Published record, ShortsmithException failure) {
        public int exitCode() { return failure == null ? 0 : failure.exitCode().code(); }

        @Override
        public String toString() { return "Result[" + Path.of(video).getFileName() + " " + outcome + (url == null ? "" : " " + url) + ": " + message + "]"; }
    }

    private final Settings settings;
    private final Map<String, String> env;
    private final Options options;
    private final ReentrantLock uploading = new ReentrantLock(true);
    private volatile Quota videosStopped;
    private volatile Quota unitsStopped;
    private YouTube youtube;

    private Publisher(Settings settings, Map<String, String> env, Options options) {
        this.settings = settings;
        this.env = env;
        this.options = options;
    }

    /** A publisher for one run; {@code env} gives HOME and XDG_CONFIG_HOME (where the sign-in is kept). */
    public static Publisher of(Settings settings, Map<String, String> env, Options options) {
        if (options.every() != null && options.firstAt() == null) throw ShortsmithException.usage("--every needs --at: the first Short's publish time");
        if (options.every() != null && (options.every().isNegative() || options.every().isZero())) throw ShortsmithException.usage("--every must be positive");
        return new Publisher(settings, env, options);
    }

    /**
     * The metadata of {@code item} at place {@code slot} of the schedule, checked: a bad field fails
     * here, before anything is sent. A bare video's title and language come from the file (the title
     * and audio language merge writes), else its name.
     */
    public Metadata metadata(Item item, int slot) {
        if (item.title() == null || item.language() == null) {
            var probe = probe(item.video());
            String title = item.title() != null ? item.title() : probe.title() != null ? probe.title()
                    : item.video().getFileName().toString().replaceFirst("\\.[^.]+$", "");
            item = new Item(item.video(), item.youtube(), title, item.language() != null ? item.language() : probe.language());
        }
        var flags = options.flags();
        if (options.firstAt() != null) {
            Instant at = options.firstAt().plus(options.every() == null ? Duration.ZERO : options.every().multipliedBy(slot));
            flags = flags.withPublishAt(at);
        }
        try {
            return Metadata.of(item.youtube(), item.title(), item.language(), flags);
        } catch (ShortsmithException e) {
            throw new ShortsmithException(e.exitCode(), item.video().getFileName() + ": " + e.getMessage());
        }
    }

    /** The daily limit that stopped this run's uploads, if one did. */
    public Optional<Quota> stopped() { return Optional.ofNullable(videosStopped); }

    /**
     * Publishes one Short at place {@code slot} of the schedule. Its own failure is returned (with
     * its exit code), so the other Shorts of the run go on; only an interruption is thrown.
     */
    public Result publish(Item item, int slot, Progress progress) throws InterruptedException {
        Path video = item.video();
        String name = video.getFileName().toString();
        try {
            return publishOne(item, slot, progress, name);
        } catch (Quota q) {
            if (q.stopsUploads()) videosStopped = q;
            else unitsStopped = q;
            return new Result(video.toString(), "queued", null, q.getMessage(), Published.read(video).orElse(null), q);
        } catch (ShortsmithException e) {
            return new Result(video.toString(), "failed", null, e.getMessage(), null, e);
        }
    }

    private Result publishOne(Item item, int slot, Progress progress, String name) throws InterruptedException {
        Path video = item.video();
        probe(video);   // a readable file with a video stream, before anything is asked of YouTube
        Metadata md = metadata(item, slot);
        var leases = new SlotLeases(Home.cache().resolve("limits"), "publish-" + hex(digest(video.toAbsolutePath().normalize().toString())).substring(0, 16),
                1, Duration.ofHours(6));
        try (var lease = leases.acquire(s -> progress.note(name + ": another publish is uploading this Short; waiting for it"))) {
            return publishLocked(item, md, progress, name);
        }
    }

    private Result publishLocked(Item item, Metadata md, Progress progress, String name) throws InterruptedException {
        Path video = item.video();
        String sha = sha256(video);
        long size;
        try {
            size = Files.size(video);
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + video + ": " + e.getMessage());
        }
        Published rec = Published.read(video).orElse(null);
        List<Published.Earlier> earlier = rec == null || rec.earlier() == null ? List.of() : rec.earlier();
        if (rec != null && rec.isUploaded()) {
            if (rec.sha256().equals(sha) && !options.force()) return finish(item, md, rec, progress, "kept", name + " is already on YouTube: " + rec.url());
            if (!options.force()) throw changed(name, rec);
            earlier = rec.history();
            rec = null;
        }
        JsonNode sent = Json.MAPPER.valueToTree(md.resource());
        URI session = null;
        long held = 0;
        boolean renewed = false;
        var upload = new Upload(api(), video, size, type(video), settings.youtube().chunkKb() << 10, settings.providers().deadline(),
                settings.providers().retryDelay(), Ticker.system());
        Upload.Listener listener = listener(progress, name, size);
        if (rec != null && rec.session() != null) {
            URI earlierSession = URI.create(rec.session());
            try {
                YouTube.Session s = upload.ask(earlierSession, listener);
                if (s.complete()) {
                    // The last answer was lost (Ctrl-C, kill -9, a broken connection): the video exists; record it, send nothing.
                    Published done = rec.uploaded(s.video().path("id").asText());
                    done.write(video);
                    progress.note(name + ": the upload had finished (its last answer was lost); recorded " + done.url() + ", nothing sent again");
                    if (!done.sha256().equals(sha)) {
                        if (!options.force()) throw changed(name, done);
                        earlier = done.history();
                    } else {
                        return finish(item, md, done, progress, "published", name + " is on YouTube: " + done.url());
                    }
                } else if (rec.sha256().equals(sha) && sent.equals(rec.sent())) {
                    session = earlierSession;
                    held = s.held();
                    progress.note(name + ": resuming the upload at " + mb(held) + " of " + mb(size) + " MB (what YouTube holds)");
                } else {
                    progress.note(name + ": " + (rec.sha256().equals(sha) ? "its metadata" : "the file") + " changed since its upload began;"
                            + " starting over (the unfinished upload made no video)");
                }
            } catch (YouTube.SessionGone gone) {
                progress.note(name + ": the earlier upload session expired (YouTube keeps one about a week); starting a new one");
                renewed = true;
            }
        }
        if (videosStopped != null) throw videosStopped;
        uploading.lock();
        try {
            while (true) {
                if (session == null) {
                    session = api().startUpload(md.resource(), size, type(video), md.notifySubscribers());
                    rec = Published.uploading(video, sha, size, session.toString(), sent, earlier.isEmpty() ? null : earlier);
                    rec.write(video);   // before the first byte: a rerun asks this session instead of making a second video
                    CrashPoint.reach("session-saved");
                    held = 0;
                }
                try {
                    JsonNode v = upload.send(session, held, listener);
                    Published done = rec.uploaded(v.path("id").asText());
                    done.write(video);
                    progress.note(name + ": uploaded, " + done.url() + " (" + md.privacy()
                            + (md.publishAt() == null ? "" : ", public at " + md.publishAt()) + ")");
                    return finish(item, md, done, progress, "published", name + " is on YouTube: " + done.url());
                } catch (YouTube.SessionGone gone) {
                    if (renewed) throw new ShortsmithException(ExitCode.PROVIDER, name + ": " + gone.getMessage() + " twice; run again later");
                    renewed = true;
                    progress.note(name + ": " + gone.getMessage() + "; starting a new upload session (once)");
                    session = null;
                }
            }
        } finally {
            uploading.unlock();
        }
    }

    private static ShortsmithException changed(String name, Published rec) {
        return ShortsmithException.usage(name + " changed since it was published as " + rec.url() + " (SHA-256 " + rec.sha256().substring(0, 12)
                + "…): publishing it again makes a second video; add --force to do that (the first stays on YouTube)");
    }

    /** Captions and processing for a Short on YouTube; the result. */
    private Result finish(Item item, Metadata md, Published rec, Progress progress, String outcome, String message) throws InterruptedException {
        Path video = item.video();
        String name = video.getFileName().toString();
        Published r = rec;
        String note = "";
        if (options.captions()) {
            try {
                r = captions(video, md, r, progress);
            } catch (Quota q) {
                unitsStopped = q;
                note = "; captions queued: " + q.getMessage();
            }
        }
        if (options.waitForProcessing() && unitsStopped == null) {
            r = waitForProcessing(video, r, progress);
            String status = r.processing().path("outcome").asText();
            if (!status.equals("processed")) {
                String why = r.processing().path("reason").asText("");
                var failure = new ShortsmithException(ExitCode.PROVIDER, name + ": YouTube " + (status.equals("processing")
                        ? "is still processing it after " + settings.providers().deadline().toSeconds() + " s (PROVIDER_DEADLINE); check later with publish --status --wait"
                        : status + " it" + (why.isBlank() ? "" : " (" + why + ")")) + ": " + r.url());
                return new Result(video.toString(), status.equals("processing") ? outcome : "failed", r.url(), failure.getMessage(), r, failure);
            }
        }
        return new Result(video.toString(), outcome, r.url(), message + note, r, null);
    }

    /** Uploads NAME.srt beside the Short as a caption track, once: a send whose answer was lost is looked up with captions.list. */
    private Published captions(Path video, Metadata md, Published rec, Progress progress) throws InterruptedException {
        String name = video.getFileName().toString();
        Path srt = video.resolveSibling(name.replaceFirst("\\.[^.]+$", "") + ".srt");
        if (!Files.isRegularFile(srt)) {
            progress.note(name + ": no " + srt.getFileName() + " beside it: no caption track");
            return rec;
        }
        if (md.language() == null) {
            progress.note(name + ": " + srt.getFileName() + " not uploaded: give --language (the captions' language)");
            return rec;
        }
        if (unitsStopped != null) throw unitsStopped;
        String sha = sha256(srt);
        var c = rec.captions();
        if (c != null && c.sha256().equals(sha) && "uploaded".equals(c.state())) return rec;
        String trackName = trackName(md.language());
        if (c != null && "sending".equals(c.state()) && c.sha256().equals(sha)) {
            for (JsonNode t : api().captions(rec.videoId())) {
                if (t.path("snippet").path("language").asText().equals(c.language()) && t.path("snippet").path("name").asText().equals(c.name())) {
                    Published found = rec.withCaptions(new Published.Captions(c.file(), sha, c.language(), c.name(), "uploaded", t.path("id").asText()));
                    found.write(video);
                    return found;
                }
            }
        }
        Published sending = rec.withCaptions(new Published.Captions(srt.toString(), sha, md.language(), trackName, "sending", null));
        sending.write(video);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(srt);
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + srt + ": " + e.getMessage());
        }
        JsonNode track = api().insertCaption(rec.videoId(), md.language(), trackName, bytes);
        Published done = sending.withCaptions(new Published.Captions(srt.toString(), sha, md.language(), trackName, "uploaded", track.path("id").asText()));
        done.write(video);
        progress.note(name + ": caption track \"" + trackName + "\" (" + md.language() + ") uploaded from " + srt.getFileName());
        return done;
    }

    /** The caption track's name as viewers see it: the language in itself ("Español"). */
    static String trackName(String language) {
        Locale l = Locale.forLanguageTag(language);
        String n = l.getDisplayLanguage(l);
        return n.isBlank() ? language : n.substring(0, 1).toUpperCase(l) + n.substring(1);
    }

    /**
     * Polls videos.list (part status and processingDetails) until YouTube says processed, failed or
     * rejected, at most PROVIDER_DEADLINE; every 2 s at first, growing to 15 s.
     */
    private Published waitForProcessing(Path video, Published rec, Progress progress) throws InterruptedException {
        String name = video.getFileName().toString();
        long end = System.nanoTime() + settings.providers().deadline().toNanos();
        Duration every = Duration.ofSeconds(2);
        String lastSaid = "";
        while (true) {
            var found = api().video(rec.videoId());
            var outcome = Json.MAPPER.createObjectNode();
            String verdict = "processing", reason = "";
            if (found.isPresent()) {
                JsonNode st = found.get().path("status"), pd = found.get().path("processingDetails");
                String upload = st.path("uploadStatus").asText(""), processing = pd.path("processingStatus").asText("");
                outcome.put("uploadStatus", upload).put("processingStatus", processing);
                switch (upload) {
                    case "processed" -> verdict = "processed";
                    case "failed" -> { verdict = "failed"; reason = st.path("failureReason").asText(""); }
                    case "rejected" -> { verdict = "rejected"; reason = st.path("rejectionReason").asText(""); }
                    case "deleted" -> verdict = "deleted";
                    default -> {
                        if (processing.equals("succeeded")) verdict = "processed";
                        else if (processing.equals("failed") || processing.equals("terminated")) {
                            verdict = "failed";
                            reason = pd.path("processingFailureReason").asText(processing);
                        }
                    }
                }
                JsonNode pp = pd.path("processingProgress");
                String said = pp.isObject() ? "processing " + pp.path("partsProcessed").asText("?") + "/" + pp.path("partsTotal").asText("?")
                        + " parts" + (pp.hasNonNull("timeLeftMs") ? ", about " + pp.path("timeLeftMs").asLong() / 1000 + " s left" : "") : "processing";
                if (verdict.equals("processing") && !said.equals(lastSaid)) progress.note(name + ": YouTube is " + said);
                lastSaid = said;
            }
            outcome.put("outcome", verdict).put("reason", reason).put("checkedAt", Instant.now().toString());
            if (!verdict.equals("processing") || System.nanoTime() + every.toNanos() > end) {
                Published r = rec.withProcessing(outcome);
                r.write(video);
                if (verdict.equals("processed")) progress.note(name + ": processed by YouTube: " + r.url());
                return r;
            }
            Thread.sleep(every);
            every = Duration.ofMillis(Math.min(15_000, every.toMillis() * 3 / 2));
        }
    }

    /** What the file says about itself: a video stream (else it is refused), its title tag, its audio's language. */
    record Probe(String title, String language) {}

    private final Map<Path, Probe> probes = new java.util.concurrent.ConcurrentHashMap<>();

    Probe probe(Path video) {
        return probes.computeIfAbsent(video.toAbsolutePath(), v -> {
            if (!Files.isRegularFile(v)) throw ShortsmithException.badInput(v + " does not exist: make the Short first (short, merge)");
            if (!Files.isReadable(v)) throw ShortsmithException.badInput(v + " cannot be read: check its permissions");
            var r = Proc.run(List.of(Ffmpeg.locate(settings).ffprobe().toString(), "-v", "error", "-show_entries",
                    "stream=codec_type:stream_tags=language:format_tags=title", "-of", "json", "file:" + v), Duration.ofSeconds(60));
            JsonNode info = r.ok() ? YouTube.json(r.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8)) : Json.MAPPER.missingNode();
            if (!r.ok() || info.isMissingNode()) throw ShortsmithException.badInput(v + " cannot be read as a video: " + Media.firstLine(r.stderr()));
            String language = null;
            boolean picture = false;
            for (JsonNode st : info.path("streams")) {
                picture |= st.path("codec_type").asText().equals("video");
                if (st.path("codec_type").asText().equals("audio") && language == null) language = language(st.path("tags").path("language").asText(""));
            }
            if (!picture) throw ShortsmithException.badInput(v + " has no video stream: it is not a Short");
            String title = info.path("format").path("tags").path("title").asText("");
            return new Probe(title.isBlank() ? null : title, language);
        });
    }

    /** The two-letter code of an MP4's ISO 639-2 language tag ("spa" → es), or null ("und", unknown). */
    static String language(String iso3) {
        if (iso3.isBlank() || iso3.equals("und")) return null;
        for (String two : Locale.getISOLanguages()) {
            if (Locale.of(two).getISO3Language().equals(iso3)) return two;
        }
        return null;
    }

    /** Progress of one upload: bytes, rate and time left; redrawn on a terminal, a plain line each quarter otherwise. */
    private Upload.Listener listener(Progress progress, String name, long size) {
        long[] start = {0}, first = {-1}, lastDraw = {0};
        int[] quarter = {-1};
        return new Upload.Listener() {
            public synchronized void at(long bytes) {
                if (first[0] < 0) {
                    first[0] = bytes;   // the rate counts from the first byte of this run, not from signing in
                    start[0] = System.nanoTime();
                }
                double seconds = (System.nanoTime() - start[0]) / 1e9;
                double rate = seconds > 0.2 ? (bytes - first[0]) / seconds : 0;
                String text = String.format(Locale.ROOT, "upload %s of %s MB%s", mb(bytes), mb(size), rate > 0
                        ? String.format(Locale.ROOT, ", %.1f MB/s, %s left", rate / 1e6, left((size - bytes) / rate)) : "");
                double fraction = size == 0 ? 1 : (double) bytes / size;
                if (options.live()) {
                    long now = System.nanoTime();
                    if (now - lastDraw[0] > 200_000_000L || bytes >= size) {
                        progress.update(name, text, fraction);
                        lastDraw[0] = now;
                    }
                } else if ((int) Math.floor(fraction * 4) != quarter[0]) {
                    quarter[0] = (int) Math.floor(fraction * 4);
                    progress.note(name + ": " + text + String.format(Locale.ROOT, " (%d %%)", Math.round(fraction * 100)));
                }
            }

            public void note(String text) { progress.note(name + ": " + text); }
        };
    }

    private static String left(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }

    private static String mb(long bytes) { return String.format(Locale.ROOT, "%.1f", bytes / 1e6); }

    private synchronized YouTube api() {
        if (youtube == null) youtube = YouTube.of(settings, OAuth.tokens(settings, env));
        return youtube;
    }

    /** The status of the Short beside {@code video} as recorded (and, with --wait, as YouTube says now). */
    public Optional<Published> status(Path video, Progress progress) throws InterruptedException {
        var rec = Published.read(video);
        if (rec.isPresent() && rec.get().isUploaded() && options.waitForProcessing()) return Optional.of(waitForProcessing(video.toAbsolutePath(), rec.get(), progress));
        return rec;
    }

    static String type(Path video) {
        String n = video.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".mp4") || n.endsWith(".m4v")) return "video/mp4";
        if (n.endsWith(".mov")) return "video/quicktime";
        if (n.endsWith(".webm")) return "video/webm";
        if (n.endsWith(".mkv")) return "video/x-matroska";
        return "application/octet-stream";
    }

    /** The SHA-256 of a file, read in pieces (a Short may be hundreds of MB). */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            var md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return hex(md.digest());
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + ": " + e.getMessage());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    @Override
    public String toString() { return "Publisher[" + options + "]"; }
}
