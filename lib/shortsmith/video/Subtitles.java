package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Short's captions as subtitle files YouTube accepts as a caption track, SRT and WebVTT: cues of
 * a few words on the Short's own timeline (each scene's words shifted by where its clip starts),
 * with the same chunks and line breaks as the burned-in captions, in UTF-8.
 *
 * <pre>jshell> Subtitles.srt(Subtitles.cues(scenes, Settings.defaults().video().size(), Captions.font("")))</pre>
 */
public final class Subtitles {
    private Subtitles() {}

    /** One cue: from {@code start} to {@code end} seconds, its lines of text. */
    public record Cue(double start, double end, List<String> lines) {}

    /** One scene of the Short: where its clip starts, how long it lasts, and its words (seconds into its narration). */
    public record Scene(double offset, double duration, List<Story.Word> words) {}

    public static List<Cue> cues(List<Scene> scenes, Settings.Size size, Captions.CaptionFont font) {
        var awt = Captions.awtFont(font);
        var layout = Captions.Layout.of(size);
        List<Cue> cues = new ArrayList<>();
        for (Scene scene : scenes) {
            if (scene.words() == null || scene.words().isEmpty()) continue;
            for (var timed : Captions.timedChunks(scene.words(), scene.duration())) {
                var fit = Captions.fit(timed.words().stream().map(Story.Word::word).toList(), layout, size, awt);
                List<String> lines = new ArrayList<>();
                for (var line : fit.lines()) {
                    var text = new StringBuilder();
                    for (int k = 0; k < line.size(); k++) {
                        boolean joined = k > 0 && line.get(k - 1).getKey().equals(line.get(k).getKey());
                        if (k > 0 && !joined) text.append(' ');
                        text.append(line.get(k).getValue());
                    }
                    lines.add(text.toString());
                }
                cues.add(new Cue(scene.offset() + timed.start(), scene.offset() + timed.end(), lines));
            }
        }
        return cues;
    }

    public static String srt(List<Cue> cues) {
        var out = new StringBuilder();
        for (int i = 0; i < cues.size(); i++) {
            var c = cues.get(i);
            out.append(i + 1).append('\n').append(time(c.start(), ',')).append(" --> ").append(time(c.end(), ',')).append('\n');
            c.lines().forEach(l -> out.append(l.replaceAll("\\s*\\R\\s*", " ")).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    public static String vtt(List<Cue> cues) {
        var out = new StringBuilder("WEBVTT\n\n");
        for (var c : cues) {
            out.append(time(c.start(), '.')).append(" --> ").append(time(c.end(), '.')).append('\n');
            c.lines().forEach(l -> out.append(l.replaceAll("\\s*\\R\\s*", " ").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                    .append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    static String time(double seconds, char decimal) {
        long ms = Math.max(0, Math.round(seconds * 1000));
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, decimal, ms % 1000);
    }

    /** Writes NAME.srt and NAME.vtt beside {@code video}; the two files written. */
    public static List<Path> writeBeside(Path video, List<Cue> cues) {
        String stem = video.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        Path srt = video.resolveSibling(stem + ".srt"), vtt = video.resolveSibling(stem + ".vtt");
        WorkDir.writeAtomically(srt, srt(cues));
        WorkDir.writeAtomically(vtt, vtt(cues));
        return List.of(srt, vtt);
    }
}
