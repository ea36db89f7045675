package shortsmith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * tts: a narration for every selected scene that has none of its own. One at a time by default
 * (MAX_PARALLEL_TTS=1: a local model takes gigabytes and runs slower in parallel). A narration
 * already made for the same text, provider, model, voice and speed is reused without calling
 * anyone; a new one must decode and must not be silent before it counts.
 */
public final class SpeechStage {
    private SpeechStage() {}

    public static StageResult run(StoryInput input, Settings settings, boolean force, Progress progress) throws InterruptedException {
        return run(input, settings, SpeechProvider.from(settings), force, progress);
    }

    public static StageResult run(StoryInput input, Settings settings, SpeechProvider provider, boolean force, Progress progress)
            throws InterruptedException {
        WorkDir work = input.workDir(settings);
        Story story = input.story().withWorkDir(work.root().toString());
        Map<String, ShortsmithException> failures = new LinkedHashMap<>();
        ImageStage.unknown(input, story, failures);
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        var jobs = Jobs.in(work);
        var unlimited = new RateLimiter(Integer.MAX_VALUE, java.time.Duration.ofMinutes(1), Ticker.system());
        var speech = settings.providers().speech();
        String language = story.language();
        String voice = speech.voice().isBlank() ? provider.defaultVoice(language) : speech.voice();
        var outcomes = Parallel.each(input.selected(), settings.parallelism().maxParallelTts(), scene -> {
            String id = scene.id();
            if (scene.audio() != null && !Path.of(scene.audio()).startsWith(work.audio())) {
                progress.done(id, "own narration " + Path.of(scene.audio()).getFileName());
                return Path.of(scene.audio());
            }
            var request = new SpeechProvider.Request(id, scene.text(), language, voice, speech.speed());
            String key = provider.key(request);
            if (!force) {
                var cached = Asset.find(work.audio(), id, key);
                if (cached.isPresent()) {
                    progress.done(id, "narration " + work.root().relativize(cached.get().file()) + " (unchanged)");
                    return cached.get().file();
                }
            }
            try {
                progress.update(id, "narration: " + provider.name(), -1);
                var context = new ImageProvider.Context(jobs, unlimited, Ticker.system(), s -> progress.update(id, "narration: " + s, -1));
                byte[] bytes = provider.synthesize(request, context);
                double seconds = checkAudio(ffmpeg, provider.name(), bytes);
                var asset = Asset.save(work.audio(), id, bytes, key, provider.name(), provider.model());
                jobs.remove("speech-" + id);
                progress.done(id, String.format("narration %s %.2f s (%s)", work.root().relativize(asset.file()), seconds, provider.name()));
                return asset.file();
            } catch (ShortsmithException e) {
                progress.failed(id, e.getMessage());
                throw e;
            }
        });
        boolean anyDone = false;
        for (var o : outcomes) {
            switch (o) {
                case Parallel.Outcome.Success<Story.Scene, Path> ok -> {
                    var scene = story.scene(o.item().id());
                    // Timings made for other audio would be wrong for this one.
                    boolean same = ok.value().toString().equals(scene.audio());
                    story = story.with(scene.withAudio(ok.value().toString(), same ? scene.words() : null));
                    anyDone = true;
                }
                case Parallel.Outcome.Failure<Story.Scene, Path> bad -> failures.put(o.item().id(), ImageStage.sceneFailure(o.item().id(), bad.error()));
            }
        }
        return new StageResult(story, failures, anyDone);
    }

    /** The audio's length; it must decode and must not be silent. */
    static double checkAudio(Ffmpeg ffmpeg, String provider, byte[] bytes) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("narration", "." + Asset.extension(bytes));
            Files.write(tmp, bytes);
            Narration n;
            try {
                n = Narration.load(ffmpeg, tmp);
            } catch (ShortsmithException e) {
                throw new ShortsmithException(ExitCode.PROVIDER, provider + " returned audio that does not decode (" + bytes.length
                        + " bytes); run again to retry");
            }
            if (n.duration() < 0.1 || n.rmsDb() < -60) {
                throw new ShortsmithException(ExitCode.PROVIDER, String.format(java.util.Locale.ROOT,
                        "%s returned silent audio (%.2f s at %.0f dBFS); check TTS_VOICE and TTS_MODEL", provider, n.duration(), n.rmsDb()));
            }
            return n.duration();
        } catch (IOException e) {
            throw ShortsmithException.output("cannot check the narration: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
