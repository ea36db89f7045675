package shortsmith.audio;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a Short sounds at its scene joins, as a listener hears it: the silences ffmpeg's
 * {@code silencedetect} finds in its audio, the longest around each join and the longest pause
 * inside a scene, and how far background music rises in a join over its level under the speech
 * before it (a steady low tone as the music, measured by its own frequency).
 *
 * <pre>jshell> DeadAir.measure(ffmpeg, Path.of("short.mp4"), List.of(6.6, 13.2))</pre>
 */
public final class DeadAir {
    private DeadAir() {}

    /** Speech is quieter than this for a silence (dBFS), for at least {@link #MIN_SILENCE} s. */
    public static final double NOISE_DB = -40, MIN_SILENCE = 0.05;

    /** A silence, seconds from the start. */
    public record Silence(double start, double end) {
        public double seconds() { return end - start; }

        boolean covers(double t) { return start <= t + 0.02 && end >= t - 0.02; }
    }

    /** What the joins hold: the longest silence around any join, around each one, and the longest pause inside a scene. */
    public record Joins(double longest, List<Double> each, double longestInside) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Joins[longest %.3f s, each %s, longest pause inside a scene %.3f s]", longest,
                    each.stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList(), longestInside);
        }
    }

    /** The silences in {@code file}'s first audio stream. */
    public static List<Silence> silences(Ffmpeg ffmpeg, Path file) {
        var r = Proc.run(ffmpeg.command("-nostats", "-i", "file:" + file.toAbsolutePath(), "-map", "0:a:0",
                "-af", String.format(Locale.ROOT, "silencedetect=noise=%.0fdB:d=%.2f", NOISE_DB, MIN_SILENCE), "-f", "null", "-"), Duration.ofMinutes(10));
        if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "silencedetect failed on " + file + ": " + r.lastErrorLine());
        List<Silence> found = new ArrayList<>();
        Double start = null;
        var starts = Pattern.compile("silence_start: (-?[\\d.]+)");
        var ends = Pattern.compile("silence_end: ([\\d.]+)");
        for (String line : r.stderr().lines().toList()) {
            var a = starts.matcher(line);
            var b = ends.matcher(line);
            if (a.find()) start = Math.max(0, Double.parseDouble(a.group(1)));
            if (b.find() && start != null) {
                found.add(new Silence(start, Double.parseDouble(b.group(1))));
                start = null;
            }
        }
        return found;
    }

    /** The silences around each join (at the times given, seconds) and inside the scenes; the file's first and last silence aside. */
    public static Joins measure(Ffmpeg ffmpeg, Path file, List<Double> joins) {
        var silences = silences(ffmpeg, file);
        List<Double> each = joins.stream().map(j -> silences.stream().filter(s -> s.covers(j)).mapToDouble(Silence::seconds).max().orElse(0)).toList();
        // Inside a scene: not at a join, not the lead-in at 0 nor the last scene's tail running to the end.
        double end = shortsmith.media.Media.probe(ffmpeg, file).duration();
        double inside = silences.stream().filter(s -> s.start() > 0.01 && s.end() < end - 0.05 && joins.stream().noneMatch(s::covers))
                .mapToDouble(Silence::seconds).max().orElse(0);
        return new Joins(each.stream().mapToDouble(Double::doubleValue).max().orElse(0), each, inside);
    }

    /**
     * How far the music rises in each join over its level under the speech of the scene before it,
     * in dB: the music a steady tone at {@code hz} (low, under the voice, e.g. 40 Hz), its level
     * taken by its own frequency in 100 ms Hann windows every 25 ms (a Goertzel filter), so the
     * speech hardly counts. The speech's level is the median from 0.3 s into the scene to 0.4 s
     * before its join; the join's is the highest with its window's centre from 0.3 s before the
     * join to 0.1 s after it. The largest rise over all joins.
     */
    public static double musicSwell(Ffmpeg ffmpeg, Path file, List<Double> joins, double hz) {
        float[] x = pcm(ffmpeg, file);
        int window = 4_800, hop = 1_200;
        double worst = Double.NEGATIVE_INFINITY, previous = 0;
        for (double join : joins) {
            List<Double> speech = new ArrayList<>();
            double peak = Double.NEGATIVE_INFINITY;
            for (int k = 0; k + window <= x.length; k += hop) {
                double centre = (k + window / 2.0) / 48_000;
                if (centre >= previous + 0.3 && centre <= join - 0.4) speech.add(toneDb(x, hz, k, k + window));
                if (centre >= join - 0.3 && centre <= join + 0.1) peak = Math.max(peak, toneDb(x, hz, k, k + window));
            }
            previous = join;
            if (speech.isEmpty()) continue;
            var sorted = speech.stream().sorted().toList();
            worst = Math.max(worst, peak - sorted.get(sorted.size() / 2));
        }
        return worst;
    }

    /** The level of a pure tone at {@code hz} in samples [from, to) of 48 kHz audio, Hann-windowed (Goertzel), dB. */
    public static double toneDb(float[] x, double hz, int from, int to) {
        double w = 2 * Math.PI * hz / 48_000, c = 2 * Math.cos(w), s1 = 0, s2 = 0;
        int n = to - from;
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
            double s0 = x[from + i] * hann + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = s1 * s1 + s2 * s2 - c * s1 * s2;
        return 10 * Math.log10(power / ((double) n * n / 4) + 1e-20);
    }

    /** A file's first audio stream as 48 kHz mono samples. */
    public static float[] pcm(Ffmpeg ffmpeg, Path file) {
        Path raw = null;
        try {
            raw = Files.createTempFile("shortsmith-pcm", ".f32");
            var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + file.toAbsolutePath(), "-map", "0:a:0", "-ac", "1",
                    "-ar", "48000", "-f", "f32le", "file:" + raw), Duration.ofMinutes(10));
            if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "cannot decode " + file + ": " + r.lastErrorLine());
            var b = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw ShortsmithException.output("cannot decode " + file + ": " + e.getMessage(), e);
        } finally {
            if (raw != null) shortsmith.core.WorkDir.deleteQuietly(raw);
        }
    }
}
