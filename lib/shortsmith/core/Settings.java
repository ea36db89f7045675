//DEPS io.github.cdimascio:dotenv-java:3.2.0
package shortsmith.core;


import io.github.cdimascio.dotenv.Dotenv;
import io.github.cdimascio.dotenv.DotenvEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the toolkit, typed and validated. Loaded from {@code .env} (the current folder,
 * else the repository root) with environment variables winning; {@code .env.example} documents each.
 * A bad value fails with one line naming the variable, the value and what is allowed (exit code 2).
 *
 * <pre>jshell> Settings.defaults().encoding()</pre>
 */
public record Settings(Tools tools, Video video, Encoding encoding, Parallelism parallelism, Clips clips, Audio audio,
                       Providers providers) {

    /** Where ffmpeg and ffprobe are: a path, or a name looked up on PATH. */
    public record Tools(String ffmpeg, String ffprobe) {}

    /** The output picture: {@code VIDEO_SIZE} and {@code VIDEO_FPS}. */
    public record Video(Size size, int fps) {}

    /**
     * How clips are encoded. {@code cq} is NVENC's constant-quality target (0 = off: then
     * {@code bitrate} is the VBR target); the x264 fields are the CPU fallback's own.
     */
    public record Encoding(EncoderChoice encoder, String nvencPreset, int cq, String bitrate, String maxrate,
                           String bufsize, String audioBitrate, String x264Preset, String x264Tune, int x264Crf,
                           int x264Threads, String x264Params) {}

    /**
     * How much runs at once. {@code clipThreadsWhileNarrating}: the cores clip encoding may use
     * while a local narration engine runs on the same machine (0 = all of them).
     */
    public record Parallelism(boolean parallelImages, int maxParallelImages, boolean parallelVideos,
                              int maxParallelVideos, int maxParallelTts, int clipCoresWhileNarrating) {}

    /**
     * The final mix: {@code MUSIC} (a file; blank = none), its level against the narration
     * ({@code MUSIC_VOLUME}, LU), how far it dips under the voice ({@code MUSIC_DUCKING}, dB), and
     * the loudness the Short is normalised to ({@code LOUDNESS_TARGET}, LUFS; {@code TRUE_PEAK}, dBTP).
     */
    public record Audio(String music, double musicVolume, double musicDucking, double loudnessTarget, double truePeak) {}

    /** A key or token: its value never appears in a {@code toString}, a log or a message. */
    public record Secret(String value) {
        public Secret {
            Secrets.register(value);
        }

        public boolean isSet() { return value != null && !value.isBlank(); }

        @Override
        public String toString() { return isSet() ? "Secret[set]" : "Secret[none]"; }
    }

    /** Where the script, the images and the narration come from (blank base URLs = the provider's own). */
    public record Providers(Gemini gemini, Images images, Speech speech, Align align, ComfyUi comfyui, java.time.Duration deadline,
                            java.time.Duration requestTimeout, java.time.Duration retryDelay) {}

    /** {@code COMFYUI_URL} and {@code COMFYUI_API_KEY} (a bearer token for a server behind an auth proxy). */
    public record ComfyUi(String url, Secret key) {}

    /** {@code GEMINI_*}: the script writer. */
    public record Gemini(Secret key, String model, String baseUrl) {}

    /**
     * {@code IMAGE_*}: local (offline), bfl, openai, comfyui ({@code IMAGE_WORKFLOW}, optional
     * {@code IMAGE_OUTPUT_NODE}) or command ({@code IMAGE_COMMAND}); at most {@code ratePerMinute}
     * submissions a minute to a paid service.
     */
    public record Images(String provider, String baseUrl, Secret key, String model, int ratePerMinute, long seed, String workflow,
                         String outputNode, String command) {}

    /**
     * {@code TTS_*}: espeak (offline), openai, kokoro (Kokoro-FastAPI, with word times), elevenlabs
     * (with word times), replicate, comfyui ({@code TTS_WORKFLOW}) or command ({@code TTS_COMMAND}).
     */
    public record Speech(String provider, String baseUrl, Secret key, String model, String voice, double speed, String workflow,
                         String outputNode, String command) {}

    /**
     * {@code ALIGN_*}: how word times are found for narration that came without them: {@code local}
     * (espeak-ng reference and DTW, offline) or {@code openai} (an OpenAI-compatible
     * {@code /v1/audio/transcriptions}: OpenAI, faster-whisper or whisper.cpp servers).
     */
    public record Align(String provider, String baseUrl, Secret key, String model) {}

    /**
     * How scene clips look and where stages keep their files: {@code CAPTION_STYLE},
     * {@code CAPTION_FONT} (a font file; blank = located), {@code CLIP_TAIL} (seconds of picture
     * after the narration), {@code WORK_DIR} (blank = NAME.work beside the manifest).
     */
    public record Clips(CaptionStyle captionStyle, String captionFont, double tail, String workDir, Fit fit, String background) {}

    /** {@code FIT}: fill the frame (cropping around the subject), or show the picture whole over its own blurred fill. */
    public enum Fit {
        COVER, CONTAIN_BLUR;

        @Override
        public String toString() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
    }

    /** {@code CAPTION_STYLE}: the spoken word highlighted (karaoke), plain chunks, or no captions. */
    public enum CaptionStyle {
        KARAOKE, CHUNK, NONE;

        @Override
        public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code FFMPEG_ENCODER}: which encoder clips use; {@code auto} asks the NVENC probe. */
    public enum EncoderChoice {
        NVENC, X264, AUTO;

        @Override
        public String toString() { return name().toLowerCase(); }
    }

    /** A frame size such as 1080x1920 (both even, as yuv420p needs). */
    public record Size(int width, int height) {
        public Size {
            if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0) {
                throw new IllegalArgumentException("width and height must be even and at least 16, got " + width + "x" + height);
            }
        }

        public static Size parse(String text) {
            var m = java.util.regex.Pattern.compile("(\\d+)[xX](\\d+)").matcher(text.trim());
            if (!m.matches()) throw new IllegalArgumentException("expected WIDTHxHEIGHT such as 1080x1920");
            return new Size(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }

        @Override
        public String toString() { return width + "x" + height; }
    }

    /** The values FFMPEG_PRESET, X264_PRESET and X264_TUNE accept. */
    public static final java.util.List<String> NVENC_PRESETS = java.util.List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7");
    public static final java.util.List<String> X264_PRESETS = java.util.List.of("ultrafast", "superfast", "veryfast", "faster", "fast",
            "medium", "slow", "slower", "veryslow", "placebo");
    public static final java.util.List<String> X264_TUNES = java.util.List.of("none", "film", "animation", "grain", "stillimage", "psnr",
            "ssim", "fastdecode", "zerolatency");

    /** Extra x264 options of the default profile, chosen by measurement (see the README's encode figures). */
    static final String X264_DEFAULT_PARAMS = "subme=1:me=dia:partitions=none:weightp=0:mbtree=0:aq-mode=0";

    /** The settings with no {@code .env} and no environment: the documented defaults. */
    public static Settings defaults() { return of(Map.of()); }

    /** Loads {@code .env} from the current folder, else the repository root, under the environment. */
    public static Settings load() { return loadWith(Map.of()); }

    /** Like {@link #load()}, with {@code overrides} winning over both the environment and .env. */
    public static Settings loadWith(Map<String, String> overrides) {
        Path cwd = Path.of("").toAbsolutePath();
        Path dir = Files.isRegularFile(cwd.resolve(".env")) ? cwd : Home.root();
        Map<String, String> environment = new LinkedHashMap<>(System.getenv());
        environment.putAll(overrides);
        return load(dir, environment);
    }

    /** Loads {@code dir/.env} (if any) with {@code environment} winning over it. */
    public static Settings load(Path dir, Map<String, String> environment) {
        Map<String, Setting> values = new LinkedHashMap<>();
        Path dotenvFile = dir.resolve(".env");
        if (Files.isRegularFile(dotenvFile)) {
            checkQuotes(dotenvFile);
            Dotenv dotenv;
            try {
                dotenv = Dotenv.configure().directory(dir.toString()).filename(".env").load();
            } catch (RuntimeException e) {
                throw ShortsmithException.usage(dotenvFile + " cannot be read: " + e.getMessage());
            }
            for (DotenvEntry entry : dotenv.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)) {
                // dotenv-java strips double quotes but keeps single ones; a shell-style 'value' means value.
                String v = entry.getValue();
                if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.substring(1, v.length() - 1);
                values.put(entry.getKey(), new Setting(entry.getKey(), v, "in " + dotenvFile));
            }
        }
        environment.forEach((k, v) -> values.put(k, new Setting(k, v, "in the environment")));
        return from(new Reader(values));
    }

    /**
     * dotenv-java drops a line whose value opens a quote and never closes it, without a word; a
     * setting the user wrote must not vanish, so such a line is an error naming it.
     */
    static void checkQuotes(Path dotenvFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dotenvFile);
        } catch (java.io.IOException e) {
            throw ShortsmithException.usage(dotenvFile + " cannot be read: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            var m = java.util.regex.Pattern.compile("(?:export\\s+)?([A-Za-z_][A-Za-z0-9_.]*)\\s*=\\s*(.*)").matcher(line);
            if (!m.matches()) {
                throw ShortsmithException.usage(dotenvFile + " line " + (i + 1) + " is not NAME=value: write it as NAME=value or start it with #");
            }
            String value = m.group(2);
            if (value.startsWith("\"") || value.startsWith("'")) {
                char quote = value.charAt(0);
                int close = value.indexOf(quote, 1);
                while (close > 0 && value.charAt(close - 1) == '\\') close = value.indexOf(quote, close + 1);
                if (close < 0) {
                    throw ShortsmithException.usage(dotenvFile + " line " + (i + 1) + ": the value of " + m.group(1) + " opens a " + quote
                            + " and never closes it; close the quote on the same line, or remove it");
                }
            }
        }
    }

    /** Settings from plain name=value pairs (tests, JShell); unnamed ones take their defaults. */
    public static Settings of(Map<String, String> values) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        values.forEach((k, v) -> settings.put(k, new Setting(k, v, "given")));
        return from(new Reader(settings));
    }

    private static Settings from(Reader r) {
        var tools = new Tools(r.text("FFMPEG_BIN", "ffmpeg"), r.text("FFPROBE_BIN", "ffprobe"));
        var video = new Video(r.size("VIDEO_SIZE", "1080x1920"), r.integer("VIDEO_FPS", 30, 1, 120));
        var encoding = new Encoding(
                r.choice("FFMPEG_ENCODER", EncoderChoice.AUTO, EncoderChoice.class),
                r.oneOf("FFMPEG_PRESET", "p4", NVENC_PRESETS.toArray(String[]::new)),
                r.integer("FFMPEG_CQ", 23, 0, 51),
                r.bitrate("FFMPEG_BITRATE", "5M"),
                r.bitrate("FFMPEG_MAXRATE", "8M"),
                r.bitrate("FFMPEG_BUFSIZE", "10M"),
                r.bitrate("FFMPEG_AUDIO_BITRATE", "384k"),
                r.oneOf("X264_PRESET", "veryfast", X264_PRESETS.toArray(String[]::new)),
                r.oneOf("X264_TUNE", "none", X264_TUNES.toArray(String[]::new)),
                r.integer("X264_CRF", 16, 0, 51),
                r.threads("X264_THREADS"),
                r.x264Params("X264_PARAMS", X264_DEFAULT_PARAMS));
        var parallelism = new Parallelism(
                r.bool("PARALLEL_IMAGE_GENERATION", true),
                r.integer("MAX_PARALLEL_IMAGES", 8, 1, 64),
                r.bool("PARALLEL_VIDEO_ENCODING", false),
                r.integer("MAX_PARALLEL_VIDEOS", 2, 1, 16),
                r.integer("MAX_PARALLEL_TTS", 1, 1, 32),
                r.integer("CLIP_CORES_WHILE_NARRATING", 1, 0, 256));
        var clips = new Clips(
                r.choice("CAPTION_STYLE", CaptionStyle.KARAOKE, CaptionStyle.class),
                r.text("CAPTION_FONT", ""),
                r.decimal("CLIP_TAIL", 0.2, 0, 10),
                r.text("WORK_DIR", ""),
                r.choice("FIT", Fit.COVER, Fit.class),
                r.background("BACKGROUND"));
        var audio = new Audio(
                r.text("MUSIC", ""),
                r.decimal("MUSIC_VOLUME", -15, -60, 0),
                r.decimal("MUSIC_DUCKING", 10, 0, 40),
                r.decimal("LOUDNESS_TARGET", -14, -40, -5),
                r.decimal("TRUE_PEAK", -1, -9, 0));
        var providers = new Providers(
                new Gemini(r.secret("GEMINI_API_KEY"), r.text("GEMINI_MODEL", "gemini-2.5-flash"),
                        r.url("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com")),
                new Images(r.oneOf("IMAGE_PROVIDER", "local", "local", "bfl", "openai", "comfyui", "command"), r.url("IMAGE_BASE_URL", ""),
                        r.secret("IMAGE_API_KEY"), r.text("IMAGE_MODEL", ""),
                        r.integer("IMAGE_RATE_PER_MIN", 6, 1, 10_000), r.integer("IMAGE_SEED", 0, 0, Integer.MAX_VALUE),
                        r.text("IMAGE_WORKFLOW", ""), r.text("IMAGE_OUTPUT_NODE", ""), r.text("IMAGE_COMMAND", "")),
                new Speech(r.oneOf("TTS_PROVIDER", "espeak", "espeak", "openai", "kokoro", "elevenlabs", "replicate", "comfyui", "command"),
                        r.url("TTS_BASE_URL", ""),
                        r.secret("TTS_API_KEY"), r.text("TTS_MODEL", ""), r.text("TTS_VOICE", ""),
                        r.decimal("TTS_SPEED", 1.0, 0.25, 4.0), r.text("TTS_WORKFLOW", ""), r.text("TTS_OUTPUT_NODE", ""), r.text("TTS_COMMAND", "")),
                new Align(r.oneOf("ALIGN_PROVIDER", "local", "local", "openai"), r.url("ALIGN_BASE_URL", ""), r.secret("ALIGN_API_KEY"),
                        r.text("ALIGN_MODEL", "whisper-1")),
                new ComfyUi(r.url("COMFYUI_URL", "http://127.0.0.1:8188"), r.secret("COMFYUI_API_KEY")),
                java.time.Duration.ofSeconds(r.integer("PROVIDER_DEADLINE", 600, 1, 86_400)),
                java.time.Duration.ofMillis(Math.round(r.decimal("PROVIDER_TIMEOUT", 120, 0.1, 3600) * 1000)),
                java.time.Duration.ofMillis(Math.round(r.decimal("PROVIDER_RETRY_DELAY", 1, 0.01, 60) * 1000)));
        return new Settings(tools, video, encoding, parallelism, clips, audio, providers);
    }

    /** One raw value and where it came from, so an error can say where to fix it. */
    record Setting(String name, String value, String source) {}

    /** Typed reads with one-line errors; blank values mean "use the default". */
    static final class Reader {
        private final Map<String, Setting> values;

        Reader(Map<String, Setting> values) { this.values = values; }

        private Setting get(String name) {
            Setting s = values.get(name);
            return s == null || s.value().isBlank() ? null : s;
        }

        private static ShortsmithException bad(Setting s, String allowed) {
            return ShortsmithException.usage(s.name() + "=" + s.value() + " (" + s.source() + ") is not valid: " + allowed);
        }

        /** A key: registered for scrubbing at once, and checked without ever showing it. */
        Secret secret(String name) {
            Setting s = get(name);
            if (s == null) return new Secret("");
            String v = s.value().strip();
            Secrets.register(v);
            String problem = Secrets.problem(v);
            if (problem != null) {
                throw ShortsmithException.usage(name + " (" + s.source() + ") is not a valid key: " + problem
                        + "; copy the key again as plain text");
            }
            return new Secret(v);
        }

        /** {@code blur} (the picture's own blurred, darkened copy) or a colour {@code #rrggbb}. */
        String background(String name) {
            Setting s = get(name);
            if (s == null) return "blur";
            String v = s.value().trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("blur") || v.matches("#[0-9a-f]{6}")) return v;
            throw bad(s, "allowed: blur, or a colour such as #101820");
        }

        String text(String name, String fallback) {
            Setting s = get(name);
            return s == null ? fallback : s.value().trim();
        }

        int integer(String name, int fallback, int min, int max) {
            Setting s = get(name);
            if (s == null) return fallback;
            try {
                int v = Integer.parseInt(s.value().trim());
                if (v >= min && v <= max) return v;
            } catch (NumberFormatException ignored) {
                // reported below with the allowed range
            }
            throw bad(s, "allowed: a whole number from " + min + " to " + max);
        }

        double decimal(String name, double fallback, double min, double max) {
            Setting s = get(name);
            if (s == null) return fallback;
            try {
                double v = Double.parseDouble(s.value().trim());
                if (v >= min && v <= max) return v;
            } catch (NumberFormatException ignored) {
                // reported below with the allowed range
            }
            throw bad(s, "allowed: a number from " + min + " to " + max);
        }

        int threads(String name) {
            Setting s = get(name);
            if (s == null || s.value().trim().equalsIgnoreCase("auto")) return 0;
            try {
                int v = Integer.parseInt(s.value().trim());
                if (v >= 1 && v <= 256) return v;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw bad(s, "allowed: auto or a thread count from 1 to 256");
        }

        String x264Params(String name, String fallback) {
            Setting s = get(name);
            if (s == null) return fallback;
            String v = s.value().trim();
            if (v.equalsIgnoreCase("none")) return "";
            if (v.matches("[a-z0-9_-]+=[A-Za-z0-9_.,+-]+(:[a-z0-9_-]+=[A-Za-z0-9_.,+-]+)*")) return v;
            throw bad(s, "allowed: none, or key=value pairs joined by ':' such as subme=1:me=dia");
        }

        boolean bool(String name, boolean fallback) {
            Setting s = get(name);
            if (s == null) return fallback;
            return switch (s.value().trim().toLowerCase()) {
                case "true", "1", "yes", "on" -> true;
                case "false", "0", "no", "off" -> false;
                default -> throw bad(s, "allowed: true, false");
            };
        }

        String oneOf(String name, String fallback, String... allowed) {
            Setting s = get(name);
            if (s == null) return fallback;
            String v = s.value().trim().toLowerCase();
            for (String a : allowed) if (a.equals(v)) return a;
            throw bad(s, "allowed: " + String.join(", ", allowed));
        }

        <E extends Enum<E>> E choice(String name, E fallback, Class<E> type) {
            Setting s = get(name);
            if (s == null) return fallback;
            for (E e : type.getEnumConstants()) if (e.toString().equalsIgnoreCase(s.value().trim())) return e;
            var allowed = java.util.Arrays.stream(type.getEnumConstants()).map(Object::toString).toList();
            throw bad(s, "allowed: " + String.join(", ", allowed));
        }

        String bitrate(String name, String fallback) {
            Setting s = get(name);
            if (s == null) return fallback;
            String v = s.value().trim();
            if (v.matches("\\d+(\\.\\d+)?[kKmM]?")) return v;
            throw bad(s, "allowed: a bitrate such as 128k or 5M");
        }

        String url(String name, String fallback) {
            Setting s = get(name);
            if (s == null) return fallback;
            String v = s.value().trim().replaceFirst("/+$", "");
            if (v.matches("https?://[^\\s/]+(/\\S*)?")) return v;
            throw bad(s, "allowed: an http:// or https:// address such as https://api.example.com");
        }

        Size size(String name, String fallback) {
            Setting s = get(name);
            try {
                return Size.parse(s == null ? fallback : s.value());
            } catch (IllegalArgumentException e) {
                throw bad(s, e.getMessage());
            }
        }
    }
}
