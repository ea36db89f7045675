package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.media.Narration;
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
 * Captions burned in with libass: the narration cut into short chunks, large bold type with an
 * outline inside the Shorts safe area, and (karaoke) the word being spoken highlighted. Word times
 * come from the TTS when it gives them, else from the aligner, else are estimated
 * ({@link shortsmith.media.WordTiming#estimate}).
 *
 * <pre>jshell> Captions.chunks(WordTiming.estimate("¿Qué hora es? Las tres.", new Narration.SpeechSpan(0.1, 1.9)))</pre>
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

    /** Splits narration into display words (punctuation stays attached). */
    public static List<String> words(String text) {
        return List.of(text.strip().split("\\s+"));
    }


    /** A chunk of words and when it shows: from its first word until the next chunk (or a moment after its last word). */
    record Timed(double start, double end, List<Story.Word> words) {}

    /** The chunks of a scene of {@code duration} seconds with their times, as the burned-in captions and subtitle files show them. */
    static List<Timed> timedChunks(List<Story.Word> words, double duration) {
        var chunks = chunks(words);
        List<Timed> out = new ArrayList<>();
        for (int c = 0; c < chunks.size(); c++) {
            var chunk = chunks.get(c);
            double start = chunk.getFirst().start();
            double nextStart = c + 1 < chunks.size() ? chunks.get(c + 1).getFirst().start() : duration;
            double end = Math.min(Math.min(nextStart, Math.max(chunk.getLast().end() + 0.4, start + 0.5)), duration);
            if (end > start) out.add(new Timed(start, end, chunk));
        }
        return out;
    }

    /** A silence longer than this between two words always ends a chunk: captions follow the speech. */
    static final double PAUSE = 0.25;

    /**
     * Groups words into caption chunks: up to 4 words and about 22 characters, ending early at
     * punctuation and at every pause longer than {@link #PAUSE}, so each chunk reads at a glance
     * and never hangs on screen across a silence.
     */
    public static List<List<Story.Word>> chunks(List<Story.Word> words) {
        List<List<Story.Word>> chunks = new ArrayList<>();
        List<Story.Word> current = new ArrayList<>();
        int chars = 0;
        for (Story.Word w : words) {
            boolean pause = !current.isEmpty() && w.start() - current.getLast().end() > PAUSE;
            if (!current.isEmpty() && (pause || current.size() >= 4 || chars + 1 + w.word().length() > 22)) {
                chunks.add(current);
                current = new ArrayList<>();
                chars = 0;
            }
            current.add(w);
            chars += (chars == 0 ? 0 : 1) + w.word().length();
            if (WordTiming.pauseAfter(w.word()) > 0 && current.size() >= 2) {
                chunks.add(current);
                current = new ArrayList<>();
                chars = 0;
            }
        }
        if (!current.isEmpty()) chunks.add(current);
        return chunks;
    }

    /** The geometry of captions for a frame size: type size, outline, and safe-area margins. */
    record Layout(int fontSize, double outline, double shadow, int marginSide, int marginBottom) {
        static Layout of(Settings.Size size) {
            int h = size.height(), w = size.width();
            int fs = Math.round(Math.min(h * 0.048f, w * 0.085f));
            // Shorts covers about the bottom quarter with its title and buttons, and the right edge
            // with its action column: keep the text centred above them.
            return new Layout(fs, Math.max(2, fs * 0.09), Math.max(1, fs * 0.04), Math.round(w * 0.11f), Math.round(h * 0.28f));
        }
    }

    static final String HIGHLIGHT = "&H0000E5FF&";   // amber (ASS colours are BGR)

    /** The ASS document for a scene of {@code duration} seconds. */
    public static String ass(List<Story.Word> words, Settings.CaptionStyle style, Settings.Size size, double duration, CaptionFont font) {
        var layout = Layout.of(size);
        var out = new StringBuilder();
        out.append("[Script Info]\nScriptType: v4.00+\nPlayResX: ").append(size.width()).append("\nPlayResY: ").append(size.height())
                .append("\nWrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n");
        out.append("[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
                + "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n");
        out.append(String.format(Locale.ROOT, "Style: Caption,%s,%d,&H00FFFFFF,&H00FFFFFF,&H00101010,&H96000000,-1,0,0,0,100,100,0,0,1,%.1f,%.1f,2,%d,%d,%d,1%n%n",
                font.family(), layout.fontSize(), layout.outline(), layout.shadow(), layout.marginSide(), layout.marginSide(), layout.marginBottom()));
        out.append("[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n");
        if (style == Settings.CaptionStyle.NONE || words.isEmpty()) return out.toString();
        Font awt = awtFont(font);
        learnCoverage(String.join(" ", words.stream().map(Story.Word::word).toList()), awt);
        for (var timed : timedChunks(words, duration)) {
            var chunk = timed.words();
            double start = timed.start(), end = timed.end();
            var fit = fit(chunk.stream().map(w -> escape(w.word(), awt)).toList(), layout, size, awt);
            if (style == Settings.CaptionStyle.CHUNK) {
                event(out, start, end, fit.text(-1));
                continue;
            }
            for (int i = 0; i < chunk.size(); i++) {
                double s = i == 0 ? start : chunk.get(i).start();
                double e = i + 1 < chunk.size() ? chunk.get(i + 1).start() : end;
                if (e > s) event(out, s, e, fit.text(i));
            }
        }
        return out.toString();
    }

    /** The smallest share of the type size a chunk is shrunk to before a word is broken. */
    static final double SMALLEST = 0.45;

    /**
     * A chunk set so that it fits: at most two lines, each within the safe area (the frame less the
     * side margins), at the type size or smaller (down to {@link #SMALLEST} of it); a word wider
     * than that even then is broken. {@code lines} holds each line's pieces: (word index, text).
     */
    record Fitted(List<List<Map.Entry<Integer, String>>> lines, int fontSize, int baseSize) {
        /** The event text, the word {@code highlighted} (or none, -1) in amber, lines broken with \N. */
        String text(int highlighted) {
            var sb = new StringBuilder();
            if (fontSize != baseSize) sb.append("{\\fs").append(fontSize).append('}');
            for (int l = 0; l < lines.size(); l++) {
                if (l > 0) sb.append("\\N");
                var line = lines.get(l);
                for (int k = 0; k < line.size(); k++) {
                    var piece = line.get(k);
                    boolean joined = k > 0 && line.get(k - 1).getKey().equals(piece.getKey());   // a broken word's parts
                    if (k > 0 && !joined) sb.append(' ');
                    if (piece.getKey() == highlighted) sb.append("{\\c").append(HIGHLIGHT).append('}').append(piece.getValue()).append("{\\c&H00FFFFFF&}");
                    else sb.append(piece.getValue());
                }
            }
            return sb.toString();
        }
    }

    static Fitted fit(List<String> words, Layout layout, Settings.Size size, Font awt) {
        double safe = (size.width() - 2.0 * layout.marginSide()) * 0.96;
        int base = layout.fontSize();
        for (double scale = 1; scale >= SMALLEST - 1e-9; scale -= 0.05) {
            int fs = (int) Math.round(base * scale);
            var lines = wrap(words, fs, safe, awt, false);
            if (lines != null && lines.size() <= 2) return new Fitted(lines, fs, base);
        }
        int fs = (int) Math.round(base * SMALLEST);
        return new Fitted(wrap(words, fs, safe, awt, true), fs, base);
    }

    /** Greedy lines of whole words at type size {@code fs}; null when a word alone is too wide (unless {@code breakWords}). */
    private static List<List<Map.Entry<Integer, String>>> wrap(List<String> words, int fs, double safe, Font awt, boolean breakWords) {
        List<List<Map.Entry<Integer, String>>> lines = new ArrayList<>();
        List<Map.Entry<Integer, String>> line = new ArrayList<>();
        double used = 0, space = width(" ", fs, awt);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            double ww = width(w, fs, awt);
            if (ww > safe) {
                if (!breakWords) return null;
                if (!line.isEmpty()) lines.add(line);
                line = new ArrayList<>();
                used = 0;
                var piece = new StringBuilder();
                for (int k = 0; k < w.length(); ) {
                    int cp = w.codePointAt(k);
                    String next = piece + new String(Character.toChars(cp));
                    if (!piece.isEmpty() && width(next + "-", fs, awt) > safe) {
                        lines.add(new ArrayList<>(List.of(Map.entry(i, piece + "-"))));
                        piece.setLength(0);
                        continue;
                    }
                    piece.appendCodePoint(cp);
                    k += Character.charCount(cp);
                }
                line.add(Map.entry(i, piece.toString()));
                used = width(piece.toString(), fs, awt);
                continue;
            }
            if (!line.isEmpty() && used + space + ww > safe) {
                lines.add(line);
                line = new ArrayList<>();
                used = 0;
            }
            used += (line.isEmpty() ? 0 : space) + ww;
            line.add(Map.entry(i, w));
        }
        if (!line.isEmpty()) lines.add(line);
        return lines;
    }

    /**
     * How wide {@code text} is set at ASS size {@code fs}, outline included. libass sizes a font so
     * that its ascent plus descent is {@code fs}; a character the caption font lacks is drawn by a
     * fallback font and counted a full em (CJK glyphs are).
     */
    static double width(String text, int fs, Font awt) {
        var frc = new java.awt.font.FontRenderContext(null, true, true);
        var unit = awt.deriveFont(1f);
        var lm = unit.getLineMetrics("Ág", frc);
        double em = fs / (lm.getAscent() + lm.getDescent());
        double w = 0;
        var own = new StringBuilder();
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            if (awt.canDisplay(cp)) own.appendCodePoint(cp);
            else w += em;
            k += Character.charCount(cp);
        }
        if (!own.isEmpty()) w += unit.deriveFont((float) em).getStringBounds(own.toString(), frc).getWidth();
        return w + 2 * Math.max(2, fs * 0.09);
    }

    private static void event(StringBuilder out, double start, double end, String text) {
        out.append("Dialogue: 0,").append(time(start)).append(',').append(time(end)).append(",Caption,,0,0,0,,").append(text).append('\n');
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
