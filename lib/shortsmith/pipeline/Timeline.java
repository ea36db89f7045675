package shortsmith.pipeline;

import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The timing report as a Gantt chart (PNG): one row per scene with its image, narration and clip
 * bars, and the merge at the bottom; cached work is drawn pale, failures red. People read where
 * the time went faster from this than from the JSON.
 */
public final class Timeline {
    private Timeline() {}

    static final Map<String, Color> COLORS = Map.of(
            "image", new Color(0x4C9BE8), "narration", new Color(0xF2A541), "clip", new Color(0x5BBF73),
            "merge", new Color(0x9B6FD6), "clip-retry", new Color(0x7FA08A), "soundtrack", new Color(0xC77DBA));

    public static void write(Pipeline.Report report, Path png) {
        List<String> rows = new ArrayList<>();
        for (var s : report.spans()) if (!s.scene().equals("*") && !rows.contains(s.scene())) rows.add(s.scene());
        rows.add("*");
        int left = 110, right = 30, top = 70, rowH = 34, bottom = 60;
        int width = 1100, height = top + rows.size() * rowH + bottom;
        double wall = Math.max(report.wall(), 0.001);
        double scale = (width - left - right) / wall;
        var img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(0x222222));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(report.title() + String.format(Locale.ROOT, " — %.1f s wall, efficiency %.2f (%s)",
                report.wall(), report.efficiency(), report.summary()), left, 28);
        // Legend.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int lx = left;
        for (String stage : List.of("image", "narration", "clip", "merge")) {
            g.setColor(COLORS.get(stage));
            g.fillRect(lx, 40, 14, 12);
            g.setColor(new Color(0x444444));
            g.drawString(stage, lx + 18, 51);
            lx += 100;
        }
        g.drawString("pale = cached, red = failed", lx, 51);
        // Grid: a line every few seconds.
        double step = niceStep(wall);
        for (double t = 0; t <= wall + 1e-9; t += step) {
            int x = left + (int) Math.round(t * scale);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(x, top - 6, x, height - bottom + 6);
            g.setColor(new Color(0x666666));
            g.drawString(String.format(Locale.ROOT, step < 1 ? "%.1f s" : "%.0f s", t), x - 10, height - bottom + 22);
        }
        for (int r = 0; r < rows.size(); r++) {
            String row = rows.get(r);
            int y = top + r * rowH;
            g.setColor(new Color(0x333333));
            g.drawString(row.equals("*") ? "merge" : row, 12, y + rowH / 2 + 4);
            for (var s : report.spans()) {
                if (!s.scene().equals(row)) continue;
                int lane = switch (s.stage()) {
                    case "image" -> 0;
                    case "narration" -> 1;
                    default -> 2;
                };
                int barH = (rowH - 8) / 3, by = y + 4 + lane * barH;
                if (row.equals("*")) {
                    barH = rowH - 8;
                    by = y + 4;
                }
                int x = left + (int) Math.round(s.start() * scale), w = Math.max(2, (int) Math.round(s.seconds() * scale));
                Color c = s.failed() ? new Color(0xD64545) : COLORS.getOrDefault(s.stage(), Color.GRAY);
                if (s.cached()) c = new Color((c.getRed() + 510) / 3, (c.getGreen() + 510) / 3, (c.getBlue() + 510) / 3);
                g.setColor(c);
                g.fillRect(x, by, w, barH - 1);
            }
        }
        g.setColor(new Color(0x999999));
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, height - bottom + 6, width - right, height - bottom + 6);
        g.dispose();
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            Path tmp = WorkDir.partial(png);
            ImageIO.write(img, "png", tmp.toFile());
            WorkDir.publish(tmp, png);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    static double niceStep(double wall) {
        for (double s : new double[]{0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300}) if (wall / s <= 14) return s;
        return 600;
    }
}
