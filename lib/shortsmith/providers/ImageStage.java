package shortsmith.providers;

import shortsmith.core.CrashPoint;

import shortsmith.concurrency.LimitUnavailable;
import shortsmith.concurrency.Parallel;
import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.SharedWindow;
import shortsmith.concurrency.SubmissionLedger;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Home;
import shortsmith.core.ServiceKey;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * gen-images: a picture for every selected scene that has none of its own. In parallel on virtual
 * threads (MAX_PARALLEL_IMAGES, or one at a time), never more than IMAGE_RATE_PER_MIN submissions
 * to a paid service in any minute, counted with every other process of the user that submits to
 * the same service (the per-service ledger). A picture already made for the same prompt, provider,
 * model, size and seed is reused without calling anyone; a new one must decode before it counts.
 */
public final class ImageStage {
    private final WorkDir work;
    private final Settings settings;
    private final ImageProvider provider;
    private final RateLimiter gate;
    private Jobs jobs;
    private final boolean force;
    /** The manifest as the user gave it, for the command a possibly billed failure names (null: piped in). */
    private Path manifest;
    private final Progress progress;

    /** {@code limiter} null = none (the local provider). */
    public ImageStage(WorkDir work, Settings settings, ImageProvider provider, RateLimiter limiter, boolean force, Progress progress) {
        this.work = work;
        this.settings = settings;
        this.provider = provider;
        this.gate = limiter != null ? limiter : new RateLimiter(Integer.MAX_VALUE, java.time.Duration.ofMinutes(1), Ticker.system());
        this.jobs = Jobs.in(work);
        this.force = force;
        this.progress = progress;
    }

    /** The provider IMAGE_PROVIDER names, rate-limited by IMAGE_RATE_PER_MIN with every process of this user when it is a paid service. */
    public static ImageStage of(WorkDir work, Settings settings, boolean force, Progress progress) {
        var provider = ImageProvider.from(settings);
        return new ImageStage(work, settings, provider, submissionLimit(provider, settings, service -> userLedger(service, settings)), force, progress);
    }

    /**
     * The submission limit of pictures from {@code provider}: IMAGE_RATE_PER_MIN in this process,
     * and counted with every other process in {@code ledgers}' ledger of its service; null when
     * the pictures are made without a paid service (drawn here, a command, the user's ComfyUI).
     */
    public static RateLimiter submissionLimit(ImageProvider provider, Settings settings, Function<ServiceKey, SubmissionLedger> ledgers) {
        if (!provider.remote()) return null;
        var here = RateLimiter.perMinute(settings.providers().images().ratePerMinute());
        return provider.service().map(ledgers).map(here::sharedThrough).orElse(here);
    }

    /**
     * This user's ledger of submissions to {@code service} on this machine: a file in
     * {@link Home#limits()}, at most IMAGE_RATE_PER_MIN starts in any minute, every wait within
     * PROVIDER_DEADLINE. gen-images, short and batches share it.
     */
    public static SubmissionLedger userLedger(ServiceKey service, Settings settings) {
        return new SharedWindow(Home.limits().resolve(service.fileName()), settings.providers().images().ratePerMinute(), Duration.ofMinutes(1),
                settings.providers().deadline());
    }

    /** Images at once: MAX_PARALLEL_IMAGES, or 1 when PARALLEL_IMAGE_GENERATION is off. */
    public int atOnce() {
        var par = settings.parallelism();
        return par.parallelImages() ? par.maxParallelImages() : 1;
    }

    public static StageResult run(StoryInput input, Settings settings, boolean force, Progress progress) throws InterruptedException {
        return run(input, settings, force, false, progress);
    }

    /** With {@code resendUnanswered}: every request on record as sent and never answered is sent once more (--resend-unanswered). */
    public static StageResult run(StoryInput input, Settings settings, boolean force, boolean resendUnanswered, Progress progress)
            throws InterruptedException {
        WorkDir work = input.workDir(settings);
        var stage = of(work, settings, force, progress);
        return (resendUnanswered ? stage.resendingUnanswered() : stage).run(input);
    }

    /** Requests on record as sent and never answered (they may have been billed) are sent once more, as the user asks. */
    public ImageStage resendingUnanswered() {
        jobs = jobs.resendingUnanswered();
        return this;
    }

    /** The manifest the scenes come from, as the user gave it: a possibly billed failure names the command with it. */
    public ImageStage forStory(Path manifest) {
        this.manifest = manifest;
        return this;
    }

    /** With a given provider and submission limiter (tests, benchmark); {@code limiter} null = none. */
    public static StageResult run(StoryInput input, Settings settings, ImageProvider provider, RateLimiter limiter, boolean force,
                                  Progress progress) throws InterruptedException {
        return new ImageStage(input.workDir(settings), settings, provider, limiter, force, progress).run(input);
    }

    public StageResult run(StoryInput input) throws InterruptedException {
        if (manifest == null) manifest = input.manifest();
        try (var lock = work.lock("gen-images", progress::note)) {
            return runLocked(input);
        }
    }

    private StageResult runLocked(StoryInput input) throws InterruptedException {
        Story story = input.story().withWorkDir(work.root().toString());
        Map<String, ShortsmithException> failures = StageResult.unknownIds(input, story);
        var outcomes = Parallel.each(input.selected(), atOnce(), this::imageFor);
        boolean anyDone = false;
        for (var o : outcomes) {
            switch (o) {
                case Parallel.Outcome.Success<Story.Scene, Path> ok -> {
                    story = story.with(story.scene(o.item().id()).withImage(ok.value().toString()));
                    anyDone = true;
                }
                case Parallel.Outcome.Failure<Story.Scene, Path> bad -> failures.put(o.item().id(), StageResult.sceneFailure(o.item().id(), bad.error()));
            }
        }
        return new StageResult(story, failures, anyDone);
    }

    /** Whether the scene needs nothing from a provider: its own picture, or one cached for the same request. */
    public boolean ready(Story.Scene scene) {
        return ownImage(scene) || (!force && Asset.find(work.images(), scene.id(), provider.key(request(scene))).isPresent());
    }

    private boolean ownImage(Story.Scene scene) {
        return scene.image() != null && !Path.of(scene.image()).startsWith(work.images());
    }

    private ImageProvider.Request request(Story.Scene scene) {
        String prompt = scene.imagePrompt() != null && !scene.imagePrompt().isBlank() ? scene.imagePrompt() : scene.text();
        var size = settings.video().size();
        return new ImageProvider.Request(scene.id(), prompt, size.width(), size.height(), settings.providers().images().seed());
    }

    /** The scene's picture: its own, a cached one, or a new one from the provider. */
    public Path imageFor(Story.Scene scene) throws InterruptedException {
        String id = scene.id();
        if (ownImage(scene)) {
            progress.done(id, "own image " + Path.of(scene.image()).getFileName());
            return Path.of(scene.image());
        }
        var request = request(scene);
        String key = provider.key(request);
        if (!force) {
            var cached = Asset.find(work.images(), id, key);
            if (cached.isPresent()) {
                jobs.remove("image-" + id);   // a record a kill left after the picture was kept
                progress.done(id, "image " + work.root().relativize(cached.get().file()) + " (unchanged)");
                return cached.get().file();
            }
        } else {
            jobs.remove("image-" + id);       // --force: the user asks for this request to be sent again
        }
        try {
            progress.update(id, "image: " + provider.name(), -1);
            if (jobs.resendUnanswered() && jobs.state("image-" + id).filter("sending"::equals).isPresent()) {
                progress.update(id, "image: sending again the request whose answer never came (--resend-unanswered)", -1);
            }
            Consumer<String> status = s -> progress.update(id, "image: " + s, -1);
            var context = new ImageProvider.Context(jobs, gate.tellingWaitsTo(status), Ticker.system(), status);
            byte[] bytes = provider.generate(request, context);
            try {
                checkPicture(id, provider.name(), bytes);
            } catch (Http.ProviderException bad) {
                // Paid for (a request is on record) but unusable: not ordered again without --force.
                throw jobs.has("image-" + id) ? new Http.MaybeBilled(bad.getMessage(), 200) : bad;
            }
            var asset = Asset.save(work.images(), id, bytes, key, provider.name(), provider.model());
            CrashPoint.reach("asset-saved");
            jobs.remove("image-" + id);
            progress.done(id, "image " + work.root().relativize(asset.file()) + " (" + provider.name() + ")");
            return asset.file();
        } catch (LimitUnavailable e) {
            var failure = new ShortsmithException(ExitCode.FAILED, "IMAGE_RATE_PER_MIN: " + e.getMessage() + "; nothing was sent for this scene: run again later");
            progress.failed(id, failure.getMessage());
            throw failure;
        } catch (ShortsmithException e) {
            var failure = PaidRequests.withResendCommand(e, "gen-images", manifest, id);
            progress.failed(id, failure.getMessage());
            throw failure;
        }
    }

    /** A downloaded picture counts only if it decodes to a real image. */
    static void checkPicture(String sceneId, String provider, byte[] bytes) {
        String ext = Asset.extension(bytes);
        if (ext.equals("webp")) return;   // ImageIO cannot read WebP; ffmpeg decodes it in encode
        try {
            var img = ImageIO.read(new ByteArrayInputStream(bytes));
            if (img != null && img.getWidth() >= 64 && img.getHeight() >= 64) return;
        } catch (IOException | RuntimeException ignored) {
            // reported below
        }
        throw new Http.ProviderException(provider + " returned a picture that does not decode (" + bytes.length + " bytes)", 200, false, null);
    }
}
