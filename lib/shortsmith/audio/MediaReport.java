package shortsmith.audio;

import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Proc;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a finished video is, as YouTube will see it: from ffprobe (duration, size, bitrate,
 * streams), ebur128 (loudness, true peak) and the MP4's own box order (faststart), with a warning
 * for each thing YouTube Shorts would not like. {@code merge --check FILE} prints it for any file.
 *
 * <pre>jshell> MediaReport.of(ffmpeg, Path.of("short.mp4"))</pre>
 */
public record MediaReport(Path file, double duration, long size, long bitRate, String video, String audio,
                          double loudness, double truePeak, double loudnessRange, boolean faststart,
                          double streamGap, List<String> warnings) {

    /** Shorts may last up to 3 minutes (since October 2024). */
    static final double MAX_SHORT_SECONDS = 180;

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
        List<String> warnings = new ArrayList<>();
        if (media.duration() > MAX_SHORT_SECONDS) {
            warnings.add(String.format(Locale.ROOT, "longer than 3 minutes (%.1f s): YouTube will not treat it as a Short", media.duration()));
        }
        if (v.isEmpty()) warnings.add("no video stream");
        v.ifPresent(s -> {
            if ((long) s.width() * 16 != (long) s.height() * 9) warnings.add("not 9:16 (" + s.width() + "x" + s.height() + ")");
            if (!s.codec().equals("h264") || !s.profile().equals("High")) warnings.add("video is " + s.codec() + " " + s.profile() + ", not H.264 High");
            if (!s.pixFmt().equals("yuv420p")) warnings.add("pixel format " + s.pixFmt() + ", not yuv420p");
        });
        double loudness = Double.NaN, peak = Double.NaN, range = Double.NaN;
        if (a.isEmpty()) warnings.add("no audio stream");
        else {
            var s = a.get();
            if (!s.codec().equals("aac")) warnings.add("audio is " + s.codec() + ", not AAC");
            if (s.sampleRate() != 48_000) warnings.add("audio at " + s.sampleRate() + " Hz, not 48 kHz");
            if (s.channels() != 2) warnings.add("audio has " + s.channels() + " channel(s), not stereo");
            var l = known != null ? known : loudness(ffmpeg, file);
            if (l != null) {
                loudness = l.integrated();
                range = l.range();
                peak = l.truePeak();
            }
        }
        boolean faststart = moovFirst(file);
        if (!faststart && media.formatName().contains("mp4")) warnings.add("moov atom after the media data: not faststart");
        double gap = v.isPresent() && a.isPresent() ? Math.abs(v.get().duration() - a.get().duration()) : Double.NaN;
        return new MediaReport(file, media.duration(), media.size(), media.bitRate(),
                v.map(s -> String.format(Locale.ROOT, "%s %s %dx%d %s %s fps", s.codec(), s.profile(), s.width(), s.height(), s.pixFmt(),
                        s.frameRate())).orElse("none"),
                a.map(s -> String.format(Locale.ROOT, "%s %s %d Hz %s", s.codec(), s.profile(), s.sampleRate(), s.channelLayout()))
                        .orElse("none"),
                loudness, peak, range, faststart, gap, List.copyOf(warnings));
    }

    /** Whether the top-level {@code moov} box comes before {@code mdat} (what +faststart does). */
    static boolean moovFirst(Path file) {
        try (var f = new RandomAccessFile(file.toFile(), "r")) {
            long pos = 0, length = f.length();
            while (pos + 8 <= length) {
                f.seek(pos);
                long size = f.readInt() & 0xFFFFFFFFL;
                byte[] type = new byte[4];
                f.readFully(type);
                String name = new String(type, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (name.equals("moov")) return true;
                if (name.equals("mdat")) return false;
                if (size == 1) size = f.readLong();
                else if (size == 0) return false;
                if (size < 8) return false;
                pos += size;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The report as the few lines printed after a merge. */
    @Override
    public String toString() {
        var sb = new StringBuilder();
        sb.append(file.getFileName()).append(String.format(Locale.ROOT, ": %.2f s, %.1f MB, %d kb/s%n", duration, size / 1e6, bitRate / 1000));
        sb.append("  video     ").append(video).append('\n');
        sb.append("  audio     ").append(audio).append('\n');
        sb.append(String.format(Locale.ROOT, "  loudness  %.1f LUFS integrated, true peak %.1f dBTP, range %.1f LU%n", loudness, truePeak, loudnessRange));
        sb.append("  faststart ").append(faststart ? "yes (moov first)" : "no").append('\n');
        if (!Double.isNaN(streamGap)) sb.append(String.format(Locale.ROOT, "  streams   audio and video lengths differ by %.3f s%n", streamGap));
        if (warnings.isEmpty()) sb.append("  ✓ ready for YouTube Shorts");
        else warnings.forEach(w -> sb.append("  warning: ").append(w).append('\n'));
        return sb.toString().stripTrailing();
    }
}
