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
                       Providers providers, YouTube youtube, CaptionLook captions, Queue queue) {

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

    /**
     * How captions look ({@code CAPTION_*}; a story's {@code "captions"} overrides them): where the
     * block sits ({@code bottom}, {@code middle}, {@code top}, or the height's fraction its centre
     * sits at, always inside the Shorts safe area), the type size as a factor of the default, the
     * text and highlight colours ({@code #rrggbb}), the outline ({@code #rrggbb WIDTH}, pixels at
     * 1080 wide; {@code none}), a translucent box behind the text ({@code none} or
     * {@code #rrggbb OPACITY%}), capitals, and the most words a chunk holds. Values are normalised,
     * so two spellings of one look give the same clip.
     */
    public record CaptionLook(String position, double size, String color, String highlight, String outline, String box, boolean uppercase,
                              int maxWords) {
        public static final int DEFAULT_MAX_WORDS = 6;
        /** The Shorts safe area, as fractions of the height: the top bar above, the title, buttons and comments below. */
        public static final double SAFE_TOP = 0.12, SAFE_BOTTOM = 0.72;

        private static final java.util.Map<String, String> NAMED = java.util.Map.ofEntries(java.util.Map.entry("white", "#ffffff"),
                java.util.Map.entry("black", "#000000"), java.util.Map.entry("yellow", "#ffe500"), java.util.Map.entry("orange", "#ff8c00"),
                java.util.Map.entry("red", "#ff3b30"), java.util.Map.entry("green", "#34c759"), java.util.Map.entry("cyan", "#00e5ff"),
                java.util.Map.entry("blue", "#0a84ff"), java.util.Map.entry("magenta", "#ff2d95"), java.util.Map.entry("pink", "#ff6fb5"),
                java.util.Map.entry("gray", "#808080"));

        /** {@code bottom}, {@code middle}, {@code top}, or a fraction of the height inside the safe area (normalised). */
        public static String position(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("bottom") || v.equals("middle") || v.equals("top")) return v;
            try {
                double f = Double.parseDouble(v.endsWith("%") ? v.substring(0, v.length() - 1) : v) / (v.endsWith("%") ? 100 : 1);
                if (f >= SAFE_TOP && f <= SAFE_BOTTOM) return String.valueOf(Math.round(f * 1000) / 1000.0);
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("allowed: bottom, middle, top, or the fraction of the height where the captions' centre sits, "
                    + "from " + SAFE_TOP + " to " + SAFE_BOTTOM + " (the Shorts safe area: the top bar above, the title and buttons below)");
        }

        /** A factor of the default type size from 0.5 to 2, or small (0.8), medium (1), large (1.25). */
        public static String size(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            switch (v) {
                case "small": return "0.8";
                case "medium": return "1.0";
                case "large": return "1.25";
                default:
            }
            try {
                double f = Double.parseDouble(v.endsWith("x") ? v.substring(0, v.length() - 1) : v);
                if (f >= 0.5 && f <= 2) return String.valueOf(f);
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("allowed: small, medium, large, or a factor of the default type size from 0.5 to 2 such as 1.2");
        }

        /** {@code #rrggbb} (the '#' may be left out: .env reads an unquoted '#' as a comment), {@code #rgb} or a name (normalised to #rrggbb). */
        public static String color(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (NAMED.containsKey(v)) return NAMED.get(v);
            if (!v.startsWith("#")) v = "#" + v;
            if (v.matches("#[0-9a-f]{3}")) v = "#" + v.charAt(1) + v.charAt(1) + v.charAt(2) + v.charAt(2) + v.charAt(3) + v.charAt(3);
            if (v.matches("#[0-9a-f]{6}")) return v;
            throw new IllegalArgumentException("allowed: a colour #rrggbb such as #ffe500 (quote it in .env, or leave the # out), or one of "
                    + String.join(", ", new java.util.TreeSet<>(NAMED.keySet())));
        }

        /** {@code none}, or a colour and a width in pixels at 1080 wide, 0–20 ({@code #101010 8}; either alone keeps the other's default). */
        public static String outline(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("none") || v.equals("0")) return "none";
            String colour = "#101010", width = "8";
            try {
                for (String part : v.split("[\\s,]+")) {
                    if (part.matches("\\d+(\\.\\d+)?(px)?")) width = part.replace("px", "");
                    else colour = color(part);
                }
                double w = Double.parseDouble(width);
                if (w >= 0 && w <= 20) return w == 0 ? "none" : colour + " " + (w == Math.rint(w) ? String.valueOf((int) w) : String.valueOf(w));
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("allowed: none, or a colour and a width in pixels (at 1080 wide) from 0 to 20, such as \"#101010 8\"");
        }

        /** {@code none}, {@code on} (black at 55 %), or a colour and its opacity ({@code #000000 60%}; 10–100 %). */
        public static String box(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("none") || v.equals("off") || v.equals("false") || v.equals("no")) return "none";
            String colour = "#000000";
            double opacity = 0.55;
            try {
                if (!(v.equals("on") || v.equals("true") || v.equals("yes"))) {
                    for (String part : v.split("[\\s,]+")) {
                        if (part.matches("\\d+(\\.\\d+)?%")) opacity = Double.parseDouble(part.substring(0, part.length() - 1)) / 100;
                        else if (part.matches("0?\\.\\d+|1(\\.0+)?")) opacity = Double.parseDouble(part);
                        else colour = color(part);
                    }
                }
                if (opacity >= 0.1 && opacity <= 1) return colour + " " + Math.round(opacity * 100) + "%";
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("allowed: none, on, or a colour and its opacity from 10% to 100%, such as \"#000000 60%\"");
        }

        /**
         * This look with a story's own values (a map of {@code position}, {@code size}, {@code color},
         * {@code highlight}, {@code outline}, {@code box}, {@code uppercase}, {@code max_words}; null
         * values keep this look's); a bad value fails naming the field and what is allowed.
         */
        public CaptionLook with(java.util.Map<String, Object> overrides) {
            if (overrides == null || overrides.isEmpty()) return this;
            String p = position, c = color, h = highlight, o = outline, b = box;
            double z = size;
            boolean u = uppercase;
            int m = maxWords;
            for (var e : overrides.entrySet()) {
                if (e.getValue() == null) continue;
                String v = String.valueOf(e.getValue());
                try {
                    switch (e.getKey()) {
                        case "position" -> p = position(v);
                        case "size" -> z = Double.parseDouble(size(v));
                        case "color" -> c = color(v);
                        case "highlight" -> h = color(v);
                        case "outline" -> o = outline(v);
                        case "box" -> b = box(v);
                        case "uppercase" -> {
                            if (!(e.getValue() instanceof Boolean flag)) throw new IllegalArgumentException("allowed: true, false");
                            u = flag;
                        }
                        case "max_words" -> {
                            if (!(e.getValue() instanceof Integer n) || n < 1 || n > 12) throw new IllegalArgumentException("allowed: a whole number from 1 to 12");
                            m = n;
                        }
                        default -> throw new IllegalArgumentException("not a caption field: the fields are position, size, color, highlight, outline, box, "
                                + "uppercase, max_words");
                    }
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("\"captions\": \"" + e.getKey() + "\": " + v + " is not valid: " + bad.getMessage());
                }
            }
            return new CaptionLook(p, z, c, h, o, b, u, m);
        }
    }

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

    /**
     * The story queue of a cluster: the PostgreSQL database every {@code worker} and {@code queue}
     * command uses ({@code QUEUE_URL}, {@code QUEUE_USER}, {@code QUEUE_PASSWORD}; blank URL = no
     * queue), this worker's name ({@code WORKER_NAME}), how often a worker says it is alive
     * ({@code WORKER_HEARTBEAT}), and how many times a story may lose its worker (killed, stopped)
     * before it fails ({@code QUEUE_MAX_ATTEMPTS}).
     */
    public record Queue(String url, String user, Secret password, String workerName, java.time.Duration heartbeat, int maxAttempts) {
        /** QUEUE_URL as it may be shown: any password in it replaced by {@code ***}. */
        public String shownUrl() { return shown(url); }

        /** {@code url} with the value of every {@code password=} parameter replaced by {@code ***}. */
        public static String shown(String url) { return url == null ? null : url.replaceAll("(?i)([?&]password=)[^&]*", "$1***"); }

        /** The default WORKER_NAME: this machine's host name and this process's id. */
        static String defaultWorkerName() {
            String host;
            try {
                host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (java.io.IOException | RuntimeException e) {
                try {
                    host = java.net.InetAddress.getLocalHost().getHostName();
                } catch (java.io.IOException | RuntimeException e2) {
                    host = "worker";
                }
            }
            if (host.isBlank()) host = "worker";
            return (host.length() > 36 ? host.substring(0, 36) : host) + "-" + ProcessHandle.current().pid();
        }
    }

    /** The values FFMPEG_PRESET, X264_PRESET and X264_TUNE accept. */
    public static final java.util.List<String> NVENC_PRESETS = java.util.List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7");
    public static final java.util.List<String> X264_PRESETS = java.util.List.of("ultrafast", "superfast", "veryfast", "faster", "fast",
            "medium", "slow", "slower", "veryslow", "placebo");
    public static final java.util.List<String> X264_TUNES = java.util.List.of("none", "film", "animation", "grain", "stillimage", "psnr",
            "ssim", "fastdecode", "zerolatency");

    /** Extra x264 options of the default profile, chosen by measurement (docs/encoding.md). */
    static final String X264_DEFAULT_PARAMS = "subme=1:me=dia:partitions=none:weightp=0:mbtree=0:aq-mode=0";

    /**
     * Publishing to YouTube ({@code publish}, {@code short --publish}): the OAuth client (a
     * {@code client_secrets.json} from the Google Cloud console, or its id and secret), a refresh
     * token for a machine without a browser, every endpoint (Google's by default, so tests and
     * proxies work), and the upload's chunk size in KiB (a multiple of 256).
     */
    public record YouTube(String clientSecrets, String clientId, Secret clientSecret, Secret refreshToken, String apiBase, String uploadBase,
                          String authUrl, String tokenUrl, int chunkKb) {}

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
            if (value.matches("#[0-9A-Fa-f]{3,8}\\b.*")) {
                throw ShortsmithException.usage(dotenvFile + " line " + (i + 1) + ": the value of " + m.group(1) + " starts with '#', which .env reads "
                        + "as a comment (the setting would silently be blank); quote it (\"" + value.strip() + "\") or leave the '#' out");
            }
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
                r.integer("X264_CRF", 14, 0, 51),
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
        var youtube = new YouTube(r.text("YOUTUBE_CLIENT_SECRETS", ""), r.text("YOUTUBE_CLIENT_ID", ""), r.secret("YOUTUBE_CLIENT_SECRET"),
                r.secret("YOUTUBE_REFRESH_TOKEN"), r.url("YOUTUBE_API_BASE", "https://www.googleapis.com/youtube/v3"),
                r.url("YOUTUBE_UPLOAD_BASE", "https://www.googleapis.com/upload/youtube/v3"),
                r.url("OAUTH_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth"), r.url("OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"),
                r.multipleOf("YOUTUBE_CHUNK_KB", 8192, 256, 256, 1 << 20));
        var captions = new CaptionLook(
                r.look("CAPTION_POSITION", "bottom", CaptionLook::position),
                Double.parseDouble(r.look("CAPTION_SIZE", "1", CaptionLook::size)),
                r.look("CAPTION_COLOR", "#ffffff", CaptionLook::color),
                r.look("CAPTION_HIGHLIGHT", "#ffe500", CaptionLook::color),
                r.look("CAPTION_OUTLINE", "#101010 8", CaptionLook::outline),
                r.look("CAPTION_BOX", "none", CaptionLook::box),
                r.bool("CAPTION_UPPERCASE", false),
                r.integer("CAPTION_MAX_WORDS", CaptionLook.DEFAULT_MAX_WORDS, 1, 12));
        var queue = new Queue(r.queueUrl("QUEUE_URL"), r.text("QUEUE_USER", ""), r.password("QUEUE_PASSWORD"), r.workerName("WORKER_NAME"),
                java.time.Duration.ofSeconds(r.integer("WORKER_HEARTBEAT", 30, 1, 3600)), r.integer("QUEUE_MAX_ATTEMPTS", 3, 1, 100));
        return new Settings(tools, video, encoding, parallelism, clips, audio, providers, youtube, captions, queue);
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

        /** A database password: any text (registered for scrubbing, never shown, not held to the rules of API keys). */
        Secret password(String name) {
            Setting s = get(name);
            return s == null ? new Secret("") : new Secret(s.value().strip());
        }

        /** A PostgreSQL JDBC URL (blank = none); a password inside it is registered for scrubbing and never shown. */
        String queueUrl(String name) {
            Setting s = get(name);
            if (s == null) return "";
            String v = s.value().strip();
            var m = java.util.regex.Pattern.compile("(?i)[?&]password=([^&]*)").matcher(v);
            while (m.find()) {
                Secrets.register(m.group(1));
                Secrets.register(java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8));
            }
            if (v.matches("jdbc:postgresql:\\S+")) return v;
            throw ShortsmithException.usage(name + "=" + Queue.shown(v) + " (" + s.source() + ") is not valid: allowed: a PostgreSQL JDBC URL"
                    + " such as jdbc:postgresql://db.example:5432/shortsmith");
        }

        /** WORKER_NAME: printable text of at most 50 characters (db-scheduler keeps 50); blank = host name and process id. */
        String workerName(String name) {
            Setting s = get(name);
            if (s == null) return Queue.defaultWorkerName();
            String v = s.value().strip();
            if (v.length() <= 50 && v.codePoints().noneMatch(Character::isISOControl)) return v;
            throw bad(s, "allowed: a name of at most 50 printable characters, such as gpu-box-1");
        }

        /** {@code blur} (the picture's own blurred, darkened copy) or a colour {@code #rrggbb}. */
        String background(String name) {
            Setting s = get(name);
            if (s == null) return "blur";
            String v = s.value().trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("blur") || v.matches("#[0-9a-f]{6}")) return v;
            throw bad(s, "allowed: blur, or a colour such as #101820");
        }

        /** A caption value read with {@code parse}, which normalises it or says what is allowed. */
        String look(String name, String fallback, java.util.function.UnaryOperator<String> parse) {
            Setting s = get(name);
            if (s == null) return parse.apply(fallback);
            try {
                return parse.apply(s.value());
            } catch (IllegalArgumentException e) {
                throw bad(s, e.getMessage());
            }
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

        /** A whole number from min to max that is a multiple of {@code step} (YouTube's upload chunks: 256 KiB). */
        int multipleOf(String name, int fallback, int step, int min, int max) {
            int v = integer(name, fallback, min, max);
            if (v % step == 0) return v;
            throw bad(values.get(name), "allowed: a multiple of " + step + " from " + min + " to " + max + " (such as " + (v / step * step == 0 ? step : v / step * step) + ")");
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
