package shortsmith.video;

import java.nio.file.Path;
import java.util.List;

/**
 * A clip's captions burned into its yuv420p frames in Java: libass renders them ({@link Libass}),
 * and only when they change (a new word highlighted, a new chunk) are its bitmaps flattened into one
 * layer; each frame then blends that layer over the rows and columns it covers, nothing else. This
 * replaces ffmpeg's {@code subtitles} filter, which copied every frame and blended every bitmap
 * again. Colours are converted with BT.709 at TV range, as the clips are tagged (the filter used
 * BT.601 for untagged input); chroma takes the mean coverage of its four luma samples, as the filter does.
 *
 * <pre>jshell> try (var o = CaptionOverlay.of(ass, 768, 1344, 25, font)) { o.drawOnto(frame, 40) }</pre>
 */
final class CaptionOverlay implements AutoCloseable {
    private static final int ONE = 1 << 16;

    private final Libass libass;
    private final int width, height, fps;
    private Layer layer;

    private CaptionOverlay(Libass libass, int width, int height, int fps) {
        this.libass = libass;
        this.width = width;
        this.height = height;
        this.fps = fps;
    }

    /** The overlay of an ASS script for {@code width × height} frames at {@code fps}. */
    static CaptionOverlay of(String ass, int width, int height, int fps, Path font) {
        return new CaptionOverlay(Libass.open(ass, width, height, font), width, height, fps);
    }

    /** Blends the captions shown at frame {@code index} into {@code frame} (yuv420p). */
    void drawOnto(byte[] frame, int index) {
        // The time ffmpeg's filter gave libass for this frame: its timestamp in whole milliseconds.
        var shown = libass.render((long) (index * 1000.0 / fps));
        if (layer == null || shown.changed()) layer = Layer.of(shown.images(), width, height);
        layer.blend(frame, width, height);
    }

    @Override
    public void close() { libass.close(); }

    /**
     * The captions flattened: for each covered sample, how much of the picture stays ({@code keep},
     * of 65536) and what the captions add (× 65536), per plane, over the rows each plane's captions span.
     */
    record Layer(Plane luma, Plane u, Plane v) {
        static final Layer EMPTY = new Layer(Plane.EMPTY, Plane.EMPTY, Plane.EMPTY);

        static Layer of(List<Libass.Image> images, int width, int height) {
            if (images.isEmpty()) return EMPTY;
            int x0 = width, y0 = height, x1 = 0, y1 = 0;
            for (var im : images) {
                x0 = Math.min(x0, Math.max(0, im.x()));
                y0 = Math.min(y0, Math.max(0, im.y()));
                x1 = Math.max(x1, Math.min(width, im.x() + im.w()));
                y1 = Math.max(y1, Math.min(height, im.y() + im.h()));
            }
            if (x1 <= x0 || y1 <= y0) return EMPTY;
            x0 &= ~1;
            y0 &= ~1;
            x1 = Math.min(width, (x1 + 1) & ~1);
            y1 = Math.min(height, (y1 + 1) & ~1);
            int w = x1 - x0, h = y1 - y0, cw = w / 2, ch = h / 2;
            double[] keepY = filled(w * h), addY = new double[w * h];
            double[] keepC = filled(cw * ch), addU = new double[cw * ch], addV = new double[cw * ch];
            double[] coverage = new double[w * h];
            for (var im : images) {
                double opacity = (255 - (im.rgba() & 0xFF)) / 255.0;
                int r = im.rgba() >>> 24, g = (im.rgba() >>> 16) & 0xFF, b = (im.rgba() >>> 8) & 0xFF;
                double[] yuv = bt709(r, g, b);
                // The image's own rectangle inside the layer, widened to whole chroma samples.
                int ix0 = Math.max(0, im.x() - x0) & ~1, iy0 = Math.max(0, im.y() - y0) & ~1;
                int ix1 = Math.min(w, (im.x() + im.w() - x0 + 1) & ~1), iy1 = Math.min(h, (im.y() + im.h() - y0 + 1) & ~1);
                for (int y = iy0; y < iy1; y++) {
                    for (int x = ix0; x < ix1; x++) {
                        int i = x + x0 - im.x(), j = y + y0 - im.y();
                        double a = i < 0 || j < 0 || i >= im.w() || j >= im.h() ? 0 : (im.alpha()[j * im.w() + i] & 0xFF) / 255.0 * opacity;
                        coverage[y * w + x] = a;
                        if (a == 0) continue;
                        int p = y * w + x;
                        keepY[p] *= 1 - a;
                        addY[p] = addY[p] * (1 - a) + yuv[0] * a;
                    }
                }
                for (int cy = iy0 / 2; cy < iy1 / 2; cy++) {
                    for (int cx = ix0 / 2; cx < ix1 / 2; cx++) {
                        int p = 2 * cy * w + 2 * cx;
                        double a = (coverage[p] + coverage[p + 1] + coverage[p + w] + coverage[p + w + 1]) / 4;
                        if (a == 0) continue;
                        int c = cy * cw + cx;
                        keepC[c] *= 1 - a;
                        addU[c] = addU[c] * (1 - a) + yuv[1] * a;
                        addV[c] = addV[c] * (1 - a) + yuv[2] * a;
                    }
                }
            }
            return new Layer(Plane.of(keepY, addY, x0, y0, w, h), Plane.of(keepC, addU, x0 / 2, y0 / 2, cw, ch),
                    Plane.of(keepC, addV, x0 / 2, y0 / 2, cw, ch));
        }

        void blend(byte[] frame, int width, int height) {
            int lumaSize = width * height;
            luma.blend(frame, 0, width);
            u.blend(frame, lumaSize, width / 2);
            v.blend(frame, lumaSize + lumaSize / 4, width / 2);
        }

        private static double[] filled(int n) {
            double[] a = new double[n];
            java.util.Arrays.fill(a, 1);
            return a;
        }
    }

    /**
     * One plane of a {@link Layer}: {@code keep} and {@code add} over a {@code w × h} rectangle at
     * ({@code x0}, {@code y0}), and per row the first and last column the captions touch.
     */
    record Plane(int[] keep, int[] add, int x0, int y0, int w, int h, int[] from, int[] to) {
        static final Plane EMPTY = new Plane(new int[0], new int[0], 0, 0, 0, 0, new int[0], new int[0]);

        static Plane of(double[] keep, double[] add, int x0, int y0, int w, int h) {
            int[] k = new int[w * h], a = new int[w * h], from = new int[h], to = new int[h];
            for (int y = 0; y < h; y++) {
                from[y] = w;
                to[y] = 0;
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    k[p] = (int) Math.round(keep[p] * ONE);
                    a[p] = (int) Math.round(add[p] * ONE);
                    if (k[p] < ONE) {
                        from[y] = Math.min(from[y], x);
                        to[y] = x + 1;
                    }
                }
            }
            return new Plane(k, a, x0, y0, w, h, from, to);
        }

        void blend(byte[] frame, int offset, int stride) {
            for (int y = 0; y < h; y++) {
                int row = offset + (y0 + y) * stride + x0, at = y * w;
                for (int x = from[y]; x < to[y]; x++) {
                    int p = at + x;
                    frame[row + x] = (byte) (((frame[row + x] & 0xFF) * keep[p] + add[p] + (ONE >> 1)) >>> 16);
                }
            }
        }

        @Override
        public String toString() { return "Plane[" + w + "x" + h + " at " + x0 + "," + y0 + "]"; }
    }

    /** An sRGB colour (0–255) as BT.709 Y′CbCr at TV range (Y 16–235, Cb and Cr 16–240). */
    static double[] bt709(int r, int g, int b) {
        double rr = r / 255.0, gg = g / 255.0, bb = b / 255.0;
        double y = 0.2126 * rr + 0.7152 * gg + 0.0722 * bb;
        return new double[] {16 + 219 * y, 128 + 224 * (bb - y) / 1.8556, 128 + 224 * (rr - y) / 1.5748};
    }
}
