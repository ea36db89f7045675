package shortsmith.providers;

import shortsmith.core.Json;

import shortsmith.core.CrashPoint;

import shortsmith.media.Wav;

import shortsmith.concurrency.Parallel;
import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.Ticker;
import shortsmith.core.ExitCode;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.KeptWords;
import shortsmith.media.Narration;
import shortsmith.media.WordAligner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tts: a narration for every selected scene that has none of its own. One at a time by default
 * (MAX_PARALLEL_TTS=1: a local model takes gigabytes and runs slower in parallel). A narration
 * already made for the same text, provider, model, voice and speed is reused without calling
 * anyone; a new one must decode and must not be silent before it counts.
 */
public final class SpeechStage {
    private final WorkDir work;
    private final Ffmpeg ffmpeg;
    private final SpeechProvider provider;
    private Jobs jobs;
    /** The manifest as the user gave it, for the command a possibly billed failure names (null: piped in). */
    private Path manifest;
    private final boolean force;
    private final Progress progress;
    private final String language;
    private final String voice;
    private final double speed;
    private WordAligner aligner;
    private final Settings settings;
    private boolean timeWordsInline = true;
    private final RateLimiter unlimited = new RateLimiter(Integer.MAX_VALUE, java.time.Duration.ofMinutes(1), Ticker.system());

    public SpeechStage(WorkDir work, Settings settings, SpeechProvider provider, String language, boolean force, Progress progress) {
        this.work = work;
        this.ffmpeg = Ffmpeg.locate(settings);
        this.provider = provider;
        this.jobs = Jobs.in(work);
        this.force = force;
        this.progress = progress;
        this.language = language;
        var speech = settings.providers().speech();
        this.voice = speech.voice().isBlank() ? provider.defaultVoice(language) : speech.voice();
        this.speed = speech.speed();
        this.settings = settings;
        this.aligner = Aligners.from(settings, jobs, why -> progress.note("warning: " + why));
    }

    /** Requests on record as sent and never answered (they may have been billed) are sent once more, as the user asks. */
    public SpeechStage resendingUnanswered() {
        jobs = jobs.resendingUnanswered();
        aligner = Aligners.from(settings, jobs, why -> progress.note("warning: " + why));
        return this;
    }

    /** The manifest the scenes come from, as the user gave it: a possibly billed failure names the command with it. */
    public SpeechStage forStory(Path manifest) {
        this.manifest = manifest;
        return this;
    }

    public SpeechProvider provider() { return provider; }

    public static StageResult run(StoryInput input, Settings settings, boolean force, Progress progress) throws InterruptedException {
        return run(input, settings, SpeechProvider.from(settings), force, progress);
    }

    /** With {@code resendUnanswered}: every request on record as sent and never answered is sent once more (--resend-unanswered). */
    public static StageResult run(StoryInput input, Settings settings, boolean force, boolean resendUnanswered, Progress progress)
            throws InterruptedException {
        return run(input, settings, SpeechProvider.from(settings), force, resendUnanswered, progress);
    }

    public static StageResult run(StoryInput input, Settings settings, SpeechProvider provider, boolean force, Progress progress)
            throws InterruptedException {
        return run(input, settings, provider, force, false, progress);
    }

    private static StageResult run(StoryInput input, Settings settings, SpeechProvider provider, boolean force, boolean resendUnanswered,
                                   Progress progress) throws InterruptedException {
        var stage = new SpeechStage(input.workDir(settings), settings, provider, input.story().language(), force, progress).forStory(input.manifest());
        if (resendUnanswered) stage.resendingUnanswered();
        try (var lock = stage.work.lock("tts", progress::note)) {
            return stage.run(input, settings);
        }
    }

    private StageResult run(StoryInput input, Settings settings) throws InterruptedException {
        var stage = this;
        Story story = input.story().withWorkDir(stage.work.root().toString());
        Map<String, ShortsmithException> failures = StageResult.unknownIds(input, story);
        var outcomes = Parallel.each(input.selected(), settings.parallelism().maxParallelTts(), stage::narrationFor);
        boolean anyDone = false;
        for (var o : outcomes) {
            switch (o) {
                case Parallel.Outcome.Success<Story.Scene, Path> ok -> {
                    story = withNarration(story, o.item().id(), ok.value());
                    anyDone = true;
                }
                case Parallel.Outcome.Failure<Story.Scene, Path> bad -> failures.put(o.item().id(), StageResult.sceneFailure(o.item().id(), bad.error()));
            }
        }
        return new StageResult(story, failures, anyDone);
    }

    /**
     * The story with a scene's narration set, and its word times: the manifest's own for the same
     * audio, else those kept beside the narration for this audio and text (timings made for other
     * audio or text are dropped).
     */
    public static Story withNarration(Story story, String id, Path audio) {
        var scene = story.scene(id);
        if (audio.toString().equals(scene.audio()) && scene.words() != null) {
            return story.with(scene.withAudio(audio.toString(), scene.words(), scene.timing()));
        }
        var kept = story.workDir() == null ? java.util.Optional.<KeptWords>empty()
                : KeptWords.read(KeptWords.fileOf(new WorkDir(Path.of(story.workDir())), id), audio, scene.text());
        return story.with(scene.withAudio(audio.toString(), kept.map(KeptWords::words).orElse(null), kept.map(KeptWords::timing).orElse(null)));
    }

    /**
     * Word times are found by the caller ({@link #timeWords}) once the narration exists, not in the
     * narration lane: short aligns in the clip lane so the narration engine never waits for it.
     */
    public SpeechStage timingWordsLater() {
        timeWordsInline = false;
        return this;
    }

    /** Keeps word times for a narration that has none yet for its text: aligned, or estimated with a warning saying why. */
    public void timeWords(Story.Scene scene, Path audio) throws InterruptedException {
        Path file = KeptWords.fileOf(work, scene.id());
        if (KeptWords.read(file, audio, scene.text()).isPresent()) return;
        progress.update(scene.id(), "word times: " + aligner.name(), -1);
        var kept = KeptWords.time(file, audio, Narration.load(ffmpeg, audio), scene.text(), language, aligner);
        if (kept.note() != null) progress.note("warning: " + scene.id() + ": " + kept.note());
    }

    private boolean ownAudio(Story.Scene scene) {
        return scene.audio() != null && !Path.of(scene.audio()).startsWith(work.audio());
    }

    private SpeechProvider.Request request(Story.Scene scene) {
        return new SpeechProvider.Request(scene.id(), scene.text(), language, voice, speed);
    }

    /** Whether the scene needs no synthesis: its own narration, or one cached for the same request. */
    public boolean ready(Story.Scene scene) {
        return ownAudio(scene) || (!force && Asset.find(work.audio(), scene.id(), provider.key(request(scene))).isPresent());
    }

    /** The scene's narration: its own, a cached one, or a new one from the provider. */
    public Path narrationFor(Story.Scene scene) throws InterruptedException {
        String id = scene.id();
        if (ownAudio(scene)) {
            if (scene.words() == null && timeWordsInline) timeWords(scene, Path.of(scene.audio()));
            progress.done(id, "own narration " + Path.of(scene.audio()).getFileName());
            return Path.of(scene.audio());
        }
        var request = request(scene);
        String key = provider.key(request);
        var pieces = TextPieces.pieces(scene.text(), provider.maxInputChars());
        List<String> jobNames = pieces.size() == 1 ? List.of(id) : java.util.stream.IntStream.rangeClosed(1, pieces.size())
                .mapToObj(n -> id + ".part" + n).toList();
        if (!force) {
            var cached = Asset.find(work.audio(), id, key);
            if (cached.isPresent()) {
                jobNames.forEach(n -> jobs.remove("speech-" + n));   // records a kill left after the narration was kept
                if (timeWordsInline) timeWords(scene, cached.get().file());
                progress.done(id, "narration " + work.root().relativize(cached.get().file()) + " (unchanged)");
                return cached.get().file();
            }
        } else {
            jobNames.forEach(n -> jobs.remove("speech-" + n));       // --force: the user asks for these to be sent again
        }
        try {
            progress.update(id, "narration: " + provider.name(), -1);
            if (jobs.resendUnanswered() && jobNames.stream().anyMatch(n -> jobs.state("speech-" + n).filter("sending"::equals).isPresent())) {
                progress.update(id, "narration: sending again the request whose answer never came (--resend-unanswered)", -1);
            }
            List<byte[]> parts = new ArrayList<>();
            List<Story.Word> engineWords = null;
            for (int i = 0; i < pieces.size(); i++) {
                String part = pieces.size() == 1 ? "" : " (part " + (i + 1) + " of " + pieces.size() + ")";
                var context = new ImageProvider.Context(jobs, unlimited, Ticker.system(), s -> progress.update(id, "narration: " + s + part, -1));
                var spoken = provider.speak(new SpeechProvider.Request(jobNames.get(i), pieces.get(i), language, voice, speed), context);
                parts.add(spoken.audio());
                engineWords = pieces.size() == 1 ? spoken.words() : null;
            }
            byte[] bytes = Wav.join(ffmpeg, parts);
            double seconds;
            try {
                seconds = checkAudio(ffmpeg, provider.name(), bytes);
            } catch (Http.ProviderException bad) {
                // Paid for (a request is on record) but unusable: not ordered again without --force.
                throw jobNames.stream().anyMatch(n -> jobs.has("speech-" + n)) ? new Http.MaybeBilled(bad.getMessage(), 200) : bad;
            }
            var asset = Asset.save(work.audio(), id, bytes, key, provider.name(), provider.model());
            // The word times live beside the narration they belong to: the engine's own at once, else aligned below.
            if (engineWords != null) KeptWords.of(Story.Timing.ENGINE, asset.file(), scene.text(), engineWords).write(KeptWords.fileOf(work, id));
            CrashPoint.reach("asset-saved");
            jobNames.forEach(n -> jobs.remove("speech-" + n));
            if (engineWords == null && timeWordsInline) timeWords(scene, asset.file());
            progress.done(id, String.format("narration %s %.2f s (%s%s)", work.root().relativize(asset.file()), seconds, provider.name(),
                    pieces.size() == 1 ? "" : ", " + pieces.size() + " pieces joined"));
            return asset.file();
        } catch (ShortsmithException e) {
            var failure = PaidRequests.withResendCommand(e, "tts", manifest, id);
            progress.failed(id, failure.getMessage());
            throw failure;
        }
    }

    /** The audio's length; it must decode and must not be silent. */
    static double checkAudio(Ffmpeg ffmpeg, String provider, byte[] bytes) {
        Path dir = null;
        try {
            dir = WorkDir.temporary("narration");
            Path tmp = dir.resolve("narration." + Asset.extension(bytes));
            Files.write(tmp, bytes);
            Narration n;
            try {
                n = Narration.load(ffmpeg, tmp);
            } catch (ShortsmithException e) {
                throw new Http.ProviderException(provider + " returned audio that does not decode (" + bytes.length + " bytes)", 200, false, null);
            }
            if (n.duration() < 0.1 || n.rmsDb() < -60) {
                throw new Http.ProviderException(String.format(java.util.Locale.ROOT,
                        "%s returned silent audio (%.2f s at %.0f dBFS); check TTS_VOICE and TTS_MODEL", provider, n.duration(), n.rmsDb()), 200, false, null);
            }
            return n.duration();
        } catch (IOException e) {
            throw ShortsmithException.output("cannot check the narration: " + e.getMessage(), e);
        } finally {
            if (dir != null) WorkDir.deleteTree(dir);
        }
    }
}
