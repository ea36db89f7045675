package shortsmith.video;

import shortsmith.concurrency.Parallel;
import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether NVENC can really encode here. {@code ffmpeg -encoders} only shows that the build can load
 * NVENC; the driver libraries are loaded at run time. So the probe is a tiny real encode with the
 * same options the NVENC profile uses, and its failure is classified.
 *
 * <pre>jshell> NvencProbe.detect(Settings.load(), false).decision()</pre>
 */
public final class NvencProbe {
    private NvencProbe() {}

    /** Why an encoder can or cannot be used; the JSON names are the hyphenated ones. */
    public enum Reason {
        OK, NOT_IN_BUILD, DRIVER_LIBRARY_MISSING, NO_CAPABLE_DEVICE, SESSION_LIMIT_OR_MEMORY,
        UNSUPPORTED_DEVICE, DRIVER_TOO_OLD, TIMEOUT, OTHER;

        @JsonValue
        public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

        @Override
        public String toString() { return id(); }
    }

    public record FfmpegInfo(String path, String version) {}

    /** One encoder: listed by the build, usable for real, why, and ffmpeg's own line about it. */
    public record EncoderStatus(boolean listed, boolean available, Reason reason, String message) {}

    /** What nvidia-smi says about the first GPU. */
    public record Gpu(String name, long memoryMiB, String driver, int encoderSessions) {}

    /** The encoder {@code FFMPEG_ENCODER=auto} (or a forced choice) leads to, and why. */
    public record Decision(String encoder, String why) {}

    /** How many simultaneous probe encodes succeeded (--sessions N). */
    public record Sessions(int tried, int succeeded, String firstFailure) {}

    /** The whole report; its JSON shape is documented in docs/commands.md. */
    public record Report(FfmpegInfo ffmpeg, Map<String, EncoderStatus> encoders, Gpu gpu, Decision decision,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Sessions sessions) {
        public boolean nvencAvailable() { return encoders.get("h264_nvenc").available(); }

        public Report withSessions(Sessions s) { return new Report(ffmpeg, encoders, gpu, decision, s); }

        /** The report for people: one line per fact. */
        public String toText() {
            var out = new StringBuilder();
            out.append(String.format("%-11s %s (version %s)%n", "ffmpeg", ffmpeg.path(), ffmpeg.version()));
            encoders.forEach((name, s) -> out.append(String.format("%-11s listed by the build: %s; real encode: %s%n",
                    name, s.listed() ? "yes" : "no",
                    s.available() ? "works" : "fails — " + s.reason() + " (" + s.message() + ")")));
            out.append(String.format("%-11s %s%n", "gpu", gpu == null ? "none found (no working nvidia-smi)"
                    : gpu.name() + ", " + gpu.memoryMiB() + " MiB, driver " + gpu.driver() + ", "
                    + gpu.encoderSessions() + " encoder session(s) in use"));
            if (sessions != null) {
                out.append(String.format("%-11s %d of %d simultaneous encodes succeeded%s%n", "sessions",
                        sessions.succeeded(), sessions.tried(),
                        sessions.firstFailure() == null ? "" : " (first failure: " + sessions.firstFailure() + ")"));
            }
            out.append(String.format("%-11s %s — %s", "decision", decision.encoder(), decision.why()));
            return out.toString();
        }
    }

    static final List<String> ENCODERS = List.of("h264_nvenc", "hevc_nvenc");
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);

    /** The report, from the cache unless {@code fresh} or the ffmpeg binary, version or driver changed. */
    public static Report detect(Settings settings, boolean fresh) {
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        String version = ffmpeg.version();
        Gpu gpu = gpu();
        String key = cacheKey(ffmpeg, version, gpu);
        Path cacheFile = Home.cache().resolve("nvenc-probe.json");
        Map<String, Map<String, EncoderStatus>> cache = readCache(cacheFile, new TypeReference<>() {});
        Map<String, EncoderStatus> encoders = fresh ? null : cache.get(key);
        if (encoders == null) {
            encoders = probeAll(ffmpeg, EncoderProfile.nvenc(settings));
            cache.put(key, encoders);
            writeCache(cacheFile, cache);
        }
        var info = new FfmpegInfo(ffmpeg.ffmpeg().toString(), version);
        return new Report(info, encoders, gpu, decide(settings.encoding().encoder(), encoders.get("h264_nvenc")), null);
    }

    /** A probe result holds for one ffmpeg binary and version with one driver version. */
    static String cacheKey(Ffmpeg ffmpeg, String version, Gpu gpu) {
        return ffmpeg.ffmpeg() + "|" + version + "|" + (gpu == null ? driverVersion() : gpu.driver());
    }

    /** Probes both NVENC encoders (listed ones only) with the profile's options. */
    static Map<String, EncoderStatus> probeAll(Ffmpeg ffmpeg, EncoderProfile.Nvenc profile) {
        var listing = Proc.run(ffmpeg.command("-encoders"), Duration.ofSeconds(20));
        Map<String, EncoderStatus> result = new LinkedHashMap<>();
        for (String encoder : ENCODERS) {
            boolean listed = listing.stdout().lines().anyMatch(l -> l.matches("\\s*\\S+\\s+" + encoder + "\\s.*"));
            result.put(encoder, listed ? probe(ffmpeg, profile.withCodec(encoder), 5)
                    : new EncoderStatus(false, false, Reason.NOT_IN_BUILD, encoder + " is not in this ffmpeg build"));
        }
        return result;
    }

    /** One real encode of {@code frames} frames at 256×256 (NVENC's minimum size class) with the profile. */
    public static EncoderStatus probe(Ffmpeg ffmpeg, EncoderProfile.Nvenc profile, int frames) {
        var cmd = ffmpeg.command("-f", "lavfi", "-i", "color=c=gray:s=256x256:r=30", "-frames:v", String.valueOf(frames));
        cmd.addAll(profile.videoArgs(30));
        cmd.addAll(List.of("-f", "null", "-"));
        var r = Proc.run(cmd, PROBE_TIMEOUT);
        if (r.timedOut()) {
            return new EncoderStatus(true, false, Reason.TIMEOUT, "no answer within " + PROBE_TIMEOUT.toSeconds() + " s");
        }
        if (r.ok()) return new EncoderStatus(true, true, Reason.OK, "probe encode succeeded");
        var classified = classify(r.stderr());
        return new EncoderStatus(true, false, classified.reason(), classified.message());
    }

    /** A reason and the ffmpeg line that shows it. */
    record Classified(Reason reason, String message) {}

    private static final List<Map.Entry<String, Reason>> PATTERNS = List.of(
            Map.entry("cannot load libcuda", Reason.DRIVER_LIBRARY_MISSING),
            Map.entry("cannot load libnvidia-encode", Reason.DRIVER_LIBRARY_MISSING),
            Map.entry("could not dynamically load cuda", Reason.DRIVER_LIBRARY_MISSING),
            Map.entry("no capable devices found", Reason.NO_CAPABLE_DEVICE),
            Map.entry("no nvenc capable devices found", Reason.NO_CAPABLE_DEVICE),
            Map.entry("out of memory (10)", Reason.SESSION_LIMIT_OR_MEMORY),
            Map.entry("incompatible client key", Reason.SESSION_LIMIT_OR_MEMORY),
            Map.entry("unsupported device (2)", Reason.UNSUPPORTED_DEVICE),
            Map.entry("driver does not support the required nvenc api version", Reason.DRIVER_TOO_OLD),
            Map.entry("minimum required nvidia driver", Reason.DRIVER_TOO_OLD),
            Map.entry("unknown encoder", Reason.NOT_IN_BUILD));

    /** Reads ffmpeg's stderr for the known NVENC failures (see DESIGN.md). */
    static Classified classify(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (var pattern : PATTERNS) {
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).contains(pattern.getKey())) {
                    return new Classified(pattern.getValue(), withoutContext(line));
                }
            }
        }
        String last = lines.isEmpty() ? "ffmpeg failed without a message" : withoutContext(lines.getLast());
        return new Classified(Reason.OTHER, last);
    }

    /** "[h264_nvenc @ 0x5587…] Cannot load libcuda.so.1" → "Cannot load libcuda.so.1". */
    private static String withoutContext(String line) {
        return line.replaceFirst("^\\[[^]]*@ 0x[0-9a-f]+]\\s*", "");
    }

    static Decision decide(Settings.EncoderChoice choice, EncoderStatus h264) {
        return switch (choice) {
            case X264 -> new Decision("x264", "FFMPEG_ENCODER=x264");
            case NVENC -> h264.available()
                    ? new Decision("nvenc", "FFMPEG_ENCODER=nvenc and the probe encode succeeded")
                    : new Decision("nvenc", "FFMPEG_ENCODER=nvenc, but the probe failed (" + h264.reason() + ": "
                    + h264.message() + "); encoding will fail — set FFMPEG_ENCODER=auto or x264");
            case AUTO -> h264.available()
                    ? new Decision("nvenc", "auto: a real h264_nvenc encode succeeded")
                    : new Decision("x264", "auto: " + (h264.listed()
                    ? "h264_nvenc is listed by ffmpeg but a real encode failed (" + h264.reason() + ": " + h264.message() + ")"
                    : "h264_nvenc is not in this ffmpeg build"));
        };
    }

    /** Runs {@code n} probe encodes at once (long enough to overlap) and counts those that succeed. */
    public static Sessions sessions(Settings settings, int n) throws InterruptedException {
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        var profile = EncoderProfile.nvenc(settings);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(i);
        var results = Parallel.map(ids, n, i -> probe(ffmpeg, profile, 150));
        int ok = (int) results.stream().filter(EncoderStatus::available).count();
        String firstFailure = results.stream().filter(s -> !s.available()).findFirst()
                .map(s -> s.reason() + ": " + s.message()).orElse(null);
        var found = new Sessions(n, ok, firstFailure);
        // Remembered per binary, version and driver, so encode never runs more NVENC clips than this.
        if (ok < n && ok > 0) {
            Path file = Home.cache().resolve("nvenc-sessions.json");
            Map<String, Integer> caps = readCache(file, new TypeReference<Map<String, Integer>>() {});
            caps.put(cacheKey(ffmpeg, ffmpeg.version(), gpu()), ok);
            writeCache(file, caps);
        }
        return found;
    }

    /** The session cap found by {@code detect-nvenc --sessions N} on this binary and driver, if any. */
    public static java.util.OptionalInt sessionCap(Settings settings) {
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        Integer cap = readCache(Home.cache().resolve("nvenc-sessions.json"), new TypeReference<Map<String, Integer>>() {})
                .get(cacheKey(ffmpeg, ffmpeg.version(), gpu()));
        return cap == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(cap);
    }

    /** nvidia-smi's view of GPU 0, or null when there is no nvidia-smi or it fails. */
    static Gpu gpu() {
        Path smi;
        try {
            smi = Ffmpeg.find("NVIDIA_SMI", "nvidia-smi");
        } catch (ShortsmithException e) {
            return null;
        }
        var r = Proc.run(List.of(smi.toString(), "--query-gpu=name,memory.total,driver_version,encoder.stats.sessionCount",
                "--format=csv,noheader,nounits"), Duration.ofSeconds(10));
        if (!r.ok()) return null;
        return parseGpu(r.stdout());
    }

    static Gpu parseGpu(String csv) {
        String first = csv.lines().findFirst().orElse("");
        String[] f = first.split(",\\s*");
        if (f.length < 4) return null;
        try {
            return new Gpu(f[0].trim(), Long.parseLong(f[1].trim()), f[2].trim(), Integer.parseInt(f[3].trim()));
        } catch (NumberFormatException e) {
            return new Gpu(f[0].trim(), -1, f[2].trim(), -1);
        }
    }

    /** The kernel driver's version without running nvidia-smi, or "none". */
    static String driverVersion() {
        try {
            String text = Files.readString(Path.of("/proc/driver/nvidia/version"));
            var m = java.util.regex.Pattern.compile("Kernel Module\\s+(\\S+)").matcher(text);
            return m.find() ? m.group(1) : "unknown";
        } catch (IOException e) {
            return "none";
        }
    }

    private static <V> Map<String, V> readCache(Path file, TypeReference<Map<String, V>> type) {
        try {
            if (Files.isRegularFile(file)) return new HashMap<>(Json.MAPPER.readValue(file.toFile(), type));
        } catch (IOException e) {
            // A damaged cache is only a cache: probe again.
        }
        return new HashMap<>();
    }

    private static void writeCache(Path file, Map<String, ?> cache) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "nvenc-probe", ".tmp");
            Files.writeString(tmp, Json.write(cache));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Not fatal: the next run probes again.
        }
    }
}
