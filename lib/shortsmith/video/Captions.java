package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.media.WordTiming;
import shortsmith.media.Proc;

import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Captions burned in with libass: the narration cut into chunks as a person sets them
 * ({@link CaptionChunker}: by the measured width at the type size drawn, never a lone word on a
 * line, never a line ending on a function word), large bold type with an outline (or a box) inside
 * the Shorts safe area where the look puts it, the word being spoken highlighted (karaoke), and a
 * hook shown big over the first seconds. Word times come from the TTS when it gives them, else
 * from the aligner, else are estimated ({@link shortsmith.media.WordTiming#estimate}).
 *
 * <pre>jshell> Captions.ass(WordTiming.estimate("¿Qué hora es? Las tres.", new Narration.SpeechSpan(0.1, 1.9)),
 *         Captions.Spec.of(Settings.load(), "es", null), 2.5, "¿Qué hora es?")</pre>
 */
public final class Captions {
    private Captions() {}

    /** The caption font: a bold face with every Spanish glyph, and its family name for ASS. */
    public record CaptionFont(Path file, String family) {}

    private static volatile CaptionFont font;

    /**
     * Locates a bold font that covers Spanish ({@code CAPTION_FONT} may name a file). fontconfig is
     * asked for DejaVu Sans Bold first, then any bold face with Spanish coverage.
     */
    public static CaptionFont font(String configured) {
        if (configured != null && !configured.isBlank()) return describe(Path.of(configured));
        if (font == null) {
            var r = Proc.run(List.of("fc-list", ":lang=es:style=Bold", "file"), Duration.ofSeconds(20));
            var files = r.stdout().lines().map(l -> l.replaceFirst(":\\s*$", "").trim()).filter(l -> !l.isEmpty()).sorted().toList();
            Path chosen = files.stream().filter(f -> f.endsWith("DejaVuSans-Bold.ttf")).findFirst()
                    .or(() -> files.stream().filter(f -> f.endsWith(".ttf") || f.endsWith(".otf")).findFirst())
                    .map(Path::of)
                    .orElseThrow(() -> ShortsmithException.environment(
                            "no bold font with Spanish glyphs found: install one (apt-get install fonts-dejavu-core) or set CAPTION_FONT"));
            font = describe(chosen);
        }
        return font;
    }

    private static CaptionFont describe(Path file) {
        try {
            Font f = Font.createFont(Font.TRUETYPE_FONT, file.toFile());
            AWT_FONTS.put(file, f);
            for (char c : "áéíóúñÑ¿¡ü".toCharArray()) {
                if (!f.canDisplay(c)) throw ShortsmithException.environment("the caption font " + file + " lacks '" + c + "'; choose another CAPTION_FONT");
            }
            return new CaptionFont(file, f.getFamily(Locale.ROOT));
        } catch (java.awt.FontFormatException | IOException e) {
            throw ShortsmithException.environment("cannot read the caption font " + file + ": " + e.getMessage());
        }
    }

    /**
     * Everything a clip's captions depend on besides its words: the style (karaoke, chunk, none),
     * the look ({@code CAPTION_*}, a story's own winning), the story's language (its function words
     * and its capitals), the frame size and rate, and the font.
     */
    public record Spec(Settings.CaptionStyle style, Settings.CaptionLook look, String language, Settings.Size size, int fps, CaptionFont font) {
        /** The settings' captions for a story in {@code language} with its own look {@code own} (null: none). */
        public static Spec of(Settings settings, String language, Story.Captions own) {
            return new Spec(settings.clips().captionStyle(), own == null ? settings.captions() : settings.captions().with(own.fields()), language,
                    settings.video().size(), settings.video().fps(), Captions.font(settings.clips().captionFont()));
        }

        Locale locale() { return language == null || language.isBlank() ? Locale.ROOT : Locale.forLanguageTag(language); }
    }

    /** How long the hook stays over the start of the first scene, and how long it takes to fade out at the end of that. */
    public static final double HOOK_SECONDS = 2.0, HOOK_FADE = 0.3;
    /** The hook's type size against the captions'. */
    static final double HOOK_SCALE = 1.5;

    /**
     * The geometry of captions for a frame and a look, in pixels: the type size (and the hook's),
     * the outline and shadow, the box's padding, and the safe area the text and its box stay in.
     * Shorts covers about the top 12 % with its bar, the bottom 28 % with the title and buttons and
     * the right edge with its action column: the text is centred between side margins that clear it.
     */
    record Layout(int fontSize, int hookSize, double outline, double shadow, double padX, double padY, double left, double right, double top,
                  double bottom) {
        static Layout of(Settings.Size size, Settings.CaptionLook look) {
            int h = size.height(), w = size.width();
            double base = Math.min(h * 0.048, w * 0.085);
            int fs = (int) Math.round(base * look.size()), hook = (int) Math.round(base * look.size() * HOOK_SCALE);
            double outline = look.outline().equals("none") ? 0 : Double.parseDouble(look.outline().split(" ")[1]) * w / 1080.0;
            boolean box = !look.box().equals("none");
            double shadow = box || outline == 0 ? 0 : Math.max(1, fs * 0.04);
            double side = Math.round(w * 0.11);
            return new Layout(fs, hook, outline, shadow, box ? fs * 0.3 : 0, box ? fs * 0.1 : 0, side, w - side,
                    h * Settings.CaptionLook.SAFE_TOP, h * Settings.CaptionLook.SAFE_BOTTOM);
        }

        double lineWidth() { return right - left; }

        /** What a line adds to its text's width: the outline on both sides, and the box's padding. */
        double extra() { return 2 * outline + 2 * padX; }

        /** How tall a block of {@code lines} lines at {@code fs} is: outline, shadow and box included, and a pixel for antialiasing. */
        double blockHeight(int lines, int fs) { return lines * fs + 2 * outline + shadow + 2 * padY + 1; }

        double centreX() { return (left + right) / 2; }
    }

    /** A block of text placed on the frame: its anchor tags, and the box it fills (outline and padding included). */
    record Placed(String tags, double x0, double y0, double x1, double y1) {}

    /**
     * Where a block of {@code lines} lines at {@code fs}, {@code width} wide, sits for the look's
     * position: {@code bottom} grows upward from the safe area's bottom, {@code top} downward from
     * its top, {@code middle} and fractions are centred on their height, always inside the safe area.
     */
    static Placed place(String position, Layout l, int lines, int fs, double width, int frameHeight) {
        double height = l.blockHeight(lines, fs), inset = l.outline() + l.padY();
        double top = switch (position) {
            case "bottom" -> l.bottom() - height;
            case "top" -> l.top();
            default -> (position.equals("middle") ? 0.5 : Double.parseDouble(position)) * frameHeight - height / 2;
        };
        top = Math.max(l.top(), Math.min(top, l.bottom() - height));
        double cx = l.centreX();
        String tags = String.format(Locale.ROOT, "\\an8\\pos(%.1f,%.1f)", cx, top + inset);
        return new Placed(tags, cx - width / 2, top, cx + width / 2, top + height);
    }

    /** {@code #rrggbb} as an ASS colour (&HBBGGRR&, for override tags). */
    static String assColour(String rgb) {
        return "&H" + rgb.substring(5, 7).toUpperCase(Locale.ROOT) + rgb.substring(3, 5).toUpperCase(Locale.ROOT)
                + rgb.substring(1, 3).toUpperCase(Locale.ROOT) + "&";
    }

    /** {@code #rrggbb} at {@code alpha} (00 opaque … FF clear) as a style colour (&HAABBGGRR). */
    private static String styleColour(String rgb, int alpha) {
        return String.format(Locale.ROOT, "&H%02X", alpha) + assColour(rgb).substring(2, 8);
    }

    /**
     * The ASS document of a clip's captions at the default look, 30 frames a second, with no hook
     * and no language: for JShell and the benchmark's seed command. Clips use {@link #ass(List, Spec, double, String)}.
     */
    public static String ass(List<Story.Word> words, Settings.CaptionStyle style, Settings.Size size, double duration, CaptionFont font) {
        var defaults = Settings.defaults();
        return ass(words, new Spec(style, defaults.captions(), null, size, defaults.video().fps(), font), duration, null);
    }

    /**
     * The ASS document of a clip of {@code duration} seconds: its words cut into chunks
     * ({@link CaptionChunker}), each chunk placed by the look, the spoken word highlighted in
     * karaoke style, every word lit for at least one frame; and {@code hook} (null: none) shown big
     * over the first {@link #HOOK_SECONDS}. Event times fall on frame boundaries: an event covers
     * exactly the frames libass is asked for while it lasts.
     */
    public static String ass(List<Story.Word> words, Spec spec, double duration, String hook) {
        var look = spec.look();
        var layout = Layout.of(spec.size(), look);
        Font awt = awtFont(spec.font());
        int w = spec.size().width(), h = spec.size().height();
        var out = new StringBuilder();
        out.append("[Script Info]\nScriptType: v4.00+\nPlayResX: ").append(w).append("\nPlayResY: ").append(h)
                .append("\nWrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n");
        out.append("[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
                + "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n");
        String outlineColour = look.outline().equals("none") ? "#000000" : look.outline().split(" ")[0];
        for (var style : List.of(Map.entry("Caption", look.color()), Map.entry("Hook", look.highlight()))) {
            out.append(String.format(Locale.ROOT, "Style: %s,%s,%d,%s,%s,%s,&H96000000,-1,0,0,0,100,100,0,0,1,%.1f,%.1f,8,0,0,0,1%n",
                    style.getKey(), spec.font().family(), style.getKey().equals("Hook") ? layout.hookSize() : layout.fontSize(),
                    styleColour(style.getValue(), 0), styleColour(style.getValue(), 0), styleColour(outlineColour, 0), layout.outline(), layout.shadow()));
        }
        out.append("\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n");
        boolean captions = spec.style() != Settings.CaptionStyle.NONE && words != null && !words.isEmpty();
        if (captions) learnCoverage(String.join(" ", words.stream().map(Story.Word::word).toList()), awt);
        if (hook != null && !hook.isBlank()) hook(out, hook, spec, layout, awt, duration);
        if (!captions) return out.toString();

        var timed = WordTiming.splitSharedOnsets(words);
        List<String> shown = timed.stream().map(word -> shown(word.word(), spec, awt)).toList();
        var measure = new CaptionChunker.Measure((text, fs) -> advance(text, fs, awt), layout.fontSize(), layout.lineWidth(), layout.extra(),
                look.maxWords(), spec.language());
        int fps = spec.fps(), frames = (int) Math.round(duration * fps), step = (int) Math.ceil(fps / 100.0);
        String base = assColour(look.color()), lit = assColour(look.highlight());
        for (var chunk : CaptionChunker.cut(timed, shown, measure, duration)) {
            int first = Math.min(frames, frame(chunk.start(), fps)), last = Math.min(frames, frame(chunk.end(), fps));
            if (last <= first) continue;
            int n = chunk.to() - chunk.from();
            int[] at = litFrames(timed.subList(chunk.from(), chunk.to()), fps, first, last, step);
            var lines = setLines(chunk, shown, spec, layout, awt);
            double width = 0;
            for (var line : lines) width = Math.max(width, advance(String.join(" ", line.stream().map(p -> p.shown()).toList()), chunk.fontSize(), awt));
            var placed = place(look.position(), layout, lines.size(), chunk.fontSize(), width + layout.extra(), h);
            String prefix = "{" + placed.tags() + (chunk.fontSize() != layout.fontSize() ? "\\fs" + chunk.fontSize() : "") + "}";
            if (!look.box().equals("none")) box(out, 0, time(first, fps), time(last, fps), placed, look.box(), layout, "");
            if (spec.style() == Settings.CaptionStyle.CHUNK) {
                event(out, 1, "Caption", time(first, fps), time(last, fps), prefix + text(lines, -1, base, lit));
                continue;
            }
            for (int k = 0; k < n; k++) {
                int from = at[k], to = k + 1 < n ? at[k + 1] : last;
                if (to > from) event(out, 1, "Caption", time(from, fps), time(to, fps), prefix + text(lines, chunk.from() + k, base, lit));
            }
        }
        return out.toString();
    }

    /** The frame a moment falls on (the nearest). */
    private static int frame(double seconds, int fps) { return (int) Math.round(seconds * fps); }

    /**
     * An ASS time for the start of frame {@code f}: whole centiseconds rounded down, so the event
     * holds frame {@code f} (libass is asked at the frame's whole millisecond) and not the one before.
     */
    static String time(int f, int fps) { return time(Math.floorDiv((long) f * 100, fps) / 100.0); }

    /**
     * The frame each word of a chunk is lit from: its own onset's frame, each at least {@code step}
     * frames after the one before (a word shorter than a frame still gets one), the chunk's first
     * word from the chunk's first frame, the last leaving at least {@code step} before the chunk ends.
     */
    static int[] litFrames(List<Story.Word> words, int fps, int first, int last, int step) {
        int n = words.size();
        int[] at = new int[n];
        at[0] = first;
        for (int k = 1; k < n; k++) at[k] = Math.max(frame(words.get(k).start(), fps), at[k - 1] + step);
        if (at[n - 1] + step > last) {
            at[n - 1] = last - step;
            for (int k = n - 2; k >= 1; k--) at[k] = Math.min(at[k], at[k + 1] - step);
            for (int k = 1; k < n; k++) at[k] = Math.max(at[k], first + k * step);   // fewer frames than words: the last ones share
        }
        return at;
    }

    /** One drawn word of a line: which word of the scene it is, and its text as shown and as ASS. */
    record Piece(int word, String shown, String ass) {}

    /** A chunk's lines of pieces; a single word too wide even at the smallest size is broken with a hyphen. */
    private static List<List<Piece>> setLines(CaptionChunker.Chunk chunk, List<String> shown, Spec spec, Layout layout, Font awt) {
        List<List<Piece>> lines = new ArrayList<>();
        for (int[] range : chunk.lines()) {
            List<Piece> line = new ArrayList<>();
            for (int k = range[0]; k < range[1]; k++) line.add(new Piece(k, shown.get(k), escapeShown(shown.get(k))));
            lines.add(line);
        }
        if (chunk.to() - chunk.from() == 1 && advance(shown.get(chunk.from()), chunk.fontSize(), awt) + layout.extra() > layout.lineWidth()) {
            return broken(chunk.from(), shown.get(chunk.from()), chunk.fontSize(), layout, awt);
        }
        return lines;
    }

    /** A word wider than the line at the smallest size, broken where it must be, each part but the last ending in a hyphen. */
    private static List<List<Piece>> broken(int word, String text, int fs, Layout layout, Font awt) {
        List<List<Piece>> lines = new ArrayList<>();
        var piece = new StringBuilder();
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            String next = piece + new String(Character.toChars(cp));
            if (!piece.isEmpty() && advance(next + "-", fs, awt) + layout.extra() > layout.lineWidth()) {
                lines.add(List.of(new Piece(word, piece + "-", escapeShown(piece + "-"))));
                piece.setLength(0);
                continue;
            }
            piece.appendCodePoint(cp);
            k += Character.charCount(cp);
        }
        lines.add(List.of(new Piece(word, piece.toString(), escapeShown(piece.toString()))));
        return lines;
    }

    /** The event text: lines broken with \N, the word {@code highlighted} (or none, -1) in the highlight colour. */
    private static String text(List<List<Piece>> lines, int highlighted, String base, String lit) {
        var sb = new StringBuilder();
        for (int l = 0; l < lines.size(); l++) {
            if (l > 0) sb.append("\\N");
            var line = lines.get(l);
            for (int k = 0; k < line.size(); k++) {
                var piece = line.get(k);
                if (k > 0) sb.append(' ');
                if (piece.word() == highlighted) sb.append("{\\c").append(lit).append('}').append(piece.ass()).append("{\\c").append(base).append('}');
                else sb.append(piece.ass());
            }
        }
        return sb.toString();
    }

    /** The translucent box behind a block: a rounded rectangle drawn on a layer below the text. */
    private static void box(StringBuilder out, int layer, String start, String end, Placed p, String box, Layout layout, String tags) {
        String[] parts = box.split(" ");
        int alpha = (int) Math.round(255 * (1 - Integer.parseInt(parts[1].replace("%", "")) / 100.0));
        double w = p.x1() - p.x0(), h = p.y1() - p.y0(), r = Math.min(Math.min(w, h) / 2, layout.fontSize() * 0.25);
        String shape = String.format(Locale.ROOT, "m %.1f 0 l %.1f 0 b %.1f 0 %.1f 0 %.1f %.1f l %.1f %.1f b %.1f %.1f %.1f %.1f %.1f %.1f "
                        + "l %.1f %.1f b 0 %.1f 0 %.1f 0 %.1f l 0 %.1f b 0 0 0 0 %.1f 0",
                r, w - r, w, w, w, r, w, h - r, w, h, w, h, w - r, h, r, h, h, h, h - r, r, r);
        event(out, layer, "Caption", start, end, String.format(Locale.ROOT, "{\\an7\\pos(%.1f,%.1f)\\p1\\bord0\\shad0\\c%s\\alpha&H%02X&%s}%s{\\p0}",
                p.x0(), p.y0(), assColour(parts[0]), alpha, tags, shape));
    }

    /**
     * The hook: big, in the highlight colour, over the first {@link #HOOK_SECONDS} (fading out at
     * the end), above the captions' band (below it when the captions sit at the top and there is
     * no room above), on the fewest balanced lines (at most 3) that fit at 70 % of its size or more.
     */
    private static void hook(StringBuilder out, String hook, Spec spec, Layout layout, Font awt, double duration) {
        var set = setHook(hook, spec, layout, awt);
        if (set == null) return;
        int fps = spec.fps(), end = Math.min((int) Math.round(duration * fps), frame(HOOK_SECONDS, fps));
        String fade = String.format(Locale.ROOT, "\\fad(0,%d)", Math.round(HOOK_FADE * 1000));
        if (!spec.look().box().equals("none")) box(out, 2, time(0, fps), time(end, fps), set.placed(), spec.look().box(), layout, fade);
        var text = new StringBuilder("{" + set.placed().tags() + fade + (set.fontSize() != layout.hookSize() ? "\\fs" + set.fontSize() : "") + "}");
        for (int l = 0; l < set.lines().size(); l++) {
            if (l > 0) text.append("\\N");
            text.append(String.join(" ", set.lines().get(l).stream().map(Captions::escapeShown).toList()));
        }
        event(out, 3, "Hook", time(0, fps), time(end, fps), text.toString());
    }

    /** The hook set: its lines, type size and place. */
    private record SetHook(List<List<String>> lines, int fontSize, Placed placed) {}

    /** The hook's lines, size and place (null when it has nothing drawable), or a bad-input error when it cannot fit. */
    private static SetHook setHook(String hook, Spec spec, Layout layout, Font awt) {
        learnCoverage(hook, awt);
        List<String> words = new ArrayList<>();
        for (String word : hook.strip().split("\\s+")) {
            String s = shown(word, spec, awt);
            if (!s.isEmpty()) words.add(s);
        }
        if (words.isEmpty()) return null;
        int h = spec.size().height();
        // The band the captions may take (two lines where they sit), and the room above and below it.
        var band = place(spec.look().position(), layout, 2, layout.fontSize(), 0, h);
        double gap = layout.fontSize() * 0.5, above = band.y0() - gap - layout.top(), below = layout.bottom() - band.y1() - gap;
        boolean over = above >= layout.blockHeight(1, (int) (layout.hookSize() * 0.8)) || above >= below;
        double room = over ? above : below;
        // Fewer lines first, each tried down to 70 % of the size (the third line down to 60 %), then the next line.
        for (int lines = 1; lines <= 3; lines++) {
            for (double scale = 1; scale >= (lines == 3 ? 0.6 : 0.7) - 1e-9; scale -= 0.05) {
                int fs = (int) Math.round(layout.hookSize() * scale);
                if (layout.blockHeight(lines, fs) > room) continue;
                var split = balanced(words, lines, fs, layout, awt, spec.language());
                if (split == null) continue;
                double width = 0;
                for (var line : split) width = Math.max(width, advance(String.join(" ", line), fs, awt));
                double height = layout.blockHeight(lines, fs), cx = layout.centreX();
                double top = over ? band.y0() - gap - height : band.y1() + gap;
                var placed = new Placed(String.format(Locale.ROOT, "\\an8\\pos(%.1f,%.1f)", cx, top + layout.outline() + layout.padY()),
                        cx - (width + layout.extra()) / 2, top, cx + (width + layout.extra()) / 2, top + height);
                return new SetHook(split, fs, placed);
            }
        }
        throw ShortsmithException.badInput("the hook \"" + hook.strip() + "\" is too long to show big over the first " + HOOK_SECONDS
                + " s: keep it to a few words (it must fit on 3 lines)");
    }

    /**
     * Fails (bad input, one line) when {@code story}'s hook cannot be shown big with these
     * settings, before any work is done; nothing when it can or there is none.
     */
    public static void checkHook(Story story, Settings settings) {
        if (story.hook() == null || story.hook().isBlank()) return;
        var spec = Spec.of(settings, story.language(), story.captions());
        setHook(story.hook(), spec, Layout.of(spec.size(), spec.look()), awtFont(spec.font()));
    }

    /**
     * The fewest-cost way to set {@code words} on exactly {@code lines} lines at {@code fs}, each
     * within the safe width: lines as even as the words allow, none ending on a function word nor
     * (where it can be helped) holding one word alone. Null when they do not fit.
     */
    static List<List<String>> balanced(List<String> words, int lines, int fs, Layout layout, Font awt, String language) {
        int n = words.size();
        if (lines > n) return null;
        double[] width = new double[n];
        for (int k = 0; k < n; k++) width[k] = advance(words.get(k), fs, awt);
        double space = advance(" ", fs, awt), max = layout.lineWidth() - layout.extra();
        double[][] best = new double[lines + 1][n + 1];
        int[][] from = new int[lines + 1][n + 1];
        for (double[] row : best) java.util.Arrays.fill(row, Double.MAX_VALUE);
        best[0][0] = 0;
        for (int l = 1; l <= lines; l++) {
            for (int j = 1; j <= n; j++) {
                for (int i = l - 1; i < j; i++) {
                    if (best[l - 1][i] == Double.MAX_VALUE) continue;
                    double w = 0;
                    for (int k = i; k < j; k++) w += width[k] + (k > i ? space : 0);
                    if (w > max) continue;
                    double slack = (max - w) / max, c = slack * slack;
                    if (j < n && FunctionWords.endsOnOne(words.get(j - 1), language)) c += 10;
                    if (lines > 1 && j - i == 1 && n >= 2 * lines) c += 5;
                    if (best[l - 1][i] + c < best[l][j]) {
                        best[l][j] = best[l - 1][i] + c;
                        from[l][j] = i;
                    }
                }
            }
        }
        if (best[lines][n] == Double.MAX_VALUE) return null;
        List<List<String>> out = new ArrayList<>();
        for (int l = lines, j = n; l > 0; j = from[l][j], l--) out.addFirst(words.subList(from[l][j], j));
        return out;
    }

    /** A word as drawn: in capitals when the look says so (by the story's language's rules), without the characters no font draws. */
    static String shown(String word, Spec spec, Font awt) {
        String w = spec.look().uppercase() ? word.toUpperCase(spec.locale()) : word;
        var sb = new StringBuilder();
        w.codePoints().forEach(cp -> {
            if (Character.isWhitespace(cp)) sb.append(' ');
            else if (drawable(cp, awt)) sb.appendCodePoint(cp);
        });
        return sb.toString().strip();
    }

    /** Text already stripped of what cannot be drawn, as literal ASS. */
    static String escapeShown(String text) { return escape(text, null); }

    private record Metrics(Font unit, double emPerSize) {}

    private static final Map<Font, Metrics> METRICS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.awt.font.FontRenderContext FRC = new java.awt.font.FontRenderContext(null, true, true);

    /**
     * How wide {@code text} is set at ASS size {@code fs}: the caption font's advance widths without
     * kerning, as libass lays out a line (measured against libass's own rendering: within 2 px on a
     * 900 px line). libass sizes a font so that its ascent plus descent is {@code fs}; a character
     * the caption font lacks is drawn by a fallback font and counted a full em (CJK glyphs are).
     */
    static double advance(String text, int fs, Font awt) {
        var m = METRICS.computeIfAbsent(awt, f -> {
            var unit = f.deriveFont(1f);
            var lm = unit.getLineMetrics("Ág", FRC);
            return new Metrics(unit, 1 / (lm.getAscent() + lm.getDescent()));
        });
        double em = fs * m.emPerSize(), w = 0;
        var own = new StringBuilder();
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            if (awt.canDisplay(cp)) own.appendCodePoint(cp);
            else w += em;
            k += Character.charCount(cp);
        }
        if (!own.isEmpty()) w += m.unit().getStringBounds(own.toString(), FRC).getWidth() * em;
        return w;
    }

    private static void event(StringBuilder out, int layer, String style, String start, String end, String text) {
        out.append("Dialogue: ").append(layer).append(',').append(start).append(',').append(end).append(',').append(style)
                .append(",,0,0,0,,").append(text).append('\n');
    }

    /**
     * Whether libass will draw {@code cp}: the caption font has it, or another installed font does
     * (libass falls back through fontconfig glyph by glyph). Emoji are never drawable: libass draws
     * no colour emoji fonts.
     */
    static boolean drawable(int cp, Font awt) {
        if (isEmoji(cp)) return false;
        return awt.canDisplay(cp) || installedFontHas(cp);
    }

    static boolean isEmoji(int cp) {
        return (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFE0F || cp == 0x200D || (cp >= 0x1F1E6 && cp <= 0x1F1FF);
    }

    private static final Map<Integer, Boolean> COVERED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether some installed font has {@code cp}, as fontconfig says (cached). */
    static boolean installedFontHas(int cp) {
        return COVERED.computeIfAbsent(cp, c -> {
            var r = Proc.run(List.of("fc-list", ":charset=" + Integer.toHexString(c), "family"), Duration.ofSeconds(10));
            return r.ok() && !r.stdout().isBlank();
        });
    }

    /** Asks fontconfig once for all of {@code text}'s characters the caption font lacks: one font holding them all settles it. */
    static void learnCoverage(String text, Font awt) {
        var unknown = text.codePoints().filter(cp -> !Character.isWhitespace(cp) && !awt.canDisplay(cp) && !isEmoji(cp) && !COVERED.containsKey(cp))
                .distinct().limit(400).boxed().toList();
        if (unknown.size() < 2) return;
        var hex = unknown.stream().map(Integer::toHexString).collect(java.util.stream.Collectors.joining(" "));
        var r = Proc.run(List.of("fc-list", ":charset=" + hex, "family"), Duration.ofSeconds(10));
        if (r.ok() && !r.stdout().isBlank()) unknown.forEach(cp -> COVERED.put(cp, true));
    }

    /**
     * Text as literal ASS: braces escaped ({@code \{ \}}), a word joiner after each backslash so
     * {@code \N} or {@code \h} stay text, line breaks as spaces, and characters the font cannot
     * draw (emoji) left out rather than shown as boxes.
     */
    static String escape(String word, Font awt) {
        var sb = new StringBuilder();
        word.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> sb.append("\\\u2060");
                case '{' -> sb.append("\\{");
                case '}' -> sb.append("\\}");
                case '\n', '\r', '\t' -> sb.append(' ');
                default -> {
                    if (awt == null || drawable(cp, awt)) sb.appendCodePoint(cp);
                }
            }
        });
        return sb.toString();
    }

    /**
     * The warning for {@code text}'s characters that {@code font} cannot draw (they are left out of
     * the captions), naming them and the Debian package that would cover them; null when it has all.
     */
    public static String missingGlyphs(String sceneId, String text, CaptionFont font) {
        Font awt = awtFont(font);
        learnCoverage(text, awt);
        var missing = new java.util.LinkedHashSet<Integer>();
        text.codePoints().filter(cp -> !Character.isWhitespace(cp) && !Character.isISOControl(cp) && !drawable(cp, awt)).forEach(missing::add);
        if (missing.isEmpty()) return null;
        var shown = new StringBuilder();
        missing.stream().limit(12).forEach(cp -> shown.appendCodePoint(cp).append(' '));
        String more = missing.size() > 12 ? "… (" + missing.size() + " characters)" : "";
        var letters = missing.stream().filter(cp -> !isEmoji(cp)).collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new));
        boolean emoji = letters.size() < missing.size();
        return "scene " + sceneId + ": no installed font draws " + shown.toString().strip() + more + "; they are left out of the captions"
                + (letters.isEmpty() ? "" : ": install " + packageFor(letters) + " or set CAPTION_FONT to a font that has them")
                + (emoji ? " (emoji: libass draws no colour emoji)" : "");
    }

    /** The Debian package whose fonts cover these characters. */
    static String packageFor(java.util.Set<Integer> codePoints) {
        for (int cp : codePoints) {
            var script = Character.UnicodeScript.of(cp);
            if (List.of(Character.UnicodeScript.HAN, Character.UnicodeScript.HIRAGANA, Character.UnicodeScript.KATAKANA,
                    Character.UnicodeScript.HANGUL, Character.UnicodeScript.BOPOMOFO).contains(script)) return "fonts-noto-cjk";
        }
        return "fonts-noto-core";
    }

    private static final java.util.Map<Path, Font> AWT_FONTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The font parsed once per file (for glyph coverage), not once per clip. */
    static Font awtFont(CaptionFont font) {
        return AWT_FONTS.computeIfAbsent(font.file(), f -> {
            try {
                return Font.createFont(Font.TRUETYPE_FONT, f.toFile());
            } catch (Exception e) {
                throw ShortsmithException.environment("cannot read the caption font " + f + ": " + e.getMessage());
            }
        });
    }

    static String time(double seconds) {
        long cs = Math.max(0, Math.round(seconds * 100));
        return String.format(Locale.ROOT, "%d:%02d:%02d.%02d", cs / 360000, (cs / 6000) % 60, (cs / 100) % 60, cs % 100);
    }

    /**
     * Writes the ASS file and a copy of the font into {@code dir}, for ffmpeg's {@code subtitles}
     * filter ({@code fontsdir=fonts}): the seed's command in the benchmark, and the tests that compare
     * {@link CaptionOverlay} with the filter. Clips burn captions in through {@link CaptionOverlay}.
     */
    public static void writeInto(Path dir, String ass, CaptionFont font) throws IOException {
        Files.writeString(dir.resolve("captions.ass"), ass);
        Path fonts = Files.createDirectories(dir.resolve("fonts"));
        Files.copy(font.file(), fonts.resolve(font.file().getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
