package shortsmith.video;

import shortsmith.concurrency.LimitUnavailable;
import shortsmith.concurrency.Parallel;
import shortsmith.concurrency.SlotLeases;
import shortsmith.core.Home;
import shortsmith.media.KeptWords;
import shortsmith.media.Narration;
import shortsmith.media.WordAligner;
import shortsmith.core.ExitCode;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;


import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The encode stage: every selected scene of a story to a clip, with one profile for the whole
 * story. NVENC failing at run time (sessions or memory exhausted) is retried once the other clips
 * are done; if it still fails the whole story is encoded with x264 instead, never a mix.
 */
public final class EncodeStage {
    private EncodeStage() {}

    /** How long a clip may wait for an NVENC session another run holds. */
    public static final Duration SESSION_WAIT = Duration.ofHours(2);

    /**
     * The machine's NVENC sessions as slots shared by every process of this user ({@code short},
     * {@code encode}, a batch: one lock file each in {@link Home#limits()}, freed by the operating
     * system when a run dies), {@link #clipsAtOnce} of them; null for a CPU profile.
     */
    public static SlotLeases nvencSessions(EncoderProfile profile, Settings settings) {
        return profile instanceof EncoderProfile.Nvenc ? new SlotLeases(Home.limits(), "nvenc-session", clipsAtOnce(profile, settings), SESSION_WAIT) : null;
    }

    /** The profile {@code choice} (auto, nvenc, x264, lossless; null = FFMPEG_ENCODER) leads to. */
    public static EncoderProfile profileFor(String choice, Settings settings) {
        String c = choice == null ? settings.encoding().encoder().toString() : choice.toLowerCase();
        return switch (c) {
            case "x264" -> EncoderProfile.x264(settings);
            case "nvenc" -> EncoderProfile.nvenc(settings);
            case "lossless" -> EncoderProfile.lossless();
            case "auto" -> NvencProbe.detect(settings, false).decision().encoder().equals("nvenc")
                    ? EncoderProfile.nvenc(settings) : EncoderProfile.x264(settings);
            default -> throw ShortsmithException.usage("--profile " + choice + ": allowed auto, nvenc, x264, lossless");
        };
    }

    /**
     * Clips encoded at once. NVENC: up to MAX_PARALLEL_VIDEOS when PARALLEL_VIDEO_ENCODING is on,
     * never above the session cap {@code detect-nvenc --sessions N} found.
     * CPU: one more clip than there are cores, each x264 with cores ÷ clips threads (at least 1).
     * Measured on 2 cores (docs/encode.md): one clip with x264's own threading spends half its CPU on
     * frame-thread synchronisation and leaves cores idle while a clip probes, decodes and verifies;
     * 2 clips × 1 thread took half the wall time, 3 × 1 a little less again.
     */
    public static int clipsAtOnce(EncoderProfile profile, Settings settings) {
        return switch (profile) {
            case EncoderProfile.Nvenc n -> settings.parallelism().parallelVideos()
                    ? Math.min(settings.parallelism().maxParallelVideos(), NvencProbe.sessionCap(settings).orElse(Integer.MAX_VALUE)) : 1;
            case EncoderProfile.X264 x -> Runtime.getRuntime().availableProcessors() + 1;
            case EncoderProfile.Lossless l -> Runtime.getRuntime().availableProcessors() + 1;
        };
    }

    /** The x264 profile with its threads set for {@code clips} at once, unless X264_THREADS says otherwise. */
    public static EncoderProfile threadsFor(EncoderProfile profile, int clips) {
        if (profile instanceof EncoderProfile.X264 x && x.threads() == 0 && clips > 1) {
            return x.withThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / clips));
        }
        return profile;
    }

    public static StageResult run(StoryInput input, Settings settings, String profileChoice, boolean force, Progress progress)
            throws InterruptedException {
        return run(input, settings, profileChoice, force, false, progress, null);
    }

    /**
     * Work that needs only what encode has filled in, run under the clips of a whole story (the
     * merge's soundtrack): it is given the story and an encoder that knows each clip's length.
     */
    public interface Alongside {
        void run(Story story, WorkDir work, ClipEncoder encoder);
    }

    /**
     * With {@code explain}: each scene's planned move and where its subject was found, as a line on
     * stderr. {@code alongside} (may be null) runs on its own thread while a whole story's clips
     * encode; its failure is a note, since the merge does the same work again.
     */
    public static StageResult run(StoryInput input, Settings settings, String profileChoice, boolean force, boolean explain, Progress progress,
                                  Alongside alongside) throws InterruptedException {
        WorkDir work = input.workDir(settings);
        try (var lock = work.lock("encode", progress::note)) {
            return runLocked(input, settings, profileChoice, force, explain, progress, work, alongside);
        }
    }

    private static StageResult runLocked(StoryInput input, Settings settings, String profileChoice, boolean force, boolean explain,
                                         Progress progress, WorkDir work, Alongside alongside) throws InterruptedException {
        Story story = input.story().withWorkDir(work.root().toString());
        Captions.checkHook(story, settings);
        Map<String, ShortsmithException> failures = StageResult.unknownIds(input, story);
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        EncoderProfile profile = profileFor(profileChoice, settings);
        List<Story.Scene> scenes = input.selected();

        // Fill in what earlier stages left in the work folder.
        List<ClipEncoder.Inputs> inputs = new ArrayList<>();
        for (Story.Scene s : scenes) {
            var words = wordsFor(story, s, work, ffmpeg);
            if (words.note() != null) progress.note("warning: " + s.id() + ": " + words.note());
            var in = inputsFor(story, s, work, words);
            inputs.add(in);
            story = story.with(s.withImage(in.image() == null ? null : in.image().toString())
                    .withAudio(in.audio() == null ? null : in.audio().toString(), words.words(), words.timing()));
        }

        Thread beside = null;
        if (alongside != null && input.sceneIds().isEmpty()) {
            Story filled = story;
            var encoder = new ClipEncoder(ffmpeg, settings, profile);
            beside = Thread.ofVirtual().name("encode-alongside").start(() -> {
                try {
                    alongside.run(filled, work, encoder);
                } catch (RuntimeException e) {
                    progress.note("encode: " + e.getMessage() + " (merge will try again)");
                }
            });
        }
        try {
            return encodeAndCollect(story, failures, ffmpeg, profile, settings, inputs, work, force, explain, progress);
        } finally {
            if (beside != null) beside.join();
        }
    }

    private static StageResult encodeAndCollect(Story story, Map<String, ShortsmithException> failures, Ffmpeg ffmpeg, EncoderProfile profile,
                                                Settings settings, List<ClipEncoder.Inputs> inputs, WorkDir work, boolean force, boolean explain,
                                                Progress progress) throws InterruptedException {
        var results = encodeAll(new ClipEncoder(ffmpeg, settings, profile), inputs, work, force, explain, progress, settings);
        if (profile instanceof EncoderProfile.Nvenc) {
            var nvencFailed = results.stream().filter(r -> r instanceof Parallel.Outcome.Failure<?, ?> f
                    && f.error() instanceof ClipEncoder.EncodeFailure ef && ef.nvencReason() != null).toList();
            if (!nvencFailed.isEmpty()) {
                // Sessions or memory may have been taken by our own parallel clips: retry alone first.
                var retry = new ArrayList<ClipEncoder.Inputs>();
                nvencFailed.forEach(r -> retry.add(r.item()));
                var again = encodeAll(new ClipEncoder(ffmpeg, settings, profile), retry, work, force, explain, progress, settings);
                var still = again.stream().filter(r -> r instanceof Parallel.Outcome.Failure<?, ?>).findFirst();
                if (still.isPresent()) {
                    var reason = ((Parallel.Outcome.Failure<?, ?>) still.get()).error();
                    progress.note("warning: NVENC failed at run time (" + reason.getMessage() + "); the whole story is encoded with x264 instead");
                    profile = EncoderProfile.x264(settings);
                    results = encodeAll(new ClipEncoder(ffmpeg, settings, profile), inputs, work, force, explain, progress, settings);
                } else {
                    var merged = new ArrayList<>(results);
                    merged.replaceAll(r -> again.stream().filter(a -> a.item().equals(r.item())).findFirst().orElse(r));
                    results = merged;
                }
            }
        }

        for (var outcome : results) {
            String id = outcome.item().sceneId();
            switch (outcome) {
                case Parallel.Outcome.Success<ClipEncoder.Inputs, ClipEncoder.Clip> ok ->
                        story = story.with(story.scene(id).withVideo(ok.value().file().toString(), ok.value().duration()));
                case Parallel.Outcome.Failure<ClipEncoder.Inputs, ClipEncoder.Clip> bad -> failures.put(id, StageResult.sceneFailure(id, bad.error()));
            }
        }
        return new StageResult(story, failures, story.scenes().stream().anyMatch(s -> s.video() != null));
    }

    /** What scene {@code s}'s clip is made from: the manifest's files, else what earlier stages left in the work folder. */
    public static ClipEncoder.Inputs inputsFor(Story story, Story.Scene s, WorkDir work, Ffmpeg ffmpeg) throws InterruptedException {
        return inputsFor(story, s, work, wordsFor(story, s, work, ffmpeg));
    }

    private static ClipEncoder.Inputs inputsFor(Story story, Story.Scene s, WorkDir work, SceneWords words) {
        Path image = s.image() != null ? Path.of(s.image()) : work.imageOf(s.id()).orElse(null);
        // The hook is drawn over the story's first scene only.
        String hook = story.scenes().getFirst().id().equals(s.id()) ? story.hook() : null;
        int turn = story.scenes().stream().map(Story.Scene::id).toList().indexOf(s.id());   // the scene's place: moves take turns
        return new ClipEncoder.Inputs(story.title(), s.id(), s.text(), s.motion(), image, audioOf(s, work), words.words(), s.focus(), Math.max(0, turn),
                story.language(), hook, story.captions());
    }

    private static Path audioOf(Story.Scene s, WorkDir work) {
        return s.audio() != null ? Path.of(s.audio()) : work.audioOf(s.id()).orElse(null);
    }

    /** A scene's word times and where they came from; {@code note} says why they were estimated. */
    public record SceneWords(List<Story.Word> words, Story.Timing timing, String note) {}

    /**
     * Scene {@code s}'s word times: the manifest's, else those kept for its narration (the engine's,
     * or aligned or estimated before), else aligned now by the offline aligner (encode calls no
     * network service), else estimated. None without a readable narration.
     */
    public static SceneWords wordsFor(Story story, Story.Scene s, WorkDir work, Ffmpeg ffmpeg) throws InterruptedException {
        if (s.words() != null) return new SceneWords(s.words(), s.timing() != null ? s.timing() : Story.Timing.MANIFEST, null);
        Path audio = audioOf(s, work);
        if (audio == null || !Files.isRegularFile(audio)) return new SceneWords(null, null, null);
        Path file = KeptWords.fileOf(work, s.id());
        var kept = KeptWords.read(file, audio, s.text());
        if (kept.isPresent()) return new SceneWords(kept.get().words(), kept.get().timing(), null);
        Narration narration;
        try {
            narration = Narration.load(ffmpeg, audio);
        } catch (ShortsmithException unreadable) {
            return new SceneWords(null, null, null);   // encode names the unreadable narration itself
        }
        var timed = KeptWords.time(file, audio, narration, s.text(), story.language(), WordAligner.LOCAL);
        return new SceneWords(timed.words(), timed.timing(), timed.note());
    }

    private static List<Parallel.Outcome<ClipEncoder.Inputs, ClipEncoder.Clip>> encodeAll(
            ClipEncoder encoder, List<ClipEncoder.Inputs> inputs, WorkDir work, boolean force, boolean explain, Progress progress, Settings settings)
            throws InterruptedException {
        int clips = Math.min(inputs.size(), clipsAtOnce(encoder.profile(), settings));
        var threaded = new ClipEncoder(encoder.ffmpeg(), settings, threadsFor(encoder.profile(), clips));
        // NVENC clips take the machine's sessions, shared with every other run (another encode, a short);
        // a clip that is already current needs none.
        var sessions = nvencSessions(encoder.profile(), settings);
        return Parallel.each(inputs, clips, in -> {
            boolean encodes = sessions != null && (force || !threaded.isCurrent(in, work.clip(in.sceneId())));
            try (var session = encodes ? sessions.acquire(why -> progress.update(in.sceneId(), "clip: " + why, -1)) : null) {
                progress.update(in.sceneId(), "clip", 0);
                var clip = threaded.encode(in, work.clip(in.sceneId()), force, f -> progress.update(in.sceneId(), "clip", f));
                clip.warnings().forEach(w -> progress.note("warning: " + w));
                if (explain) progress.note(in.sceneId() + ": " + clip.plan());
                progress.done(in.sceneId(), String.format("%s %.2f s (%s%s)", work.root().relativize(clip.file()), clip.duration(),
                        clip.profile(), clip.cached() ? ", unchanged" : ""));
                return clip;
            } catch (LimitUnavailable e) {
                progress.failed(in.sceneId(), "NVENC: " + e.getMessage());
                throw new ShortsmithException(ExitCode.FAILED, "NVENC: " + e.getMessage() + "; run again when the other runs are done");
            } catch (ShortsmithException e) {
                progress.failed(in.sceneId(), e.getMessage().replaceFirst("^scene \\S+: ", ""));
                throw e;
            }
        });
    }
}
