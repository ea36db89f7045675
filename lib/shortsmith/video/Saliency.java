package shortsmith.video;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where a picture's subject is, found in Java on a small copy (the long side 128 samples, a few
 * milliseconds): how far each spot's colour is from the picture's average (global contrast), from
 * its surroundings (centre–surround contrast, which ignores fine texture), and whether it has a skin
 * tone (faces and people). The subject is the connected region around the strongest spot.
 *
 * <pre>jshell> Saliency.subject(picture)</pre>
 */
public final class Saliency {
    private Saliency() {}

    /** The long side of the copy the map is computed on. */
    static final int SIZE = 128;

    /** A box in fractions of the picture: 0…1 from the left and from the top. */
    public record Box(double x0, double y0, double x1, double y1) {
        public double cx() { return (x0 + x1) / 2; }

        public double cy() { return (y0 + y1) / 2; }

        /** A small box around a point, as a manifest's {@code focus} gives it. */
        public static Box around(double x, double y) {
            double r = 0.05;
            return new Box(clamp(x - r), clamp(y - r), clamp(x + r), clamp(y + r));
        }

        private static double clamp(double v) { return Math.max(0, Math.min(1, v)); }

        @Override
        public String toString() { return String.format(java.util.Locale.ROOT, "Box[%.3f,%.3f – %.3f,%.3f]", x0, y0, x1, y1); }
    }

    /** The subject of an image in memory (converted as ffmpeg would: BT.709, limited range). */
    public static Optional<Box> subject(java.awt.image.BufferedImage image) { return subject(yuv(image)); }

    /** A picture as BT.709 limited-range yuv420p, the form the renderer works in. */
    static KenBurns.Yuv420 yuv(java.awt.image.BufferedImage img) {
        int w = img.getWidth() & ~1, h = img.getHeight() & ~1;
        byte[] y = new byte[w * h], u = new byte[w * h / 4], v = new byte[w * h / 4];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                int rgb = img.getRGB(i, j);
                double r = (rgb >> 16 & 255) / 255.0, g = (rgb >> 8 & 255) / 255.0, b = (rgb & 255) / 255.0;
                double luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
                y[j * w + i] = (byte) Math.round(16 + 219 * luma);
                if (i % 2 == 0 && j % 2 == 0) {
                    u[(j / 2) * (w / 2) + i / 2] = (byte) Math.round(128 + 224 * (b - luma) / 1.8556);
                    v[(j / 2) * (w / 2) + i / 2] = (byte) Math.round(128 + 224 * (r - luma) / 1.5748);
                }
            }
        }
        return new KenBurns.Yuv420(w, h, y, u, v);
    }

    /** The subject's box, or empty when nothing stands out (a flat or evenly busy picture). */
    public static Optional<Box> subject(KenBurns.Yuv420 picture) {
        var m = map(picture);
        return region(m.values(), m.width(), m.height());
    }

    /** A saliency map: {@code width × height} values, row by row, 0…1.25. */
    record Heatmap(float[] values, int width, int height) {}

    /** The saliency map of a picture, on a copy whose long side is {@link #SIZE}. */
    static Heatmap map(KenBurns.Yuv420 picture) {
        int pw = picture.width(), ph = picture.height();
        double scale = (double) SIZE / Math.max(pw, ph);
        int w = Math.max(8, (int) Math.round(pw * scale)), h = Math.max(8, (int) Math.round(ph * scale));
        float[][] lab = small(picture, w, h);
        float[] global = new float[w * h], mean = new float[3];
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (float v : lab[c]) sum += v;
            mean[c] = (float) (sum / (w * h));
        }
        float[][] fine = new float[3][], coarse = new float[3][];
        for (int c = 0; c < 3; c++) {
            fine[c] = blur(lab[c], w, h, 2);
            coarse[c] = blur(lab[c], w, h, Math.max(4, Math.max(w, h) / 8));
        }
        float[] surround = new float[w * h], skin = new float[w * h];
        for (int i = 0; i < w * h; i++) {
            double g = 0, s = 0;
            for (int c = 0; c < 3; c++) {
                g += sq(fine[c][i] - mean[c]);
                s += sq(fine[c][i] - coarse[c][i]);
            }
            global[i] = (float) Math.sqrt(g);
            surround[i] = (float) Math.sqrt(s);
            float cb = lab[1][i] / CHROMA + 128, cr = lab[2][i] / CHROMA + 128;
            skin[i] = lab[0][i] > 50 && cb >= 77 && cb <= 127 && cr >= 137 && cr <= 173 ? 1 : 0;
        }
        normalise(global);
        normalise(surround);
        float[] map = new float[w * h];
        for (int i = 0; i < w * h; i++) map[i] = 0.5f * global[i] + 0.5f * surround[i] + 0.25f * skin[i];
        return new Heatmap(blur(map, w, h, 1), w, h);
    }

    /** Chroma counts more than in YCbCr: colour is what makes most subjects stand out. */
    private static final float CHROMA = 1.6f;

    /** The picture averaged down to {@code w × h}: luma and the two chroma planes (centred on 0). */
    private static float[][] small(KenBurns.Yuv420 p, int w, int h) {
        float[][] out = new float[3][w * h];
        int pw = p.width(), ph = p.height();
        for (int y = 0; y < h; y++) {
            int y0 = y * ph / h, y1 = Math.max(y0 + 1, (y + 1) * ph / h);
            for (int x = 0; x < w; x++) {
                int x0 = x * pw / w, x1 = Math.max(x0 + 1, (x + 1) * pw / w);
                long sy = 0, su = 0, sv = 0, n = 0, nc = 0;
                for (int yy = y0; yy < y1; yy += 2) {
                    for (int xx = x0; xx < x1; xx += 2) {
                        sy += p.y()[yy * pw + xx] & 0xFF;
                        n++;
                        int ci = (yy / 2) * (pw / 2) + xx / 2;
                        su += p.u()[ci] & 0xFF;
                        sv += p.v()[ci] & 0xFF;
                        nc++;
                    }
                }
                out[0][y * w + x] = (float) sy / n;
                out[1][y * w + x] = ((float) su / nc - 128) * CHROMA;
                out[2][y * w + x] = ((float) sv / nc - 128) * CHROMA;
            }
        }
        return out;
    }

    /** A box blur of radius {@code r}, twice (close to a Gaussian), clamped at the edges. */
    static float[] blur(float[] in, int w, int h, int r) {
        float[] a = in.clone(), b = new float[in.length];
        for (int pass = 0; pass < 2; pass++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    for (int k = -r; k <= r; k++) s += a[y * w + Math.max(0, Math.min(w - 1, x + k))];
                    b[y * w + x] = s / (2 * r + 1);
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    for (int k = -r; k <= r; k++) s += b[Math.max(0, Math.min(h - 1, y + k)) * w + x];
                    a[y * w + x] = s / (2 * r + 1);
                }
            }
        }
        return a;
    }

    private static void normalise(float[] v) {
        float max = 0;
        for (float x : v) max = Math.max(max, x);
        if (max > 0) for (int i = 0; i < v.length; i++) v[i] /= max;
    }

    private static double sq(double v) { return v * v; }

    /**
     * The region around the strongest spot: the connected pixels at least halfway from the map's
     * median to the peak, boxed and padded. Empty when the peak hardly stands above the median. A
     * region that reaches two sides of the picture (a band of sky from edge to edge, a corner) is
     * taken for background when another spot stands out as much: then that one is the subject.
     */
    static Optional<Box> region(float[] map, int w, int h) {
        float[] sorted = map.clone();
        Arrays.sort(sorted);
        float median = sorted[sorted.length / 2], peak = sorted[sorted.length - 1];
        if (peak <= 0 || peak - median < 0.25f * peak) return Optional.empty();
        float threshold = median + 0.5f * (peak - median);
        boolean[] seen = new boolean[map.length];
        int[] first = null;
        for (int attempt = 0; attempt < 4; attempt++) {
            int at = -1;
            for (int i = 0; i < map.length; i++) if (!seen[i] && map[i] >= threshold && (at < 0 || map[i] > map[at])) at = i;
            if (at < 0) break;
            int[] box = flood(map, w, h, at, threshold, seen);
            if (box[4] > 0.6 * w * h) return Optional.empty();   // "everything stands out": no subject
            int sides = (box[0] == 0 ? 1 : 0) + (box[1] == 0 ? 1 : 0) + (box[2] == w - 1 ? 1 : 0) + (box[3] == h - 1 ? 1 : 0);
            if (sides < 2) return Optional.of(padded(box, w, h));
            if (first == null) first = box;
        }
        return first == null ? Optional.empty() : Optional.of(padded(first, w, h));
    }

    /** The connected pixels from {@code at} at or above {@code threshold}, marked in {@code seen}: {x0, y0, x1, y1, count}. */
    private static int[] flood(float[] map, int w, int h, int at, float threshold, boolean[] seen) {
        var todo = new ArrayDeque<Integer>();
        todo.add(at);
        seen[at] = true;
        int x0 = w, y0 = h, x1 = 0, y1 = 0, count = 0;
        while (!todo.isEmpty()) {
            int i = todo.pop(), x = i % w, y = i / w;
            count++;
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x);
            y1 = Math.max(y1, y);
            for (int[] d : new int[][] {{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
                int nx = x + d[0], ny = y + d[1];
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                int n = ny * w + nx;
                if (!seen[n] && map[n] >= threshold) {
                    seen[n] = true;
                    todo.add(n);
                }
            }
        }
        return new int[] {x0, y0, x1, y1, count};
    }

    /** A region's box in fractions of the picture, padded: the blur spreads edges a little. */
    private static Box padded(int[] box, int w, int h) {
        double pad = 1.5;   // map pixels
        return new Box(Math.max(0, (box[0] - pad) / w), Math.max(0, (box[1] - pad) / h),
                Math.min(1, (box[2] + 1 + pad) / w), Math.min(1, (box[3] + 1 + pad) / h));
    }
}
