package shortsmith.audio;

import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Mp4Boxes;
import shortsmith.media.Proc;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a finished video is, as YouTube will see it: ffprobe's streams, ebur128's loudness and true
 * peak, and the MP4's own boxes ({@link Mp4Boxes}: box order, edit lists, where each stream
 * starts, the B-frames, keyframes and GOPs in the sample table, the declared audio bitrate),
 * checked against YouTube's published upload recommendations for a Short. Each {@link Check}
 * says what was asked and what the file does; {@code merge --check FILE} prints them for any file
 * and fails when one is off.
 *
 * <pre>jshell> MediaReport.of(ffmpeg, Path.of("short.mp4")).checks()</pre>
 */
public record MediaReport(Path file, double duration, long size, long bitRate, String video, String audio,
                          double loudness, double truePeak, double loudnessRange, boolean faststart,
                          double streamGap, List<Check> checks, List<String> warnings) {

    /** Shorts may last up to 3 minutes (since October 2024). */
    static final double MAX_SHORT_SECONDS = 180;
    /** YouTube plays at about −14 LUFS; a Short within this many LU of it is neither turned down much nor left quiet. */
    static final double LOUDNESS_TARGET = -14, LOUDNESS_TOLERANCE = 1;
    /** The AAC bitrates YouTube recommends for stereo (384 kb/s) and the least this check accepts. */
    static final long AUDIO_MIN_BITRATE = 256_000;

    /** One recommendation: what it asks, whether the file follows it, and what the file does. */
    public record Check(String asked, boolean ok, String found) {
        @Override
        public String toString() { return (ok ? "✓ " : "✗ ") + asked + ": " + found; }
    }

    /** Whether every check passed. */
    public boolean ready() { return checks.stream().allMatch(Check::ok); }

    public static MediaReport of(Ffmpeg ffmpeg, Path file) { return of(ffmpeg, file, null); }

    /** The loudness of a file's first audio stream (ebur128 with true peak). */
    public static Soundtrack.Loudness loudness(Ffmpeg ffmpeg, Path file) {
        var r = Proc.run(ffmpeg.command("-nostats", "-loglevel", "info", "-i", "file:" + file.toAbsolutePath(),
                "-filter_complex", "[0:a:0]" + Soundtrack.Loudness.filter("audio") + "[l]", "-map", "[l]", "-f", "null", "-"),
                Duration.ofMinutes(10));   // mapped explicitly: otherwise ffmpeg also decodes the video, 15× slower
        return r.ok() ? Soundtrack.Loudness.fromLog(r.stderr(), "audio") : null;
    }

    /**
     * The report of {@code file}; {@code known} is the loudness of its audio when it was copied
     * unchanged from a track already measured (then it is not measured again).
     */
    public static MediaReport of(Ffmpeg ffmpeg, Path file, Soundtrack.Loudness known) {
        Media media = Media.probe(ffmpeg, file);
        var v = media.video();
        var a = media.audio();
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("at most 3 minutes", media.duration() <= MAX_SHORT_SECONDS, seconds(media.duration())));

        Mp4Boxes.Movie movie = null;
        String notMp4 = null;
        try {
            movie = Mp4Boxes.read(file);
        } catch (IOException e) {
            notMp4 = e.getMessage();
        }
        boolean faststart = movie != null && movie.moovFirst();
        checks.add(new Check("MP4 with the moov box first (faststart)", faststart,
                movie == null ? "not an MP4 this check can read (" + notMp4 + ")" : faststart ? "moov first" : "moov after the media data"));

        if (v.isEmpty()) checks.add(new Check("a video stream", false, "none"));
        v.ifPresent(s -> {
            checks.add(new Check("9:16", (long) s.width() * 16 == (long) s.height() * 9, s.width() + "x" + s.height()));
            checks.add(new Check("H.264 High", s.codec().equals("h264") && s.profile().equals("High"), s.codec() + " " + s.profile()));
            checks.add(new Check("4:2:0 (yuv420p)", s.pixFmt().equals("yuv420p"), s.pixFmt()));
        });
        double loudness = Double.NaN, peak = Double.NaN, range = Double.NaN;
        if (a.isEmpty()) checks.add(new Check("an audio stream", false, "none"));
        a.ifPresent(s -> {
            checks.add(new Check("AAC-LC", s.codec().equals("aac") && s.profile().equals("LC"), s.codec() + " " + s.profile()));
            checks.add(new Check("48 kHz", s.sampleRate() == 48_000, s.sampleRate() + " Hz"));
            checks.add(new Check("stereo", s.channels() == 2, s.channels() + " channel(s)"));
        });
        if (movie != null) boxChecks(movie, checks);
        if (a.isPresent()) {
            var l = known != null ? known : loudness(ffmpeg, file);
            if (l != null) {
                loudness = l.integrated();
                range = l.range();
                peak = l.truePeak();
                checks.add(new Check(String.format(Locale.ROOT, "loudness %.0f ± %.0f LUFS", LOUDNESS_TARGET, LOUDNESS_TOLERANCE),
                        Math.abs(loudness - LOUDNESS_TARGET) <= LOUDNESS_TOLERANCE, String.format(Locale.ROOT, "%.1f LUFS", loudness)));
                checks.add(new Check("true peak at most −1 dBTP", peak <= -1.0, String.format(Locale.ROOT, "%.1f dBTP", peak)));
            } else {
                checks.add(new Check("loudness measurable", false, "ebur128 could not read the audio"));
            }
        }
        double gap = v.isPresent() && a.isPresent() ? Math.abs(v.get().duration() - a.get().duration()) : Double.NaN;
        if (!Double.isNaN(gap)) {
            // The audio can only end on a whole AAC frame (1024 samples), the video on a whole frame.
            double frame = Math.max(1 / Math.max(1, Merge.rate(v.get().frameRate().isEmpty() ? "30" : v.get().frameRate())), 1024.0 / 48_000);
            checks.add(new Check("audio and video equally long (within a frame)", gap <= frame + 1e-3,
                    String.format(Locale.ROOT, "they differ by %.3f s", gap)));
        }
        List<String> warnings = checks.stream().filter(c -> !c.ok()).map(c -> c.asked() + ": " + c.found()).toList();
        return new MediaReport(file, media.duration(), media.size(), media.bitRate(),
                v.map(s -> String.format(Locale.ROOT, "%s %s %dx%d %s %s fps", s.codec(), s.profile(), s.width(), s.height(), s.pixFmt(),
                        s.frameRate())).orElse("none"),
                a.map(s -> String.format(Locale.ROOT, "%s %s %d Hz %s", s.codec(), s.profile(), s.sampleRate(), s.channelLayout()))
                        .orElse("none"),
                loudness, peak, range, faststart, gap, List.copyOf(checks), warnings);
    }

    /** What the MP4's own boxes show: edit lists, start times, duration, B-frames, keyframes, GOPs, the audio's codec and bitrate. */
    static void boxChecks(Mp4Boxes.Movie movie, List<Check> checks) {
        var edited = movie.tracks().stream().filter(Mp4Boxes.Track::hasEditList).toList();
        checks.add(new Check("no edit lists", edited.isEmpty(), edited.isEmpty() ? "none"
                : edited.stream().map(t -> name(t) + " track: " + describe(t.edits(), t, movie.timescale())).collect(Collectors.joining("; "))
                        + " (remux with -use_editlist 0 -movflags +negative_cts_offsets)"));
        var late = movie.tracks().stream().filter(t -> Math.abs(t.start(movie.timescale())) > 0.0005).toList();
        checks.add(new Check("every stream starts at 0", late.isEmpty(), movie.tracks().stream()
                .map(t -> String.format(Locale.ROOT, "%s at %.3f s", name(t), t.start(movie.timescale()))).collect(Collectors.joining(", "))));
        double longest = movie.tracks().stream().mapToDouble(t -> presented(t, movie.timescale())).max().orElse(0);
        checks.add(new Check("the movie lasts as long as its streams", Math.abs(movie.seconds() - longest) <= 0.0015,
                String.format(Locale.ROOT, "the movie says %.3f s, its longest stream %.3f s", movie.seconds(), longest)));
        for (var t : movie.of("vide")) {
            int run = t.longestBRun();
            checks.add(new Check("at most 2 consecutive B-frames", run <= 2, run + (run == 1 ? " B-frame" : " B-frames") + " in a row at most"));
            double interval = t.longestKeyframeInterval();
            double frame = t.sampleRate() > 0 ? 1 / t.sampleRate() : 0;
            checks.add(new Check("a keyframe at least every second", interval <= 1 + frame / 2,
                    String.format(Locale.ROOT, "keyframes up to %.2f s apart", interval)));
            var open = t.openGops();
            checks.add(new Check("closed GOPs", open.isEmpty(), open.isEmpty() ? "every keyframe starts a closed GOP"
                    : open.size() + " keyframe(s) followed by frames shown before them (open GOP), the first at sample " + (open.getFirst() + 1)));
        }
        for (var t : movie.of("soun")) {
            var e = t.entry();
            if (!e.codec().equals("mp4a")) continue;
            long declared = Math.max(e.maxBitrate(), e.avgBitrate());
            long average = Math.round(t.bitRate());
            // ffmpeg's AAC encoder spends only what the sound needs: speech asked 384 kb/s averages about 210.
            checks.add(new Check("AAC at 256–384 kb/s (YouTube suggests 384 for stereo)", Math.max(declared, average) >= AUDIO_MIN_BITRATE,
                    String.format(Locale.ROOT, "encoded at %d kb/s, %d kb/s on average", Math.max(declared, average) / 1000, average / 1000)));
        }
    }

    /** How long a track is presented: its edits' total when it has any, else its media's length. */
    private static double presented(Mp4Boxes.Track t, long movieTimescale) {
        if (!t.hasEditList() || movieTimescale == 0) return t.seconds();
        return t.edits().stream().mapToLong(Mp4Boxes.Edit::segmentDuration).sum() / (double) movieTimescale;
    }

    private static String name(Mp4Boxes.Track t) {
        return switch (t.handler()) {
            case "vide" -> "video";
            case "soun" -> "audio";
            default -> t.handler() + " " + t.id();
        };
    }

    /** An edit list in words: "an empty edit of 21 ms, then the media from 0.067 s". */
    private static String describe(List<Mp4Boxes.Edit> edits, Mp4Boxes.Track t, long movieTimescale) {
        return edits.stream().map(e -> e.mediaTime() == -1
                ? String.format(Locale.ROOT, "an empty edit of %.0f ms", 1000.0 * e.segmentDuration() / Math.max(1, movieTimescale))
                : String.format(Locale.ROOT, "the media from %.3f s%s", (double) e.mediaTime() / Math.max(1, t.timescale()),
                        t.handler().equals("soun") && t.entry().codec().equals("mp4a") && e.mediaTime() > 0 ? " (skipping the AAC priming)" : ""))
                .collect(Collectors.joining(", then "));
    }

    private static String seconds(double s) { return String.format(Locale.ROOT, "%.2f s", s); }

    /** The report as the few lines printed after a merge: the figures, then what is off (or that nothing is). */
    @Override
    public String toString() {
        var sb = new StringBuilder(summary());
        if (warnings.isEmpty()) sb.append("  ✓ ready for YouTube Shorts (").append(checks.size()).append(" checks passed)");
        else warnings.forEach(w -> sb.append("  ✗ ").append(w).append('\n'));
        return sb.toString().stripTrailing();
    }

    /** The figures and every check, passed or not: what {@code merge --check} prints. */
    public String details() {
        var sb = new StringBuilder(summary());
        checks.forEach(c -> sb.append("  ").append(c).append('\n'));
        sb.append(warnings.isEmpty() ? "  ready for YouTube Shorts" : "  not ready: " + warnings.size() + " of " + checks.size() + " checks failed");
        return sb.toString();
    }

    private String summary() {
        var sb = new StringBuilder();
        sb.append(file.getFileName()).append(String.format(Locale.ROOT, ": %.2f s, %.1f MB, %d kb/s%n", duration, size / 1e6, bitRate / 1000));
        sb.append("  video     ").append(video).append('\n');
        sb.append("  audio     ").append(audio).append('\n');
        sb.append(String.format(Locale.ROOT, "  loudness  %.1f LUFS integrated, true peak %.1f dBTP, range %.1f LU%n", loudness, truePeak, loudnessRange));
        sb.append("  faststart ").append(faststart ? "yes (moov first)" : "no").append('\n');
        if (!Double.isNaN(streamGap)) sb.append(String.format(Locale.ROOT, "  streams   audio and video lengths differ by %.3f s%n", streamGap));
        return sb.toString();
    }
}
