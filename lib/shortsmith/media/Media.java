package shortsmith.media;

import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What ffprobe says about a media file: duration, size and streams.
 *
 * <pre>jshell> Media.probe(ffmpeg, Path.of("clip.mp4")).video()</pre>
 */
public record Media(Path file, double duration, long size, long bitRate, String formatName, List<Stream> streams,
                    java.util.Map<String, String> tags) {

    /** One stream, with the fields the toolkit compares (video and audio). */
    public record Stream(int index, String type, String codec, String profile, int width, int height, String pixFmt,
                         String frameRate, String timeBase, String sar, int sampleRate, int channels,
                         String channelLayout, double duration, long frames, String extradataHash) {

        /**
         * The parameters that must be identical for clips to be joined by stream copy. The
         * extradata (H.264's SPS and PPS) is included: two x264 clips at different CRFs have
         * the same size and profile but different PPS, and a copy-join of them decodes wrongly.
         */
        public String joinKey() {
            return type + "|" + codec + "|" + profile + "|" + width + "x" + height + "|" + pixFmt + "|" + frameRate
                    + "|" + timeBase + "|" + sar + "|" + sampleRate + "|" + channels + "|" + channelLayout + "|" + extradataHash;
        }
    }

    public Optional<Stream> video() { return streams.stream().filter(s -> s.type().equals("video")).findFirst(); }

    public Optional<Stream> audio() { return streams.stream().filter(s -> s.type().equals("audio")).findFirst(); }

    /** Probes {@code file}; a file ffprobe cannot read is a bad-input error naming it. */
    public static Media probe(Ffmpeg ffmpeg, Path file) { return probe(ffmpeg, file, List.of()); }

    /** Probes a still picture: read as one image, so a '%' in its name is just a character. */
    public static Media probePicture(Ffmpeg ffmpeg, Path file) { return probe(ffmpeg, file, List.of("-f", "image2", "-pattern_type", "none")); }

    /**
     * Probes a file the toolkit made, keeping ffprobe's answer in {@code record} with the file's
     * size and modification time: while they match, the answer is read back instead of probing
     * again (encode probes each clip as it finishes, so the merge after the last clip does not).
     */
    public static Media probeKept(Ffmpeg ffmpeg, Path file, Path record) {
        try {
            if (Files.isRegularFile(record) && Files.isRegularFile(file)) {
                JsonNode kept = Json.MAPPER.readTree(record.toFile());
                if (kept.path("size").asLong(-1) == Files.size(file)
                        && kept.path("modified").asLong(-1) == Files.getLastModifiedTime(file).toMillis()) {
                    return parse(file, kept.path("ffprobe"));
                }
            }
        } catch (Exception e) {
            // an unreadable record: probe again
        }
        String answer = ffprobe(ffmpeg, file, List.of());
        JsonNode root = tree(file, answer);
        try {
            var kept = Json.MAPPER.createObjectNode().put("size", Files.size(file)).put("modified", Files.getLastModifiedTime(file).toMillis());
            kept.set("ffprobe", root);
            WorkDir.writeAtomically(record, Json.MAPPER.writeValueAsString(kept));
        } catch (Exception e) {
            // not kept: the next merge probes again
        }
        return parse(file, root);
    }

    private static Media probe(Ffmpeg ffmpeg, Path file, List<String> inputOptions) {
        return parse(file, tree(file, ffprobe(ffmpeg, file, inputOptions)));
    }

    private static String ffprobe(Ffmpeg ffmpeg, Path file, List<String> inputOptions) {
        if (!Files.isRegularFile(file)) throw ShortsmithException.badInput(file + " does not exist");
        var cmd = new ArrayList<>(List.of(ffmpeg.ffprobe().toString(), "-v", "error", "-print_format", "json", "-show_format",
                "-show_streams", "-show_data_hash", "sha256"));
        cmd.addAll(inputOptions);
        cmd.add("file:" + file.toAbsolutePath());
        var r = Proc.run(cmd, Duration.ofSeconds(60));
        if (!r.ok()) throw ShortsmithException.badInput(file + " cannot be read as media: " + firstLine(r.stderr()));
        return r.stdout();
    }

    private static JsonNode tree(Path file, String answer) {
        try {
            return Json.MAPPER.readTree(answer);
        } catch (Exception e) {
            throw ShortsmithException.badInput(file + ": ffprobe gave no usable answer");
        }
    }

    private static Media parse(Path file, JsonNode root) {
        JsonNode format = root.path("format");
        List<Stream> streams = new ArrayList<>();
        for (JsonNode s : root.path("streams")) {
            streams.add(new Stream(s.path("index").asInt(), s.path("codec_type").asText(""), s.path("codec_name").asText(""),
                    s.path("profile").asText(""), s.path("width").asInt(), s.path("height").asInt(), s.path("pix_fmt").asText(""),
                    s.path("r_frame_rate").asText(""), s.path("time_base").asText(""), s.path("sample_aspect_ratio").asText("1:1"),
                    s.path("sample_rate").asInt(), s.path("channels").asInt(), s.path("channel_layout").asText(""),
                    s.path("duration").asDouble(Double.NaN), s.path("nb_frames").asLong(-1), s.path("extradata_hash").asText("")));
        }
        var tags = new java.util.LinkedHashMap<String, String>();
        format.path("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
        return new Media(file, format.path("duration").asDouble(Double.NaN), format.path("size").asLong(),
                format.path("bit_rate").asLong(), format.path("format_name").asText(""), List.copyOf(streams),
                java.util.Collections.unmodifiableMap(tags));
    }

    /** The first line of a tool's error output, without ffmpeg's "file:/path:" prefix. */
    public static String firstLine(String text) {
        return text.strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("unknown error")
                .replaceFirst("^file:/[^:]*:\\s*", "");
    }
}
