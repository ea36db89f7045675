package shortsmith.video;


import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Renders the frames of a Ken Burns move in Java, straight into yuv420p, for ffmpeg to encode from
 * a pipe. zoompan truncates its crop window to whole pixels (and to the chroma grid), so slow moves
 * step visibly; here every frame is resampled with separable bilinear interpolation at fractional
 * positions (1/256 px), which is sub-pixel smooth. It stays cheap because the source is pre-scaled
 * once (by ffmpeg, bicubic) to just above the frame size; a pan, whose window is the frame's size,
 * is a one-to-one sub-pixel slide without a lookup per pixel; and a frame is cut into bands rendered
 * on all cores when it is the only clip rendering. With the Vector API ({@link #VECTOR_API}) the
 * zoom's lookup, the slide and the conversions between bytes and ints run as vector instructions
 * ({@link VectorResample}), the same values bit for bit.
 *
 * <pre>jshell> var kb = KenBurns.of(source, 1080, 1920); kb.render(move, 0.5, frame)</pre>
 */
final class KenBurns {
    // 8-bit weights: positions to 1/256 px, far below what the eye or the jerk metric can see.
    private static final int ONE = 256;

    /**
     * Whether this JVM has the Vector API ({@code --add-modules jdk.incubator.vector}, which the
     * launcher gives every script): the render is then about twice as fast. Without it (plain
     * JBang, JShell) the scalar loops render the same frames.
     */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private static final ExecutorService BANDS = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors()),
            Thread.ofPlatform().daemon().name("kenburns-", 0).factory());

    private final Yuv420 source;
    private final int width, height;
    private final boolean bands, vector;
    private final Plane luma, chroma;

    private KenBurns(Yuv420 source, int width, int height, boolean bands, boolean vector) {
        this.source = source;
        this.width = width;
        this.height = height;
        this.bands = bands;
        this.vector = vector;
        this.luma = new Plane(width, height, source.width(), vector);
        this.chroma = new Plane(width / 2, height / 2, source.width() / 2, vector);
    }

    /** A renderer of {@code width × height} frames (even numbers) over {@code source}, each frame cut into bands rendered on all cores. */
    public static KenBurns of(Yuv420 source, int width, int height) { return of(source, width, height, true); }

    /**
     * A renderer that uses all cores for each frame ({@code bands}), or only the calling thread:
     * when several clips render at once the cores are busy already, and handing bands to other
     * threads only adds waiting.
     */
    public static KenBurns of(Yuv420 source, int width, int height, boolean bands) {
        return of(source, width, height, bands, VECTOR_API);
    }

    /** As {@link #of(Yuv420, int, int, boolean)}, with the Vector API's loops or the scalar ones (tests compare the two). */
    static KenBurns of(Yuv420 source, int width, int height, boolean bands, boolean vector) {
        if (width % 2 != 0 || height % 2 != 0) throw new IllegalArgumentException("frame size must be even: " + width + "x" + height);
        if (vector && !VECTOR_API) throw new IllegalStateException("this JVM has no Vector API: start it with --add-modules jdk.incubator.vector");
        return new KenBurns(source, width, height, bands, vector);
    }

    @Override
    public String toString() { return "KenBurns[" + source + " → " + width + "x" + height + (vector ? ", Vector API" : ", scalar") + "]"; }

    /** The bytes of one yuv420p frame of this renderer. */
    public int frameBytes() { return width * height * 3 / 2; }

    /** Renders the move at progress {@code t} (0…1) into {@code frame} (yuv420p, {@link #frameBytes()} long). */
    public void render(Framing.Move move, double t, byte[] frame) {
        Framing.Viewport v = move.at(t);
        int sw = source.width(), sh = source.height();
        // A pan's window is the frame's size give or take the rounding of the source to even pixels (769.6
        // for 768): drawn at exactly the frame's size, each frame is a pure sub-pixel slide, which the
        // resampling does without a lookup per pixel. Only ever smaller (so it stays inside the source), the
        // same for every frame (so the slide stays smooth), and never for a zoom, whose size changes.
        if (move instanceof Framing.Move.Pan && v.width() >= width && v.width() <= width * 1.01
                && v.height() >= height && v.height() <= height * 1.01) {
            v = new Framing.Viewport(v.x() + (v.width() - width) / 2, v.y() + (v.height() - height) / 2, width, height);
        }
        luma.taps(v.x(), v.y(), v.width(), v.height(), sw, sh);
        chroma.taps(v.x() / 2, v.y() / 2, v.width() / 2, v.height() / 2, sw / 2, sh / 2);
        int lumaSize = width * height, chromaSize = lumaSize / 4;
        int half = height / 2;
        List<Runnable> parts = List.of(
                () -> luma.resample(source.y(), sw, sh, frame, 0, 0, half, luma.scratchA),
                () -> luma.resample(source.y(), sw, sh, frame, 0, half, height, luma.scratchB),
                () -> chroma.resample(source.u(), sw / 2, sh / 2, frame, lumaSize, 0, height / 2, chroma.scratchA),
                () -> chroma.resample(source.v(), sw / 2, sh / 2, frame, lumaSize + chromaSize, 0, height / 2, chroma.scratchB));
        if (!bands) {
            parts.forEach(Runnable::run);
            return;
        }
        List<Future<?>> running = new ArrayList<>();
        for (int i = 1; i < parts.size(); i++) running.add(BANDS.submit(parts.get(i)));
        parts.getFirst().run();
        try {
            for (Future<?> f : running) f.get();
        } catch (InterruptedException e) {
            running.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("rendering a band failed", e.getCause());
        }
    }

    /** One output plane: its taps for the current frame, and scratch rows for two bands. */
    private static final class Plane {
        final int ow, oh;
        final boolean vector;
        final int[] colIndex, colWeight, rowIndex, rowWeight;
        /** When the frame's columns are the source's one to one: the first source column, and the weight of each right neighbour; else −1. */
        int slideIndex = -1, slideWeight;
        final Scratch scratchA, scratchB;

        Plane(int ow, int oh, int sourceWidth, boolean vector) {
            this.ow = ow;
            this.oh = oh;
            this.vector = vector;
            colIndex = new int[ow];
            colWeight = new int[ow];
            rowIndex = new int[oh];
            rowWeight = new int[oh];
            scratchA = new Scratch(ow, sourceWidth);
            scratchB = new Scratch(ow, sourceWidth);
        }

        void taps(double x, double y, double w, double h, int sw, int sh) {
            KenBurns.taps(x, w / ow, sw, ow, colIndex, colWeight);
            KenBurns.taps(y, h / oh, sh, oh, rowIndex, rowWeight);
            slideIndex = -1;
            if (w == ow && x >= 0) {
                int k = (int) Math.floor(x), weight = (int) Math.round((x - k) * ONE);
                if (weight == ONE) {
                    k++;
                    weight = 0;
                }
                if (k + ow < sw) {
                    slideIndex = k;
                    slideWeight = weight;
                }
            }
        }

        /** Output rows {@code from} … {@code to} of this plane from the source rectangle. */
        void resample(byte[] src, int sw, int sh, byte[] out, int offset, int from, int to, Scratch s) {
            int[] upper = s.upper, lower = s.lower;
            int upperRow = -1, lowerRow = -1;
            for (int j = from; j < to; j++) {
                int r = rowIndex[j];
                if (r != upperRow) {
                    if (r == lowerRow) {          // slid down by one source row: reuse the lower row
                        int[] tmp = upper; upper = lower; lower = tmp;
                    } else {
                        horizontal(src, r * sw, sw, upper, s);
                    }
                    upperRow = r;
                    horizontal(src, Math.min(r + 1, sh - 1) * sw, sw, lower, s);
                    lowerRow = r + 1;
                }
                int wy = rowWeight[j], wu = ONE - wy;
                int base = offset + j * ow;
                if (vector) {
                    VectorResample.blend(upper, lower, wu, wy, out, base, ow);
                    continue;
                }
                int[] row = s.row;
                // Two plain loops, not one: C2 vectorises the first (the second, narrowing to bytes, it does not), and
                // the blend narrowed to bytes in one go is 2× slower.
                for (int i = 0; i < ow; i++) row[i] = (upper[i] * wu + lower[i] * wy + 32768) >> 16;   // value × 65536, rounded
                for (int i = 0; i < ow; i++) out[base + i] = (byte) row[i];
            }
        }

        /** One source row resampled to {@code ow} values, each the true value × 256. */
        private void horizontal(byte[] src, int rowStart, int sw, int[] dst, Scratch s) {
            int[] wide = s.wide;
            if (slideIndex >= 0) {
                // One to one: the row widened to ints, then each value blended with its neighbour (C2 vectorises the blend).
                int from = rowStart + slideIndex, right = slideWeight, left = ONE - right;
                if (vector) {
                    VectorResample.widen(src, from, wide, ow + 1);
                    VectorResample.slide(wide, left, right, dst, ow);
                    return;
                }
                for (int i = 0; i <= ow; i++) wide[i] = src[from + i] & 0xFF;
                for (int i = 0; i < ow; i++) dst[i] = wide[i] * left + wide[i + 1] * right;
                return;
            }
            if (vector) {
                VectorResample.widen(src, rowStart, wide, sw);
                VectorResample.gather(wide, colIndex, colWeight, dst, ow);
                return;
            }
            int[] idx = colIndex, wt = colWeight;
            for (int i = 0; i < ow; i++) {
                int p = rowStart + idx[i];
                int a = src[p] & 0xFF, b = src[p + 1] & 0xFF;
                dst[i] = a * ONE + (b - a) * wt[i];                     // value × 256
            }
        }
    }

    private static final class Scratch {
        int[] upper, lower;
        final int[] row, wide;

        Scratch(int width, int sourceWidth) {
            upper = new int[width];
            lower = new int[width];
            row = new int[width];
            wide = new int[Math.max(width + 1, sourceWidth)];   // a slide's row and its neighbour, or a whole source row
        }
    }

    /**
     * For each output sample, the left source index and the fixed-point weight of its right
     * neighbour: output centre i+½ maps to source start + (i+½)·step − ½ (pixel centres aligned).
     */
    private static void taps(double start, double step, int sourceSize, int outSize, int[] index, int[] weight) {
        for (int i = 0; i < outSize; i++) {
            double s = start + (i + 0.5) * step - 0.5;
            if (s < 0) s = 0;
            if (s > sourceSize - 1.0001) s = sourceSize - 1.0001;
            int k = (int) s;
            index[i] = Math.min(k, sourceSize - 2);
            weight[i] = (int) Math.round((s - index[i]) * ONE);
        }
    }

    /** A picture in planar yuv420p: full-size luma, half-size chroma. */
    public record Yuv420(int width, int height, byte[] y, byte[] u, byte[] v) {
        public Yuv420 {
            if (y.length != width * height || u.length != width * height / 4 || v.length != u.length) {
                throw new IllegalArgumentException("plane sizes do not match " + width + "x" + height);
            }
        }

        /** Splits one raw yuv420p frame as ffmpeg writes it. */
        public static Yuv420 fromRaw(byte[] raw, int width, int height) {
            int l = width * height, c = l / 4;
            if (raw.length != l + 2 * c) throw new IllegalArgumentException("expected " + (l + 2 * c) + " bytes, got " + raw.length);
            return new Yuv420(width, height, java.util.Arrays.copyOfRange(raw, 0, l),
                    java.util.Arrays.copyOfRange(raw, l, l + c), java.util.Arrays.copyOfRange(raw, l + c, l + 2 * c));
        }

        /**
         * The picture carried on {@code right} pixels past its right edge and {@code bottom} past
         * its bottom edge (even numbers), for a view that passes them: its own edge mirrored, blurred
         * more the farther it lies from the edge (a box half as wide as that distance), so colours
         * carry on without a seam and nothing there looks sharp enough to be the picture.
         */
        public Yuv420 extended(int right, int bottom) {
            if (right % 2 != 0 || bottom % 2 != 0) throw new IllegalArgumentException("extend by even pixels: " + right + ", " + bottom);
            int w = width + right, h = height + bottom;
            return new Yuv420(w, h, extend(y, width, height, right, bottom), extend(u, width / 2, height / 2, right / 2, bottom / 2),
                    extend(v, width / 2, height / 2, right / 2, bottom / 2));
        }

        private static byte[] extend(byte[] plane, int pw, int ph, int right, int bottom) {
            int w = pw + right, h = ph + bottom;
            byte[] out = new byte[w * h];
            for (int j = 0; j < h; j++) {
                int sj = j < ph ? j : Math.max(0, 2 * ph - 1 - j);
                for (int i = 0; i < w; i++) out[j * w + i] = plane[sj * pw + (i < pw ? i : Math.max(0, 2 * pw - 1 - i))];
            }
            if (right == 0 && bottom == 0) return out;
            long[] sum = new long[(w + 1) * (h + 1)];   // sum[(j)(w+1) + i]: the mirrored canvas above and left of (i, j)
            for (int j = 0; j < h; j++) {
                long row = 0;
                for (int i = 0; i < w; i++) {
                    row += out[j * w + i] & 0xFF;
                    sum[(j + 1) * (w + 1) + i + 1] = sum[j * (w + 1) + i + 1] + row;
                }
            }
            byte[] blurred = out.clone();
            for (int j = 0; j < h; j++) {
                for (int i = j < ph ? pw : 0; i < w; i++) {
                    int past = Math.max(i - pw + 1, j - ph + 1), r = (past + 1) / 2;
                    int x0 = Math.max(0, i - r), x1 = Math.min(w, i + r + 1), y0 = Math.max(0, j - r), y1 = Math.min(h, j + r + 1);
                    long total = sum[y1 * (w + 1) + x1] - sum[y0 * (w + 1) + x1] - sum[y1 * (w + 1) + x0] + sum[y0 * (w + 1) + x0];
                    blurred[j * w + i] = (byte) Math.round((double) total / ((x1 - x0) * (y1 - y0)));
                }
            }
            return blurred;
        }

        /** The part of the picture under {@code r} (its corner and size rounded down to even pixels, for the chroma). */
        public Yuv420 crop(Framing.Viewport r) {
            int x = Math.max(0, (int) r.x() & ~1), y = Math.max(0, (int) r.y() & ~1);
            int w = Math.min(width - x, (int) r.width() & ~1), h = Math.min(height - y, (int) r.height() & ~1);
            byte[] cy = new byte[w * h], cu = new byte[w * h / 4], cv = new byte[w * h / 4];
            for (int j = 0; j < h; j++) System.arraycopy(this.y, (y + j) * width + x, cy, j * w, w);
            for (int j = 0; j < h / 2; j++) {
                System.arraycopy(u, (y / 2 + j) * (width / 2) + x / 2, cu, j * (w / 2), w / 2);
                System.arraycopy(v, (y / 2 + j) * (width / 2) + x / 2, cv, j * (w / 2), w / 2);
            }
            return new Yuv420(w, h, cy, cu, cv);
        }

        @Override
        public String toString() { return "Yuv420[" + width + "x" + height + "]"; }
    }
}
