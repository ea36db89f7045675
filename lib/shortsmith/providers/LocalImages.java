package shortsmith.providers;

import javax.imageio.ImageIO;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The offline image provider: a 9:16 picture drawn in Java from the scene's prompt — a sky in a
 * palette the prompt's words suggest (sea, forest, night, sunset…), a glowing sun or moon, layered
 * hills for depth, a scatter of light, and the prompt's first words as a title. Deterministic for a
 * prompt and seed, free, and never a flat placeholder, so the whole toolkit works with no keys.
 */
public record LocalImages() implements ImageProvider {

    /** Bumped when the drawing changes, so cached pictures are redrawn. */
    static final String VERSION = "1";

    public String name() { return "local"; }

    public String model() { return "java2d-v" + VERSION; }

    public boolean remote() { return false; }

    /** A sky (top, bottom), a light, and the colour of the nearest hills. */
    record Palette(String name, Color skyTop, Color skyBottom, Color light, Color land) {}

    static final List<Palette> PALETTES = List.of(
            new Palette("sunset", new Color(0x2B1B4A), new Color(0xF28C5B), new Color(0xFFD59A), new Color(0x2A1633)),
            new Palette("sea", new Color(0x0B3C5D), new Color(0x7FC8E8), new Color(0xFFF4D6), new Color(0x0A2A40)),
            new Palette("forest", new Color(0x1E3D2F), new Color(0xA8D5A2), new Color(0xFFF7C2), new Color(0x10281C)),
            new Palette("night", new Color(0x070B24), new Color(0x2E3C7A), new Color(0xE8ECFF), new Color(0x05071A)),
            new Palette("desert", new Color(0x8C4A2F), new Color(0xF6D28B), new Color(0xFFF1C9), new Color(0x5C2E1C)),
            new Palette("snow", new Color(0x5A7AA6), new Color(0xE9F1FA), new Color(0xFFFFFF), new Color(0x40577A)),
            new Palette("city", new Color(0x1A1A2E), new Color(0xE94560), new Color(0xFFE3A3), new Color(0x0F0F1C)));

    /** Words that suggest a palette, in Spanish and English. */
    static Palette paletteFor(String prompt, Random random) {
        String p = prompt.toLowerCase(Locale.ROOT);
        String[][] words = {
                {"sunset", "atardecer", "ocaso", "dusk", "fuego", "fire", "warm", "cálid"},
                {"sea", "mar", "ocean", "océano", "water", "agua", "playa", "beach", "lago", "lake", "río", "river", "sky", "cielo", "ola", "wave", "viento", "wind"},
                {"forest", "bosque", "tree", "árbol", "jungle", "selva", "garden", "jardín", "leaf", "hoja", "green", "verde"},
                {"night", "noche", "moon", "luna", "star", "estrella", "dark", "oscur", "space", "espacio"},
                {"desert", "desierto", "sand", "arena", "sun", "sol", "dry", "seco"},
                {"snow", "nieve", "ice", "hielo", "winter", "invierno", "mountain", "montaña", "cold", "frío"},
                {"city", "ciudad", "street", "calle", "neon", "neón", "light", "luz", "lights", "luces"}};
        for (int i = 0; i < words.length; i++) {
            // At the start of a word: "sol" is the sun, not the start of "sobre".
            for (String w : words[i]) if (java.util.regex.Pattern.compile("(^|[^\\p{L}])" + w).matcher(p).find()) return PALETTES.get(i);
        }
        return PALETTES.get(random.nextInt(PALETTES.size()));
    }

    public byte[] generate(Request r, Context c) {
        c.status().accept("drawing");
        BufferedImage image = draw(r.prompt(), r.width(), r.height(), r.seed());
        var out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** The picture for {@code prompt} at {@code w × h}, the same for the same prompt and seed. */
    public static BufferedImage draw(String prompt, int w, int h, long seed) {
        var random = new Random(seed * 31 + prompt.hashCode());
        Palette pal = paletteFor(prompt, random);
        var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);

        // Sky.
        g.setPaint(new GradientPaint(0, 0, pal.skyTop(), 0, h * 0.75f, pal.skyBottom()));
        g.fillRect(0, 0, w, h);

        // A glowing sun or moon, somewhere in the upper half.
        float cx = w * (0.25f + 0.5f * random.nextFloat()), cy = h * (0.22f + 0.2f * random.nextFloat()), radius = w * (0.10f + 0.06f * random.nextFloat());
        g.setPaint(new RadialGradientPaint(cx, cy, radius * 4, new float[]{0f, 0.25f, 1f},
                new Color[]{withAlpha(pal.light(), 200), withAlpha(pal.light(), 70), withAlpha(pal.light(), 0)}));
        g.fillOval((int) (cx - radius * 4), (int) (cy - radius * 4), (int) (radius * 8), (int) (radius * 8));
        g.setColor(pal.light());
        g.fillOval((int) (cx - radius), (int) (cy - radius), (int) (radius * 2), (int) (radius * 2));

        // Specks of light: stars, dust, or spray.
        for (int i = 0; i < 140; i++) {
            float x = random.nextFloat() * w, y = random.nextFloat() * h * 0.6f, s = 1 + random.nextFloat() * w / 300f;
            g.setColor(withAlpha(pal.light(), 40 + random.nextInt(120)));
            g.fill(new java.awt.geom.Ellipse2D.Float(x, y, s, s));
        }

        // Layered hills: far ones pale (air perspective), near ones dark.
        int layers = 5;
        for (int layer = 0; layer < layers; layer++) {
            float depth = (float) layer / (layers - 1);
            Color color = mix(mix(pal.skyBottom(), pal.skyTop(), 0.35f), pal.land(), 0.25f + 0.75f * depth);
            float base = h * (0.52f + 0.1f * layer), amplitude = h * (0.05f - 0.006f * layer);
            double f1 = 1.5 + random.nextDouble() * 2, f2 = 4 + random.nextDouble() * 5, p1 = random.nextDouble() * 6.28, p2 = random.nextDouble() * 6.28;
            var ridge = new Path2D.Float();
            ridge.moveTo(0, h);
            for (int x = 0; x <= w; x += Math.max(2, w / 200)) {
                double t = (double) x / w;
                double y = base - amplitude * (Math.sin(t * f1 * Math.PI + p1) + 0.35 * Math.sin(t * f2 * Math.PI + p2));
                ridge.lineTo(x, y);
            }
            ridge.lineTo(w, h);
            ridge.closePath();
            g.setPaint(new GradientPaint(0, base - amplitude, color, 0, h, mix(color, Color.BLACK, 0.35f)));
            g.fill(ridge);
        }

        // A soft vignette, as a lens would give.
        g.setPaint(new RadialGradientPaint(w / 2f, h / 2f, h * 0.75f, new float[]{0.55f, 1f},
                new Color[]{new Color(0, 0, 0, 0), new Color(0, 0, 0, 130)}));
        g.fillRect(0, 0, w, h);

        drawTitle(g, title(prompt), w, h);
        g.dispose();
        return img;
    }

    /** The prompt's first words, as a short title. */
    static String title(String prompt) {
        String[] words = prompt.strip().split("\\s+");
        var sb = new StringBuilder();
        for (String word : words) {
            if (sb.length() + word.length() > 28) break;
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(word.replaceAll("[,.;:]+$", ""));
        }
        String t = sb.isEmpty() ? prompt : sb.toString();
        return t.isEmpty() ? t : Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    private static void drawTitle(Graphics2D g, String title, int w, int h) {
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, w / 14));
        g.setFont(font);
        List<String> lines = wrap(title, g, w * 0.8);
        var fm = g.getFontMetrics();
        int y = (int) (h * 0.12);
        for (String line : lines) {
            int x = (w - fm.stringWidth(line)) / 2;
            g.setComposite(AlphaComposite.SrcOver.derive(0.55f));
            g.setColor(Color.BLACK);
            g.drawString(line, x + Math.max(1, w / 300), y + Math.max(1, w / 300));
            g.setComposite(AlphaComposite.SrcOver);
            g.setColor(new Color(255, 255, 255, 235));
            g.drawString(line, x, y);
            y += fm.getHeight();
        }
        g.setStroke(new BasicStroke(Math.max(1, w / 400f)));
        g.setColor(new Color(255, 255, 255, 120));
        g.drawLine((int) (w * 0.4), y - fm.getHeight() / 2, (int) (w * 0.6), y - fm.getHeight() / 2);
    }

    private static List<String> wrap(String text, Graphics2D g, double width) {
        List<String> lines = new ArrayList<>();
        var line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (g.getFontMetrics().stringWidth(candidate) > width && !line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        if (!line.isEmpty()) lines.add(line.toString());
        return lines;
    }

    private static Color withAlpha(Color c, int alpha) { return new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.max(0, Math.min(255, alpha))); }

    private static Color mix(Color a, Color b, float t) {
        return new Color(Math.round(a.getRed() + (b.getRed() - a.getRed()) * t), Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }
}
