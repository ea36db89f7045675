package shortsmith.pipeline;

import shortsmith.concurrency.PriorityLanes;
import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.SlotLeases;
import shortsmith.concurrency.SubmissionLedger;
import shortsmith.core.Home;
import shortsmith.core.ServiceKey;
import shortsmith.core.Settings;
import shortsmith.providers.ImageProvider;
import shortsmith.providers.ImageStage;
import shortsmith.providers.SpeechProvider;
import shortsmith.video.EncodeStage;
import shortsmith.video.EncoderProfile;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The machine's limits, shared by every story of a run: one narration lane set (MAX_PARALLEL_TTS),
 * one picture lane set (MAX_PARALLEL_IMAGES) under one IMAGE_RATE_PER_MIN, one clip lane set (the
 * CPU's cores, or the NVENC sessions). Work is taken in story order, then scene order, so the first
 * story is finished first and no lane idles while any story has work for it. Across processes, the
 * image rate is counted in one ledger per paid service ({@link ServiceKey}: the provider and its
 * normalised base URL), and the NVENC sessions are lock files, both in the user cache
 * ({@link Home#limits()}): two terminals, or a {@code short} beside a {@code gen-images} or an
 * {@code encode}, cannot break them together. A cluster's worker passes its own ledgers
 * ({@link #of(Settings, Function)}) so that the rate holds across machines.
 *
 * <pre>jshell> Machine.of(Settings.load())</pre>
 */
public final class Machine {
    final EncoderProfile profile;
    final int clipsAtOnce;
    final PriorityLanes narration, images, clips;
    final RateLimiter imageRate;
    /** The providers every story of the run uses, made once. */
    final ImageProvider imageProvider;
    final SpeechProvider speechProvider;
    final SlotLeases nvencSessions;
    private final int heldForNarration;
    private final AtomicInteger narrationsLeft = new AtomicInteger();
    private final java.util.Map<Integer, AtomicInteger> narrationsLeftOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean restored = new java.util.concurrent.atomic.AtomicBoolean();
    /** Threads a story runs outside the lanes (its soundtrack), for {@link #cancel}. */
    private final java.util.Map<Integer, java.util.Set<Thread>> threadsOf = new java.util.concurrent.ConcurrentHashMap<>();

    private Machine(Settings settings, EncoderProfile profile, Function<ServiceKey, SubmissionLedger> ledgers) throws InterruptedException {
        this.profile = profile;
        this.clipsAtOnce = EncodeStage.clipsAtOnce(profile, settings);
        var par = settings.parallelism();
        this.narration = new PriorityLanes("narration", par.maxParallelTts());
        this.images = new PriorityLanes("image", par.parallelImages() ? par.maxParallelImages() : 1);
        this.clips = new PriorityLanes("clip", clipsAtOnce);
        var provider = ImageProvider.from(settings);
        this.imageProvider = provider;
        this.speechProvider = SpeechProvider.from(settings);
        // One ledger per service: every run against the same service, whatever the command, shares its limit.
        this.imageRate = ImageStage.submissionLimit(provider, settings, ledgers);
        this.nvencSessions = EncodeStage.nvencSessions(profile, settings);
        // On the CPU, clips leave cores to a narration engine on this machine until every narration is made.
        int whileNarrating = par.clipCoresWhileNarrating();
        boolean local = speechProvider.runsHere();
        this.heldForNarration = !(profile instanceof EncoderProfile.Nvenc) && local && whileNarrating > 0 ? Math.max(0, clipsAtOnce - whileNarrating) : 0;
        clips.hold(heldForNarration);
    }

    /**
     * The limits for a run with these settings, however many stories it makes (the encoder profile
     * decided once); the image rate is counted with this user's other processes in ledger files.
     */
    public static Machine of(Settings settings) throws InterruptedException {
        return of(settings, service -> ImageStage.userLedger(service, settings));
    }

    /**
     * The same, with the image rate counted in {@code ledgers}' ledger for the image service (a
     * cluster's worker passes ledgers kept in its database, so the rate holds across machines).
     */
    public static Machine of(Settings settings, Function<ServiceKey, SubmissionLedger> ledgers) throws InterruptedException {
        return new Machine(settings, EncodeStage.profileFor(null, settings), ledgers);
    }

    private final java.util.Map<Integer, java.util.concurrent.CompletableFuture<Void>> queuedOf = new java.util.concurrent.ConcurrentHashMap<>();

    /** Completed when story {@code story} has put its pictures and narrations in the lanes, or ended without. */
    private java.util.concurrent.CompletableFuture<Void> queued(int story) {
        return queuedOf.computeIfAbsent(story, k -> new java.util.concurrent.CompletableFuture<>());
    }

    /** A story's turn to queue its work; closing it says the story will queue nothing more (done, or ended early). */
    public Turn turnOf(int story) {
        return () -> queued(story).complete(null);
    }

    /** See {@link #turnOf}. */
    public interface Turn extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits until every earlier story of the run (one that expects narrations) has queued its work,
     * so the lanes take the stories in order whichever story's thread gets there first; bounded, so a
     * story held up before queuing (another process's lock) does not hold the others.
     */
    void awaitEarlierStories(int story) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        for (int earlier : narrationsLeftOf.keySet()) {
            if (earlier >= story) continue;
            try {
                queued(earlier).get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return;   // the order is then the threads'
            }
        }
    }

    /** Story {@code story} has queued its pictures and narrations. */
    void queuedWork(int story) { queued(story).complete(null); }

    /** Story {@code story} will queue {@code n} narrations: the cores held for narration wait for them too. Call for every story first. */
    public void expectNarrations(int story, int n) {
        narrationsLeftOf.computeIfAbsent(story, k -> new AtomicInteger()).addAndGet(n);
        narrationsLeft.addAndGet(n);
    }

    /** One of story {@code story}'s narrations is done (made, cached or failed). */
    void narrationDone(int story) {
        var left = narrationsLeftOf.get(story);
        // Counted once: a story settled already took its remaining narrations off the total.
        if (left == null || left.getAndUpdate(n -> Math.max(0, n - 1)) == 0) return;
        if (narrationsLeft.decrementAndGet() == 0) restore();
    }

    /** Story {@code story} has ended (or failed before queuing them): its narrations still counted no longer hold cores. */
    void settle(int story) {
        var left = narrationsLeftOf.get(story);
        int n = left == null ? 0 : left.getAndSet(0);
        if (n > 0 && narrationsLeft.addAndGet(-n) == 0) restore();
    }

    private void restore() {
        if (heldForNarration > 0 && restored.compareAndSet(false, true)) clips.restore(heldForNarration);
    }

    /** Runs {@code work} on a virtual thread of story {@code story}'s own (outside the lanes), which {@link #cancel} interrupts too. */
    void start(int story, String name, Runnable work) {
        var mine = threadsOf.computeIfAbsent(story, k -> java.util.concurrent.ConcurrentHashMap.newKeySet());
        var thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                work.run();
            } finally {
                mine.remove(Thread.currentThread());
            }
        });
        mine.add(thread);
        thread.start();
    }

    /**
     * Interrupts all of story {@code story}'s work, waiting or running, in every lane and on its own
     * threads, so the machine's other stories have the lanes (a cluster worker's story cancelled).
     * The caller interrupts the thread that runs the story itself.
     */
    public void cancel(int story) {
        java.util.function.LongPredicate ofStory = p -> p >= priority(story, 0) && p < priority(story + 1, 0);
        narration.cancel(ofStory);
        images.cancel(ofStory);
        clips.cancel(ofStory);
        var own = threadsOf.remove(story);
        if (own != null) own.forEach(Thread::interrupt);
    }

    /** Where work of story {@code story} (0 = first), scene {@code scene} goes in every lane's queue. */
    static long priority(int story, int scene) { return (long) story * 1_000_000 + scene; }

    @Override
    public String toString() {
        return "Machine[" + profile.name() + ", " + narration + ", " + images + ", " + clips + (imageRate == null ? "" : ", image rate shared")
                + (nvencSessions == null ? "" : ", " + nvencSessions) + "]";
    }
}
