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

    /**
     * How far one clip's picture travels, as a viewer sees it: the similarity (scale and shift)
     * that carries its first frame onto its last, found on the part above the captions, and the
     * mean absolute difference of the two there (0–255 luma levels). {@code frozen}: it scales
     * less than 1 % and shifts less than 1 % of the frame; a scene that moves at least the visible
     * minimum has {@code travel().visible()}.
     */
    public record SceneTravel(Path clip, Framing.Travel travel, double difference) {
        public boolean frozen() {
            return travel.zoom() < 1.01 && Math.abs(travel.panX()) < 0.01 && Math.abs(travel.panY()) < 0.01;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%s: %s (first and last frames %.1f levels apart)%s", clip.getFileName(), travel, difference,
                    frozen() ? ", frozen" : travel.visible() ? "" : ", below the visible minimum");
        }
    }

    /** The share of a frame's height, from the top, the travel is measured on: above the captions and Shorts' bottom UI. */
    public static final double ABOVE_CAPTIONS = 0.45;

    /** The travel of each clip (see {@link SceneTravel}), in order. */
    public static List<SceneTravel> travel(Ffmpeg ffmpeg, List<Path> clips) throws IOException, InterruptedException {
        List<SceneTravel> out = new ArrayList<>();
        for (Path clip : clips) out.add(travel(ffmpeg, clip));
        return out;
    }

    /** How many of {@code scenes} are frozen. */
    public static long frozen(List<SceneTravel> scenes) { return scenes.stream().filter(SceneTravel::frozen).count(); }

    /** One clip's travel: its first and last frames, decoded grey at 144 samples wide, compared above the captions. */
    public static SceneTravel travel(Ffmpeg ffmpeg, Path clip) throws IOException, InterruptedException {
        var v = shortsmith.media.Media.probe(ffmpeg, clip).video()
                .orElseThrow(() -> new IOException(clip + " has no video stream"));
        int w = 144, h = Math.max(16, (int) Math.round(144.0 * v.height() / v.width() / 2) * 2);
        Process p = Proc.start(ffmpeg.command("-loglevel", "error", "-i", "file:" + clip.toAbsolutePath(),
                "-vf", "scale=" + w + ":" + h + ":flags=area,format=gray", "-f", "rawvideo", "pipe:1"));
        var err = new Proc.Collector(p.getErrorStream());
        byte[] first = null, last = null;
        try (var in = p.getInputStream()) {
            while (true) {
                byte[] f = in.readNBytes(w * h);
                if (f.length < w * h) break;
                if (first == null) first = f;
                last = f;
            }
        }
        if (p.waitFor() != 0 || first == null) throw new IOException("cannot decode " + clip + ": " + err.text());
        return travel(clip, grey(first), grey(last), w, h);
    }

    static SceneTravel travel(Path clip, float[] first, float[] last, int w, int h) {
        int rows = (int) Math.round(h * ABOVE_CAPTIONS);
        double sum = 0;
        for (int i = 0; i < w * rows; i++) sum += Math.abs(first[i] - last[i]);
        double[] t = Registration.similarity(first, last, w, h, rows);
        double s = t[0];
        return new SceneTravel(clip, new Framing.Travel(Math.max(1, s), Math.max(1, 1 / s), t[1] / w, t[2] / h), sum / (w * rows));
    }

    private static float[] grey(byte[] f) {
        float[] out = new float[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i] & 0xFF;
        return out;
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

    /**
     * The similarity between two frames, found by search from coarse to fine: the scale s and the
     * shift (dx, dy) such that the second frame at x shows what the first showed at
     * c + s·(x − c) + (dx, dy), c the frame's centre (pixels of the frames given). Compared over
     * the first {@code rows} rows of the second frame, with each difference capped, so captions
     * and a hook drawn over a part of it do not pull the estimate.
     */
    static final class Registration {
        private Registration() {}

        /** A difference counts at most this much (luma levels): overlays are outliers, not evidence. */
        private static final float CAP = 40;

        static double[] similarity(float[] a, float[] b, int w, int h, int rows) {
            int levels = 4;
            float[][] as = new float[levels][], bs = new float[levels][];
            int[] ws = new int[levels], hs = new int[levels];
            as[0] = a;
            bs[0] = b;
            ws[0] = w;
            hs[0] = h;
            for (int k = 1; k < levels; k++) {
                ws[k] = ws[k - 1] / 2;
                hs[k] = hs[k - 1] / 2;
                as[k] = half(as[k - 1], ws[k - 1], hs[k - 1]);
                bs[k] = half(bs[k - 1], ws[k - 1], hs[k - 1]);
            }
            int top = levels - 1;
            double[] best = search(as[top], bs[top], ws[top], hs[top], rows >> top, new double[] {1, 0, 0},
                    0.22, 0.02, 0.35 * ws[top], 0.35 * hs[top], 1);
            for (int k = top - 1; k >= 1; k--) {
                best = search(as[k], bs[k], ws[k], hs[k], rows >> k, new double[] {best[0], best[1] * 2, best[2] * 2}, 0.02, 0.01, 1.5, 1.5, 0.5);
            }
            return descend(a, b, w, h, rows, new double[] {best[0], best[1] * 2, best[2] * 2});
        }

        /** From {@code at}, steps to a better neighbour on one parameter at a time, halving the steps when none is: to 1/16 px. */
        private static double[] descend(float[] a, float[] b, int w, int h, int rows, double[] at) {
            double[] best = at.clone();
            double cost = cost(a, b, w, h, rows, best[0], best[1], best[2]);
            double sStep = 0.008, dStep = 1;
            while (dStep >= 1.0 / 16) {
                boolean moved = false;
                for (int p = 0; p < 3; p++) {
                    for (int sign = -1; sign <= 1; sign += 2) {
                        double[] next = best.clone();
                        next[p] += sign * (p == 0 ? sStep : dStep);
                        double c = cost(a, b, w, h, rows, next[0], next[1], next[2]);
                        if (c < cost - 1e-9) {
                            cost = c;
                            best = next;
                            moved = true;
                        }
                    }
                }
                if (!moved) {
                    sStep /= 2;
                    dStep /= 2;
                }
            }
            return best;
        }

        /** The best of a grid about {@code at}: scale ± sRange by sStep, shifts ± xRange/yRange by dStep. */
        private static double[] search(float[] a, float[] b, int w, int h, int rows, double[] at, double sRange, double sStep,
                                       double xRange, double yRange, double dStep) {
            double[] best = at.clone();
            double bestCost = Double.MAX_VALUE;
            int ns = (int) Math.round(sRange / sStep), nx = (int) Math.floor(xRange / dStep), ny = (int) Math.floor(yRange / dStep);
            for (int i = -ns; i <= ns; i++) {
                for (int j = -nx; j <= nx; j++) {
                    for (int k = -ny; k <= ny; k++) {
                        double s = at[0] + i * sStep, dx = at[1] + j * dStep, dy = at[2] + k * dStep;
                        double c = cost(a, b, w, h, rows, s, dx, dy);
                        // Ties go to the smaller move: a flat picture does not invent one.
                        if (c < bestCost - 1e-9 || Math.abs(c - bestCost) <= 1e-9 && Math.abs(s - 1) + Math.abs(dx) + Math.abs(dy)
                                < Math.abs(best[0] - 1) + Math.abs(best[1]) + Math.abs(best[2])) {
                            bestCost = c;
                            best = new double[] {s, dx, dy};
                        }
                    }
                }
            }
            return best;
        }

        /** The mean capped difference between b and a carried by the similarity, over b's first rows whose match lies on a. */
        private static double cost(float[] a, float[] b, int w, int h, int rows, double s, double dx, double dy) {
            double cx = w / 2.0, cy = h / 2.0, sum = 0;
            int n = 0;
            for (int j = 0; j < rows; j++) {
                double v = cy + s * (j + 0.5 - cy) + dy - 0.5;
                if (v < 0 || v > h - 1) continue;
                int y0 = Math.min((int) v, h - 2);
                double fy = v - y0;
                for (int i = 0; i < w; i++) {
                    double u = cx + s * (i + 0.5 - cx) + dx - 0.5;
                    if (u < 0 || u > w - 1) continue;
                    int x0 = Math.min((int) u, w - 2);
                    double fx = u - x0;
                    int p = y0 * w + x0;
                    double top = a[p] + (a[p + 1] - a[p]) * fx, bottom = a[p + w] + (a[p + w + 1] - a[p + w]) * fx;
                    sum += Math.min(CAP, Math.abs(b[j * w + i] - (top + (bottom - top) * fy)));
                    n++;
                }
            }
            return n < 0.4 * w * rows ? Double.MAX_VALUE : sum / n;
        }

        /** A plane averaged 2×2. */
        private static float[] half(float[] p, int w, int h) {
            int hw = w / 2, hh = h / 2;
            float[] out = new float[hw * hh];
            for (int j = 0; j < hh; j++) {
                for (int i = 0; i < hw; i++) {
                    int q = 2 * j * w + 2 * i;
                    out[j * hw + i] = (p[q] + p[q + 1] + p[q + w] + p[q + w + 1]) / 4;
                }
            }
            return out;
        }
    }
}
