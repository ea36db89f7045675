package shortsmith.pipeline;


import shortsmith.media.CpuTime;

import shortsmith.audio.MediaReport;
import shortsmith.audio.Merge;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.providers.ImageStage;
import shortsmith.providers.SpeechStage;
import shortsmith.video.ClipEncoder;
import shortsmith.video.EncodeStage;
import shortsmith.video.EncoderProfile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * short: the whole Short from a story, with the stages overlapped instead of run one after
 * another. Pictures and narration start together; each scene's clip starts as soon as its picture
 * and narration exist, while later narrations are still being made; the merge starts when the last
 * clip ends. So the narration is the critical path and the rest hides under it. Each stage keeps
 * its own limits (MAX_PARALLEL_IMAGES, IMAGE_RATE_PER_MIN, MAX_PARALLEL_TTS, the encoder's
 * parallelism), and CPU clip encoding leaves cores to a narration engine on the same machine.
 *
 * <pre>jshell> Pipeline.run(StoryInput.resolve(List.of("examples/demo-es/story.json"), System.in, true), Settings.load(), new Pipeline.Options(Path.of("demo.mp4"), null, false), Progress.stderr(List.of()))</pre>
 */
public final class Pipeline {
    private Pipeline() {}

    /** {@code resendUnanswered}: paid requests on record as sent and never answered are sent once more (--resend-unanswered). */
    public record Options(Path output, Path music, boolean force, boolean resendUnanswered) {
        public Options(Path output, Path music, boolean force) { this(output, music, force, false); }
    }

    /** One piece of work: a scene's stage (image, narration, clip) or the merge, in seconds from the start. */
    public record Span(String scene, String stage, double start, double end, boolean cached, boolean failed) {
        public double seconds() { return end - start; }
    }

    /**
     * The timing report: every span; the critical path (the narration's busy time + the last clip's
     * encode + the merge); the CPU work ({@code cpuSeconds}, this process and its tools) on
     * {@code cores} cores, and the NVENC work on {@code sessions} sessions. The run cannot be faster
     * than the largest of chain, CPU work ÷ cores and NVENC work ÷ sessions: that is {@code bound},
     * {@code binds} says which, and {@code efficiency} = bound ÷ wall time.
     */
    public record Report(String title, String output, double wall, double criticalPath, double efficiency, double narrationBusy,
                         double lastClip, double merge, double cpuSeconds, int cores, double nvencSeconds, int sessions, double bound,
                         String binds, String summary, List<Span> spans, Map<String, String> failures) {}

    /** The work a run did, for the bound: CPU seconds on how many cores, NVENC seconds on how many sessions. */
    record Effort(double cpuSeconds, int cores, double nvencSeconds, int sessions) {}

    public record Result(Story story, Report report, Map<String, ShortsmithException> failures, MediaReport media) {
        /** 0 with the Short made; else the failures' own code when they share one (a damaged file: 5), else 1: without every scene there is no Short. */
        public int exitCode() { return StageResult.exitCode(failures, true); }
    }

    public static Result run(StoryInput input, Settings settings, Options options, Progress progress) throws InterruptedException {
        var machine = Machine.of(settings);
        machine.expectNarrations(0, input.story().scenes().size());
        return run(input, settings, options, progress, machine, 0);
    }

    /**
     * One story of a batch: its work goes into {@code machine}'s shared lanes at its place
     * {@code order} (0 first); the caller has counted its narrations into the machine.
     */
    public static Result run(StoryInput input, Settings settings, Options options, Progress progress, Machine machine, int order)
            throws InterruptedException {
        WorkDir work = input.workDir(settings);
        try (var lock = work.lock("short", progress::note)) {
            return runLocked(input, settings, options, progress, work, machine, order);
        } finally {
            // Whatever happened, narrations this story did not get to no longer hold cores from the others' clips.
            machine.settle(order);
        }
    }

    private static Result runLocked(StoryInput input, Settings settings, Options options, Progress progress, WorkDir work, Machine machine,
                                    int order) throws InterruptedException {
        long t0 = System.nanoTime();
        double cpu0 = CpuTime.now();
        Story start = input.story().withWorkDir(work.root().toString());
        if (!input.sceneIds().isEmpty()) throw ShortsmithException.usage("short makes the whole story: give no scene ids");
        Path output = options.output().toAbsolutePath();
        Merge.checkWritable(output);
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        if (options.music() != null) Merge.checkMusic(ffmpeg, options.music());
        shortsmith.video.Captions.checkHook(start, settings);

        var images = new ImageStage(work, settings, machine.imageProvider, machine.imageRate, options.force(), progress.part("image")).forStory(input.manifest());
        var speech = new SpeechStage(work, settings, machine.speechProvider, start.language(), options.force(), progress.part("narration")).timingWordsLater()
                .forStory(input.manifest());
        if (options.resendUnanswered()) {
            images.resendingUnanswered();
            speech.resendingUnanswered();
        }
        var clipProgress = progress.part("clip");

        EncoderProfile profile = machine.profile;
        int clipsAtOnce = machine.clipsAtOnce;
        var encoder = new ClipEncoder(ffmpeg, settings, EncodeStage.threadsFor(profile, clipsAtOnce));

        List<Span> spans = Collections.synchronizedList(new ArrayList<>());
        Map<String, ShortsmithException> failures = new ConcurrentHashMap<>();
        Map<String, Path> imageOf = new ConcurrentHashMap<>(), audioOf = new ConcurrentHashMap<>();
        Map<String, ClipEncoder.Clip> clipOf = new ConcurrentHashMap<>();
        List<Story.Scene> scenes = start.scenes();

        try {
            Map<String, CompletableFuture<Path>> imageDone = new LinkedHashMap<>(), audioDone = new LinkedHashMap<>();
            for (Story.Scene s : scenes) {
                imageDone.put(s.id(), new CompletableFuture<>());
                audioDone.put(s.id(), new CompletableFuture<>());
            }
            // Pictures and narration go into the machine's lanes in story order, then scene order, so
            // scene 1's clip can start first and an earlier story is finished first.
            machine.awaitEarlierStories(order);
            for (int i = 0; i < scenes.size(); i++) {
                Story.Scene s = scenes.get(i);
                machine.images.submit(Machine.priority(order, i),
                        () -> timed(t0, spans, failures, s.id(), "image", () -> images.ready(s), () -> images.imageFor(s), imageDone.get(s.id()), imageOf));
                machine.narration.submit(Machine.priority(order, i), () -> {
                    try {
                        return timed(t0, spans, failures, s.id(), "narration", () -> speech.ready(s), () -> speech.narrationFor(s),
                                audioDone.get(s.id()), audioOf);
                    } finally {
                        machine.narrationDone(order);
                    }
                });
            }
            machine.queuedWork(order);
            // Clips: as soon as a scene has both.
            List<CompletableFuture<?>> clips = new ArrayList<>();
            for (int i = 0; i < scenes.size(); i++) {
                Story.Scene s = scenes.get(i);
                long priority = Machine.priority(order, i);
                var both = CompletableFuture.allOf(imageDone.get(s.id()), audioDone.get(s.id()));
                var clip = new CompletableFuture<Path>();
                clips.add(clip);
                both.whenComplete((ok, error) -> {
                    if (error != null) {
                        clipProgress.failed(s.id(), "not made: its " + (imageOf.containsKey(s.id()) ? "narration" : "image") + " failed");
                        clip.complete(null);
                        return;
                    }
                    machine.clips.submit(priority, () -> {
                        try (var session = machine.nvencSessions == null ? null : machine.nvencSessions.acquire(clipProgress::note)) {
                            return timed(t0, spans, failures, s.id(), "clip", () -> false,
                                    () -> {
                                        // Word times in the clip lane: the narration lane goes straight on to the next narration.
                                        // A manifest's words belong to its own audio; a narration made here is timed as tts times it.
                                        Path audio = audioOf.get(s.id());
                                        if (s.words() == null || !audio.toString().equals(s.audio())) speech.timeWords(s, audio);
                                        return encodeClip(s, start, work, imageOf, audioOf, encoder, options.force(), clipProgress, clipOf);
                                    },
                                    clip, new ConcurrentHashMap<>());
                        } catch (RuntimeException e) {
                            clip.completeExceptionally(e);
                            failures.putIfAbsent(s.id(), StageResult.sceneFailure(s.id(), e));
                            return null;
                        }
                    });
                });
            }
            // The soundtrack as soon as every narration exists: it depends on nothing else (each clip
            // lasts its narration plus the tail), so it is ready before the last clip is.
            var soundtrack = new CompletableFuture<Path>();
            clips.add(soundtrack);
            CompletableFuture.allOf(audioDone.values().toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
                if (error != null) {
                    soundtrack.complete(null);
                    return;
                }
                machine.start(order, "soundtrack", () -> timed(t0, spans, failures, "*", "soundtrack", () -> false, () -> {
                    return Merge.soundtrackAhead(ffmpeg, settings, work, encoder, scenes, s -> audioOf.get(s.id()), options.music())
                            .map(Merge.Prepared::file).orElse(null);
                }, soundtrack, new ConcurrentHashMap<>()));
            });
            CompletableFuture.allOf(clips.toArray(CompletableFuture[]::new)).handle((a, b) -> null).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }

        Story story = start;
        for (Story.Scene s : scenes) {
            Story.Scene scene = story.scene(s.id());
            if (imageOf.containsKey(s.id())) scene = scene.withImage(imageOf.get(s.id()).toString());
            if (audioOf.containsKey(s.id())) story = SpeechStage.withNarration(story.with(scene), s.id(), audioOf.get(s.id()));
            else story = story.with(scene);
            var c = clipOf.get(s.id());
            if (c != null) story = story.with(story.scene(s.id()).withVideo(c.file().toString(), c.duration()));
        }

        // NVENC may fail at run time (sessions, memory): encode's own retry and whole-story fallback.
        boolean nvencFailed = failures.values().stream().anyMatch(e -> e instanceof ClipEncoder.EncodeFailure f && f.nvencReason() != null);
        if (nvencFailed) {
            double s0 = seconds(t0);
            var retried = EncodeStage.run(new StoryInput(story, input.manifest(), List.of()), settings, null, false, clipProgress);
            story = retried.story();
            failures.keySet().removeIf(id -> retried.story().scene(id).video() != null && !retried.failures().containsKey(id));
            spans.add(new Span("*", "clip-retry", s0, seconds(t0), false, !retried.failures().isEmpty()));
        }

        MediaReport media = null;
        if (failures.isEmpty()) {
            double m0 = seconds(t0);
            var merged = Merge.run(new StoryInput(story, input.manifest(), List.of()), settings, new Merge.Options(output, options.music()),
                    progress::note);
            spans.add(new Span("*", "merge", m0, seconds(t0), false, false));
            story = merged.story();
            media = merged.report();
        }
        double nvenc = profile instanceof EncoderProfile.Nvenc
                ? spans.stream().filter(s -> s.stage().equals("clip") && !s.cached()).mapToDouble(Span::seconds).sum() : 0;
        var effort = new Effort(CpuTime.now() - cpu0, Runtime.getRuntime().availableProcessors(), nvenc, clipsAtOnce);
        Report report = report(story.title(), failures.isEmpty() ? output.toString() : null, seconds(t0), spans, failures, effort);
        return new Result(story, report, new java.util.TreeMap<>(failures), media);
    }

    private static Path encodeClip(Story.Scene s, Story story, WorkDir work, Map<String, Path> imageOf, Map<String, Path> audioOf,
                                   ClipEncoder encoder, boolean force, Progress progress, Map<String, ClipEncoder.Clip> clipOf)
            throws InterruptedException {
        try {
            // The scene as the finished manifest will say it (SpeechStage.withNarration): the merge checks the clip against that.
            var scene = SpeechStage.withNarration(story.with(s.withImage(imageOf.get(s.id()).toString())), s.id(), audioOf.get(s.id())).scene(s.id());
            var in = EncodeStage.inputsFor(story, scene, work, encoder.ffmpeg());
            progress.update(s.id(), "clip", 0);
            var made = encoder.encode(in, work.clip(s.id()), force, f -> progress.update(s.id(), "clip", f));
            made.warnings().forEach(w -> progress.note("warning: " + w));
            clipOf.put(s.id(), made);
            progress.done(s.id(), String.format("clip %.2f s%s", made.duration(), made.cached() ? " (unchanged)" : ""));
            return made.file();
        } catch (ShortsmithException e) {
            progress.failed(s.id(), e.getMessage().replaceFirst("^scene \\S+: ", ""));
            throw e;
        }
    }

    @FunctionalInterface
    private interface Work {
        Path run() throws Exception;
    }

    /**
     * Runs one piece of work, records its span, and completes {@code done} whatever happens: a
     * failure anywhere in it (even in asking whether it is cached) completes it exceptionally, so
     * nothing waits for it forever.
     */
    private static Void timed(long t0, List<Span> spans, Map<String, ShortsmithException> failures, String scene, String stage,
                              java.util.concurrent.Callable<Boolean> cached, Work work, CompletableFuture<Path> done, Map<String, Path> results) {
        double s = seconds(t0);
        try {
            boolean wasCached = cached.call();
            Path p = work.run();
            results.put(scene, p);
            spans.add(new Span(scene, stage, s, seconds(t0), wasCached, false));
            done.complete(p);
        } catch (Throwable e) {
            spans.add(new Span(scene, stage, s, seconds(t0), false, true));
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            Exception failure = e instanceof Exception ex ? ex : new IllegalStateException(e);
            failures.putIfAbsent(scene, StageResult.sceneFailure(scene, failure));
            done.completeExceptionally(e);
            if (e instanceof Error err) throw err;
        }
        return null;
    }

    private static double seconds(long t0) { return Math.round((System.nanoTime() - t0) / 1e6) / 1e3; }

    static Report report(String title, String output, double wall, List<Span> spans, Map<String, ShortsmithException> failures, Effort work) {
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(java.util.Comparator.comparingDouble(Span::start).thenComparing(Span::scene));
        double narration = busy(sorted.stream().filter(s -> s.stage().equals("narration")).toList());
        var lastClip = sorted.stream().filter(s -> s.stage().equals("clip")).max(java.util.Comparator.comparingDouble(Span::end));
        double clip = lastClip.map(Span::seconds).orElse(0.0);
        double merge = sorted.stream().filter(s -> s.stage().equals("merge")).mapToDouble(Span::seconds).sum();
        double critical = narration + clip + merge;
        double cpuBound = work.cpuSeconds() / Math.max(1, work.cores()), nvencBound = work.nvencSeconds() / Math.max(1, work.sessions());
        double bound = Math.max(critical, Math.max(cpuBound, nvencBound));
        String binds = bound == cpuBound ? "cpu" : bound == nvencBound ? "nvenc" : "chain";
        String summary = switch (binds) {
            case "cpu" -> String.format(java.util.Locale.ROOT, "CPU-bound: %d cores busy %.0f %% of the run", work.cores(),
                    wall > 0 ? 100 * cpuBound / wall : 0);
            case "nvenc" -> String.format(java.util.Locale.ROOT, "NVENC-bound: %d session(s) busy %.0f %% of the run", work.sessions(),
                    wall > 0 ? 100 * nvencBound / wall : 0);
            default -> String.format(java.util.Locale.ROOT, "bound by the chain: narration %.1f s, then the last clip %.1f s, then the merge %.1f s",
                    narration, clip, merge);
        };
        Map<String, String> why = new java.util.TreeMap<>();
        failures.forEach((id, e) -> why.put(id, e.getMessage()));
        return new Report(title, output, wall, round(critical), wall > 0 ? round(bound / wall) : 0, round(narration), round(clip), round(merge),
                round(work.cpuSeconds()), work.cores(), round(work.nvencSeconds()), work.sessions(), round(bound), binds, summary, List.copyOf(sorted), why);
    }

    /** Time during which at least one of the spans runs (their union). */
    static double busy(List<Span> spans) {
        var sorted = spans.stream().sorted(java.util.Comparator.comparingDouble(Span::start)).toList();
        double total = 0, end = Double.NEGATIVE_INFINITY, begin = 0;
        for (Span s : sorted) {
            if (s.start() > end) {
                if (end > Double.NEGATIVE_INFINITY) total += end - begin;
                begin = s.start();
                end = s.end();
            } else {
                end = Math.max(end, s.end());
            }
        }
        if (end > Double.NEGATIVE_INFINITY) total += end - begin;
        return total;
    }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }
}
