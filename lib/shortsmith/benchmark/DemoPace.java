package shortsmith.benchmark;

import shortsmith.audio.DeadAir;
import shortsmith.audio.Merge;
import shortsmith.core.Home;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;
import shortsmith.providers.SpeechStage;
import shortsmith.video.CaptionReport;
import shortsmith.video.ClipEncoder;
import shortsmith.video.EncodeStage;
import shortsmith.video.EncoderProfile;
import shortsmith.video.MotionMetrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The demos as a viewer meets them, as {@code short --demo} makes them: each demo narrated by
 * espeak-ng (the default engine, offline), its soundtrack built as the merge builds it (the clips'
 * lengths known from the narrations, at 1080×1920/30), then heard: the longest silence at a scene
 * join and the longest pause inside a scene ({@code silencedetect}, −40 dBFS, 50 ms), and how far
 * music rises in a join (a 55 Hz tone as the music, ducked as any music is). Then seen: its captions'
 * orphan lines and never-lit words ({@link CaptionReport}, at 1080×1920), and its frozen scenes
 * ({@link MotionMetrics#travel}: each clip encoded with the default x264 profile at 180×320, its first
 * and last frames compared above the captions; the plan is the one 1080×1920 gets, scaled).
 */
public final class DemoPace {
    private DemoPace() {}

    /** One demo: its joins, the longest silence at one and inside a scene, and the music's largest rise in a join. */
    public record Row(String demo, int joins, double longestJoin, double medianJoin, double longestPauseInside, double musicSwellDb,
                      double clipTail, int scenes, long frozenScenes, int orphanLines, int neverLitWords, int words) {}

    public static List<Row> measure(Settings base, Path dir, Consumer<String> note) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String language : List.of("en", "es")) {
            note.accept("dead air: demo-" + language + "…");
            Path work = dir.resolve("demo-" + language);
            var settings = Settings.loadWith(Map.of("VIDEO_SIZE", "1080x1920", "VIDEO_FPS", "30", "TTS_PROVIDER", "espeak",
                    "CLIP_TAIL", String.valueOf(base.clips().tail()), "WORK_DIR", work.toString()));
            var ffmpeg = Ffmpeg.locate(settings);
            Path manifest = Home.root().resolve("examples/demo-" + language + "/story.json");
            var input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
            var quiet = new Progress(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false, List.of());
            var voiced = SpeechStage.run(input, settings, false, quiet);
            if (!voiced.failures().isEmpty()) throw new IllegalStateException("narration failed in the benchmark: " + voiced.failures());
            Story story = voiced.story();
            WorkDir workDir = new StoryInput(story, manifest, List.of()).workDir(settings);
            var encoder = new ClipEncoder(ffmpeg, settings, EncoderProfile.x264(settings));
            List<Double> joins = new ArrayList<>();
            double t = 0;
            for (var s : story.scenes()) {
                t += encoder.clipSeconds(Path.of(s.audio()));
                joins.add(t);
            }
            joins.removeLast();
            var voice = Merge.soundtrackAhead(ffmpeg, settings, workDir, encoder, story, null)
                    .orElseThrow(() -> ShortsmithException.badInput("demo-" + language + ": a narration is missing"));
            var heard = DeadAir.measure(ffmpeg, voice.file(), joins);
            Path tone = dir.resolve("tone-55hz.wav");
            if (!Files.isRegularFile(tone)) {
                var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=f=55:sample_rate=48000:d=120",
                        "-af", "volume=0.5", "file:" + tone), Duration.ofMinutes(1));
                if (!r.ok()) throw new IllegalStateException(r.stderr());
            }
            var withMusic = Merge.soundtrackAhead(ffmpeg, settings, workDir, encoder, story, tone).orElseThrow();
            double swell = DeadAir.musicSwell(ffmpeg, withMusic.file(), joins, 55);
            var sorted = heard.each().stream().sorted().toList();
            var captions = CaptionReport.measure(story, settings);
            note.accept("frozen scenes: demo-" + language + "…");
            var small = Settings.loadWith(Map.of("VIDEO_SIZE", "180x320", "VIDEO_FPS", "30", "CLIP_TAIL", String.valueOf(base.clips().tail())));
            var smallEncoder = new ClipEncoder(ffmpeg, small, EncoderProfile.x264(small));
            List<Path> clips = new ArrayList<>();
            for (var s : story.scenes()) {
                Path clip = work.resolve("small").resolve(s.id() + ".mp4");
                smallEncoder.encode(EncodeStage.inputsFor(story, s, workDir, ffmpeg), clip, false, f -> {});
                clips.add(clip);
            }
            long frozen = MotionMetrics.frozen(MotionMetrics.travel(ffmpeg, clips));
            rows.add(new Row("demo-" + language, joins.size(), heard.longest(), sorted.get(sorted.size() / 2), heard.longestInside(), swell,
                    settings.clips().tail(), story.scenes().size(), frozen, captions.orphanLines(), captions.neverLit(), captions.words()));
        }
        return rows;
    }

    public static String markdown(List<Row> rows) {
        var md = new StringBuilder("\n| the demos as a viewer meets them (espeak-ng, CLIP_TAIL " + (rows.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f", rows.getFirst().clipTail()))
                + " s) | joins | longest join s | median join s | longest pause inside a scene s | music's rise in a join dB | frozen scenes | orphan lines "
                + "| never-lit words |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach(r -> md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.1f | %d of %d | %d | %d of %d |%n", r.demo(), r.joins(),
                r.longestJoin(), r.medianJoin(), r.longestPauseInside(), r.musicSwellDb(), r.frozenScenes(), r.scenes(), r.orphanLines(), r.neverLitWords(),
                r.words())));
        return md.toString();
    }
}
