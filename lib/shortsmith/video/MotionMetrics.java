package shortsmith.video;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures how smooth a move is: small bright dots are tracked through a clip (intensity-weighted
 * centroids) and the RMS of their frame-to-frame acceleration is reported in px/frame². A move that
 * snaps to whole pixels jerks by about a pixel whenever it steps; a sub-pixel move stays near zero.
 *
 * <pre>jshell> MotionMetrics.rmsJerk(ffmpeg, Path.of("dots.mp4"), 360, 640)</pre>
 */
public final class MotionMetrics {
    private MotionMetrics() {}

    /** A test card: Gaussian dots (σ = 2.5 px) on black, on a grid kept away from the edges. */
    public static BufferedImage dots(int width, int height) {
        var img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int cols = 5, rows = 9;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double cx = width * (0.2 + 0.6 * c / (cols - 1)), cy = height * (0.2 + 0.6 * r / (rows - 1));
                for (int y = (int) cy - 8; y <= cy + 8; y++) {
                    for (int x = (int) cx - 8; x <= cx + 8; x++) {
                        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                        int v = (int) Math.round(255 * Math.exp(-d2 / (2 * 2.5 * 2.5)));
                        int old = img.getRGB(x, y) & 0xFF;
                        v = Math.max(v, old);
                        img.setRGB(x, y, v << 16 | v << 8 | v);
                    }
                }
            }
        }
        return img;
    }

    /** Decodes {@code clip} to grey frames of {@code width × height}. */
    static List<byte[]> frames(Ffmpeg ffmpeg, Path clip, int width, int height) throws IOException, InterruptedException {
        Process p = Proc.start(ffmpeg.command("-loglevel", "error", "-i", "file:" + clip.toAbsolutePath(),
                "-vf", "scale=" + width + ":" + height + ":flags=neighbor,format=gray", "-f", "rawvideo", "pipe:1"));
        var err = new Proc.Collector(p.getErrorStream());
        List<byte[]> frames = new ArrayList<>();
        try (var in = p.getInputStream()) {
            while (true) {
                byte[] f = in.readNBytes(width * height);
                if (f.length < width * height) break;
                frames.add(f);
            }
        }
        if (p.waitFor() != 0) throw new IOException("cannot decode " + clip + ": " + err.text());
        return frames;
    }

    /** RMS frame-to-frame acceleration of the tracked dots, in px/frame². */
    public static double rmsJerk(Ffmpeg ffmpeg, Path clip, int width, int height) throws IOException, InterruptedException {
        return rmsJerk(frames(ffmpeg, clip, width, height), width, height);
    }

    static double rmsJerk(List<byte[]> frames, int width, int height) {
        if (frames.size() < 3) throw new IllegalArgumentException("need at least 3 frames, got " + frames.size());
        List<double[]> seeds = findDots(frames.getFirst(), width, height);
        List<List<double[]>> tracks = new ArrayList<>();
        for (double[] s : seeds) {
            List<double[]> track = new ArrayList<>();
            double[] at = s;
            for (byte[] f : frames) {
                at = centroid(f, width, height, at[0], at[1], 7);
                if (at == null) break;
                track.add(at);
            }
            if (track.size() == frames.size()) tracks.add(track);
        }
        if (tracks.isEmpty()) throw new IllegalStateException("no dot could be tracked through the clip");
        double sum = 0;
        long n = 0;
        for (var t : tracks) {
            for (int k = 1; k + 1 < t.size(); k++) {
                double ax = t.get(k + 1)[0] - 2 * t.get(k)[0] + t.get(k - 1)[0];
                double ay = t.get(k + 1)[1] - 2 * t.get(k)[1] + t.get(k - 1)[1];
                sum += ax * ax + ay * ay;
                n++;
            }
        }
        return Math.sqrt(sum / n);
    }

    /** Local maxima brighter than half scale, at least 10 px from the edge. */
    private static List<double[]> findDots(byte[] f, int w, int h) {
        List<double[]> dots = new ArrayList<>();
        for (int y = 10; y < h - 10; y++) {
            for (int x = 10; x < w - 10; x++) {
                int v = f[y * w + x] & 0xFF;
                if (v < 128) continue;
                boolean max = true;
                for (int dy = -3; dy <= 3 && max; dy++)
                    for (int dx = -3; dx <= 3; dx++)
                        if ((dx != 0 || dy != 0) && (f[(y + dy) * w + x + dx] & 0xFF) > v) { max = false; break; }
                final int fx = x, fy = y;
                boolean near = dots.stream().anyMatch(d -> Math.abs(d[0] - fx) < 6 && Math.abs(d[1] - fy) < 6);
                if (max && !near) dots.add(new double[] {x, y});
            }
        }
        return dots;
    }

    /** Intensity-weighted centroid (above a small floor) in a window around (x, y); null if off-frame. */
    private static double[] centroid(byte[] f, int w, int h, double x, double y, int radius) {
        int cx = (int) Math.round(x), cy = (int) Math.round(y);
        if (cx - radius < 0 || cy - radius < 0 || cx + radius >= w || cy + radius >= h) return null;
        double sx = 0, sy = 0, s = 0;
        for (int yy = cy - radius; yy <= cy + radius; yy++) {
            for (int xx = cx - radius; xx <= cx + radius; xx++) {
                double v = Math.max(0, (f[yy * w + xx] & 0xFF) - 16);
                sx += v * xx;
                sy += v * yy;
                s += v;
            }
        }
        return s == 0 ? null : new double[] {sx / s, sy / s};
    }

    /** The seed's zoompan (x=0:y=0, zoom+0.001) on {@code image}, lossless, for comparison. */
    public static void seedZoompan(Ffmpeg ffmpeg, Path image, Settings.Size size, int fps, int frames, Path out) {
        String graph = "scale=" + size.width() + ":" + size.height() + ",setsar=1:1,crop=" + size.width() + ":" + size.height()
                + ",zoompan=z='zoom+0.001':x=0:y=0:d=" + frames + ":s=" + size + ":fps=" + fps;
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-loop", "1", "-i", "file:" + image.toAbsolutePath(),
                "-vf", graph, "-frames:v", String.valueOf(frames), "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
                "-pix_fmt", "yuv420p", "file:" + out.toAbsolutePath()), Duration.ofMinutes(5));
        if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "zoompan render failed: " + r.lastErrorLine());
    }
}
