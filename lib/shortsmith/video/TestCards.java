package shortsmith.video;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.Random;

/**
 * Pictures whose subject is known, for measuring framing (the benchmark's framing row and the
 * tests): a red disc on a busy, leafy texture, so contrast alone has to find it.
 */
public final class TestCards {
    private TestCards() {}

    /** The disc's radius, as a share of the picture's short side. */
    static final double RADIUS = 0.07;

    /** A {@code w × h} picture with the subject centred at ({@code cx}, {@code cy}), fractions of the picture. */
    public static BufferedImage subject(int w, int h, double cx, double cy, long seed) {
        var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var random = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int n = random.nextInt(70) - 35, stripe = ((x / 7 + y / 11) % 2) * 18;
                img.setRGB(x, y, new Color(clamp(70 + n + stripe), clamp(95 + n + stripe), clamp(60 + n)).getRGB());
            }
        }
        var g = img.createGraphics();
        g.setColor(new Color(220, 30, 40));
        int r = (int) (Math.min(w, h) * RADIUS);
        g.fillOval((int) (cx * w) - r, (int) (cy * h) - r, 2 * r, 2 * r);
        g.dispose();
        return img;
    }

    /** Where that subject truly is. */
    public static Saliency.Box subjectBox(int w, int h, double cx, double cy) {
        double r = Math.min(w, h) * RADIUS;
        return new Saliency.Box((cx * w - r) / w, (cy * h - r) / h, (cx * w + r) / w, (cy * h + r) / h);
    }

    /** Near each edge and each corner. */
    public static final double[][] PLACES = {{0.12, 0.5}, {0.88, 0.5}, {0.5, 0.1}, {0.5, 0.9}, {0.12, 0.1}, {0.88, 0.1}, {0.12, 0.9}, {0.88, 0.9}};

    private static int clamp(int v) { return Math.max(0, Math.min(255, v)); }
}
