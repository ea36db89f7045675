package shortsmith.media;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An MP4's own boxes, read in Java: the order of {@code moov} and {@code mdat} (faststart), the
 * movie's duration ({@code mvhd}), and per track its media clock and duration ({@code mdhd}), its
 * handler, its edit list ({@code edts/elst}), and the sample table ({@code stts}, {@code ctts},
 * {@code stss}, {@code stsz}): when each sample is decoded and shown, which are keyframes, how many
 * bytes. From these: where a track starts, the longest run of B-frames, the longest keyframe
 * interval, whether every GOP is closed, the bitrate. Every size and count in the file is untrusted:
 * a box must fit in its parent, a table in its box, and {@code moov} is read only up to
 * {@link #MAX_MOOV} bytes.
 *
 * <p>Also how shortsmith writes its MP4s so that none of this needs an edit list
 * ({@link #MUX_ARGS}, {@link #AAC_PRIMING}).
 *
 * <pre>jshell> Mp4Boxes.read(Path.of("short.mp4")).tracks()</pre>
 */
public final class Mp4Boxes {
    private Mp4Boxes() {}

    /**
     * ffmpeg's muxer options for every MP4 shortsmith writes: the moov atom first, and no edit
     * lists. B-frames are then placed with negative composition offsets ({@code ctts} version 1)
     * so the first frame is shown at 0 (YouTube asks for no edit lists; an empty edit made a plain
     * re-encode duplicate the first frame).
     */
    public static final List<String> MUX_ARGS = List.of("-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0");

    /**
     * Samples of silence ffmpeg's AAC encoder puts before the audio. Without an edit list to skip
     * them a decoder plays them, so shortsmith drops that many samples from the start of what it
     * encodes: the audio then lines up with the picture to the sample.
     */
    public static final int AAC_PRIMING = 1024;

    /** The most of a {@code moov} box read (a 3-minute Short's is well under 1 MB). */
    public static final int MAX_MOOV = 64 << 20;

    /** What the file holds; {@code topLevel} is the order of its top-level boxes. */
    public record Movie(long timescale, long duration, List<Track> tracks, List<String> topLevel) {
        /** The movie's duration as its header states it, seconds. */
        public double seconds() { return timescale == 0 ? Double.NaN : (double) duration / timescale; }

        /** Whether {@code moov} comes before {@code mdat}, so a player can start before the whole file arrives. */
        public boolean moovFirst() {
            int moov = topLevel.indexOf("moov"), mdat = topLevel.indexOf("mdat");
            return moov >= 0 && (mdat < 0 || moov < mdat);
        }

        public List<Track> of(String handler) { return tracks.stream().filter(t -> t.handler().equals(handler)).toList(); }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Movie[%.3f s, %s, %s]", seconds(), moovFirst() ? "moov first" : "moov after mdat", tracks);
        }
    }

    /**
     * What the first sample description says. Video: width and height, and from {@code avcC} the
     * H.264 profile (66 Baseline, 77 Main, 100 High…) and level, 0 when absent. Audio: channels
     * and sample rate, and from {@code esds} the MPEG-4 audio object type (2 = AAC-LC) and the
     * declared peak and average bitrates (bits a second), 0 when absent.
     */
    public record SampleEntry(String codec, int width, int height, int avcProfile, int avcLevel, int channels, int sampleRate,
                              int audioObjectType, long maxBitrate, long avgBitrate) {
        static final SampleEntry NONE = new SampleEntry("", 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** The H.264 profile's name. */
        public String avcProfileName() {
            return switch (avcProfile) {
                case 66 -> "Baseline";
                case 77 -> "Main";
                case 88 -> "Extended";
                case 100 -> "High";
                case 110 -> "High 10";
                case 122 -> "High 4:2:2";
                case 244 -> "High 4:4:4";
                case 0 -> "unknown";
                default -> "profile " + avcProfile;
            };
        }
    }

    /** One entry of an edit list: {@code mediaTime} −1 is an empty edit (nothing shown for {@code segmentDuration}). */
    public record Edit(long segmentDuration, long mediaTime, double rate) {}

    /**
     * One track: {@code handler} vide or soun, its clock ({@code timescale}) and duration in it,
     * its edit list (empty when none), and per sample in decode order the decode time, the
     * composition (display) time and whether it is a keyframe, with the total of its sizes.
     */
    public record Track(int id, String handler, SampleEntry entry, long timescale, long duration, List<Edit> edits, long[] decodeTimes,
                        long[] compositionTimes, boolean[] sync, long bytes) {

        /** The sample entry's four-character code: avc1, hvc1, mp4a… */
        public String codec() { return entry.codec(); }

        public int samples() { return decodeTimes.length; }

        /** The track's duration on its own clock, seconds. */
        public double seconds() { return timescale == 0 ? Double.NaN : (double) duration / timescale; }

        /** Whether the track has an edit list box. */
        public boolean hasEditList() { return !edits.isEmpty(); }

        /** The time of the empty edits before the media starts, seconds on the movie's clock {@code movieTimescale}. */
        public double emptyEditSeconds(long movieTimescale) {
            long empty = 0;
            for (Edit e : edits) {
                if (e.mediaTime() != -1) break;
                empty += e.segmentDuration();
            }
            return movieTimescale == 0 ? 0 : (double) empty / movieTimescale;
        }

        /**
         * When the track's first sample is shown, seconds: its earliest composition time, less
         * the media time the first edit starts at, plus the empty edits before it.
         */
        public double start(long movieTimescale) {
            if (samples() == 0 || timescale == 0) return 0;
            long first = Arrays.stream(compositionTimes).min().orElse(0);
            long mediaTime = edits.stream().filter(e -> e.mediaTime() != -1).mapToLong(Edit::mediaTime).findFirst().orElse(0);
            return emptyEditSeconds(movieTimescale) + (double) (first - mediaTime) / timescale;
        }

        /**
         * The longest run of consecutive B-frames: samples shown before one decoded earlier (their
         * composition time is below the latest seen so far), counted in decode order.
         */
        public int longestBRun() {
            int longest = 0, run = 0;
            long latest = Long.MIN_VALUE;
            for (long c : compositionTimes) {
                if (c < latest) {
                    run++;
                    longest = Math.max(longest, run);
                } else {
                    run = 0;
                    latest = c;
                }
            }
            return longest;
        }

        /** The longest time between keyframes (and from the last one to the end), seconds; 0 for an all-intra track. */
        public double longestKeyframeInterval() {
            if (samples() == 0) return 0;
            long[] shown = compositionTimes.clone();
            List<Long> keys = new ArrayList<>();
            for (int i = 0; i < shown.length; i++) if (sync[i]) keys.add(shown[i]);
            if (keys.size() == shown.length) return 0;
            if (keys.isEmpty()) return seconds();
            keys.sort(null);
            long longest = 0, end = Arrays.stream(shown).max().orElse(0) + (samples() > 1 ? (decodeTimes[samples() - 1] - decodeTimes[samples() - 2]) : 0);
            for (int i = 0; i < keys.size(); i++) longest = Math.max(longest, (i + 1 < keys.size() ? keys.get(i + 1) : end) - keys.get(i));
            longest = Math.max(longest, keys.getFirst() - Arrays.stream(shown).min().orElse(0));
            return (double) longest / timescale;
        }

        /**
         * Keyframes after which a later-decoded sample is shown before them: leading pictures of an
         * open GOP, which reference the GOP before. Empty when every GOP is closed.
         */
        public List<Integer> openGops() {
            List<Integer> open = new ArrayList<>();
            long minAfter = Long.MAX_VALUE;
            // Walk backwards keeping the earliest composition time seen after each sample.
            for (int i = samples() - 1; i >= 0; i--) {
                if (sync[i] && minAfter < compositionTimes[i]) open.addFirst(i);
                minAfter = Math.min(minAfter, compositionTimes[i]);
            }
            return open;
        }

        /** Average bitrate of the samples over the track's duration, bits a second. */
        public double bitRate() { return seconds() > 0 ? bytes * 8 / seconds() : 0; }

        /** The frame (or audio frame) rate from the median decode step; 0 when unknown. */
        public double sampleRate() {
            if (samples() < 2) return 0;
            long[] steps = new long[samples() - 1];
            for (int i = 1; i < samples(); i++) steps[i - 1] = decodeTimes[i] - decodeTimes[i - 1];
            Arrays.sort(steps);
            long median = steps[steps.length / 2];
            return median <= 0 ? 0 : (double) timescale / median;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Track[%d %s %s, %d samples, %.3f s, %s]", id, handler, codec(), samples(), seconds(),
                    edits.isEmpty() ? "no edit list" : "edits " + edits);
        }
    }

    /** The file isn't an MP4 this reader can follow; the message says where. */
    public static final class Malformed extends IOException {
        Malformed(String message) { super(message); }
    }

    /** Reads {@code file}'s top-level boxes and its {@code moov}. */
    public static Movie read(Path file) throws IOException {
        List<String> topLevel = new ArrayList<>();
        ByteBuffer moov = null;
        try (var f = new RandomAccessFile(file.toFile(), "r")) {
            long pos = 0, length = f.length();
            while (pos + 8 <= length && topLevel.size() < 10_000) {
                f.seek(pos);
                long size = f.readInt() & 0xFFFFFFFFL;
                byte[] type = new byte[4];
                f.readFully(type);
                String name = new String(type, StandardCharsets.ISO_8859_1);
                int header = 8;
                if (size == 1) {
                    if (pos + 16 > length) throw new Malformed(name + " box at " + pos + " is cut short");
                    size = f.readLong();
                    header = 16;
                } else if (size == 0) {
                    size = length - pos;
                }
                if (size < header || size > length - pos) throw new Malformed(name + " box at " + pos + " claims " + size + " bytes; the file has " + (length - pos) + " from there");
                topLevel.add(name);
                if (name.equals("moov")) {
                    if (moov != null) throw new Malformed("two moov boxes");
                    if (size - header > MAX_MOOV) throw new Malformed("moov box of " + size + " bytes: more than " + MAX_MOOV + " is not read");
                    byte[] body = new byte[(int) (size - header)];
                    f.readFully(body);
                    moov = ByteBuffer.wrap(body);
                }
                pos += size;
            }
        }
        if (moov == null) throw new Malformed("no moov box: not an MP4 (or a fragmented one)");
        return parseMoov(moov, topLevel);
    }

    private static Movie parseMoov(ByteBuffer moov, List<String> topLevel) throws Malformed {
        long timescale = 0, duration = 0;
        List<Track> tracks = new ArrayList<>();
        for (Box b : children(moov)) {
            switch (b.type) {
                case "mvhd" -> {
                    long[] clock = clock(b.body, "mvhd");
                    timescale = clock[0];
                    duration = clock[1];
                }
                case "trak" -> tracks.add(parseTrak(b.body));
                default -> { }
            }
        }
        return new Movie(timescale, duration, List.copyOf(tracks), List.copyOf(topLevel));
    }

    private static Track parseTrak(ByteBuffer trak) throws Malformed {
        int id = 0;
        List<Edit> edits = new ArrayList<>();
        String handler = "";
        SampleEntry entry = SampleEntry.NONE;
        long timescale = 0, duration = 0, bytes = 0;
        long[] sttsCounts = {}, sttsDeltas = {}, cttsCounts = {}, cttsOffsets = {};
        long[] syncSamples = null;
        long sampleCount = -1;
        for (Box b : children(trak)) {
            switch (b.type) {
                case "tkhd" -> {
                    var d = b.body;
                    int version = need(d, 4, "tkhd").get() & 0xFF;
                    d.position(d.position() + 3 + (version == 1 ? 16 : 8));
                    id = need(d, 4, "tkhd").getInt();
                }
                case "edts" -> {
                    for (Box e : children(b.body)) {
                        if (!e.type.equals("elst")) continue;
                        var d = e.body;
                        int version = need(d, 8, "elst").get() & 0xFF;
                        d.position(d.position() + 3);
                        long n = d.getInt() & 0xFFFFFFFFL;
                        int entrySize = version == 1 ? 20 : 12;
                        if (n * entrySize > d.remaining()) throw new Malformed("elst claims " + n + " entries in " + d.remaining() + " bytes");
                        for (long i = 0; i < n; i++) {
                            long seg = version == 1 ? d.getLong() : d.getInt() & 0xFFFFFFFFL;
                            long media = version == 1 ? d.getLong() : d.getInt();
                            double rate = d.getShort() + (d.getShort() & 0xFFFF) / 65536.0;
                            edits.add(new Edit(seg, media, rate));
                        }
                    }
                }
                case "mdia" -> {
                    for (Box m : children(b.body)) {
                        switch (m.type) {
                            case "mdhd" -> {
                                long[] clock = clock(m.body, "mdhd");
                                timescale = clock[0];
                                duration = clock[1];
                            }
                            case "hdlr" -> {
                                var d = need(m.body, 12, "hdlr");
                                d.position(d.position() + 8);
                                handler = fourCc(d);
                            }
                            case "minf" -> {
                                for (Box s : children(m.body)) {
                                    if (!s.type.equals("stbl")) continue;
                                    for (Box t : children(s.body)) {
                                        var d = t.body;
                                        switch (t.type) {
                                            case "stsd" -> {
                                                need(d, 8, "stsd").position(d.position() + 8);
                                                var entries = children(d);
                                                if (!entries.isEmpty()) entry = sampleEntry(entries.getFirst());
                                            }
                                            case "stts" -> {
                                                long[][] table = pairs(d, "stts");
                                                sttsCounts = table[0];
                                                sttsDeltas = table[1];
                                            }
                                            case "ctts" -> {
                                                int version = need(d, 1, "ctts").get(d.position()) & 0xFF;
                                                long[][] table = pairs(d, "ctts");
                                                cttsCounts = table[0];
                                                cttsOffsets = table[1];
                                                // Version 1 offsets are signed; version 0's are unsigned but writers put negatives there too.
                                                for (int i = 0; i < cttsOffsets.length; i++) cttsOffsets[i] = (int) cttsOffsets[i];
                                                if (version > 1) throw new Malformed("ctts version " + version);
                                            }
                                            case "stss" -> syncSamples = single(d, "stss");
                                            case "stsz" -> {
                                                need(d, 12, "stsz").position(d.position() + 4);
                                                long size = d.getInt() & 0xFFFFFFFFL;
                                                long n = d.getInt() & 0xFFFFFFFFL;
                                                sampleCount = n;
                                                if (size != 0) bytes = size * n;
                                                else {
                                                    if (n * 4 > d.remaining()) throw new Malformed("stsz claims " + n + " sizes in " + d.remaining() + " bytes");
                                                    for (long i = 0; i < n; i++) bytes += d.getInt() & 0xFFFFFFFFL;
                                                }
                                            }
                                            default -> { }
                                        }
                                    }
                                }
                            }
                            default -> { }
                        }
                    }
                }
                default -> { }
            }
        }
        long total = Arrays.stream(sttsCounts).sum();
        if (sampleCount >= 0 && total != sampleCount) throw new Malformed("track " + id + ": stts counts " + total + " samples, stsz " + sampleCount);
        if (total > 50_000_000) throw new Malformed("track " + id + ": " + total + " samples");
        int n = (int) total;
        long[] decode = new long[n], composition = new long[n];
        long t = 0;
        int k = 0;
        for (int e = 0; e < sttsCounts.length; e++) {
            for (long i = 0; i < sttsCounts[e]; i++) {
                decode[k++] = t;
                t += sttsDeltas[e];
            }
        }
        k = 0;
        for (int e = 0; e < cttsCounts.length && k < n; e++) {
            for (long i = 0; i < cttsCounts[e] && k < n; i++, k++) composition[k] = decode[k] + cttsOffsets[e];
        }
        for (; k < n; k++) composition[k] = decode[k];   // no ctts: shown as decoded
        boolean[] sync = new boolean[n];
        if (syncSamples == null) Arrays.fill(sync, true);   // no stss: every sample is a sync sample
        else for (long s : syncSamples) if (s >= 1 && s <= n) sync[(int) s - 1] = true;
        return new Track(id, handler, entry, timescale, duration, List.copyOf(edits), decode, composition, sync, bytes);
    }

    private record Box(String type, ByteBuffer body) {}

    /** An mvhd's or mdhd's timescale and duration (version 0: 32-bit times, version 1: 64-bit). */
    private static long[] clock(ByteBuffer d, String name) throws Malformed {
        int version = need(d, 4, name).get() & 0xFF;
        d.position(d.position() + 3);
        if (version == 1) {
            need(d, 28, name).position(d.position() + 16);
            return new long[] {d.getInt() & 0xFFFFFFFFL, d.getLong()};
        }
        need(d, 16, name).position(d.position() + 8);
        return new long[] {d.getInt() & 0xFFFFFFFFL, d.getInt() & 0xFFFFFFFFL};
    }

    /** A visual or audio sample entry (ISO 14496-12 §12.1.3, §12.2.3; QuickTime sound versions 1 and 2 too). */
    private static SampleEntry sampleEntry(Box box) throws Malformed {
        var d = box.body.duplicate();
        switch (box.type) {
            case "avc1", "avc3", "hvc1", "hev1", "mp4v", "vp09", "av01" -> {
                need(d, 78, box.type).position(24);
                int width = d.getShort() & 0xFFFF, height = d.getShort() & 0xFFFF;
                d.position(78);
                int profile = 0, level = 0;
                for (Box c : children(d)) {
                    if (c.type.equals("avcC") && c.body.remaining() >= 4) {
                        profile = c.body.get(1) & 0xFF;
                        level = c.body.get(3) & 0xFF;
                    }
                }
                return new SampleEntry(box.type, width, height, profile, level, 0, 0, 0, 0, 0);
            }
            case "mp4a" -> {
                need(d, 28, box.type);
                int version = d.getShort(8) & 0xFFFF;
                int channels = d.getShort(16) & 0xFFFF;
                int rate = (int) ((d.getInt(24) & 0xFFFFFFFFL) >>> 16);
                int skip = switch (version) {
                    case 1 -> 16;
                    case 2 -> 36;
                    default -> 0;
                };
                need(d, 28 + skip, box.type).position(28 + skip);
                int objectType = 0;
                long max = 0, avg = 0;
                for (Box c : children(d)) {
                    if (!c.type.equals("esds")) continue;
                    var e = need(c.body.duplicate(), 4, "esds");
                    e.position(4);
                    // ES_Descriptor (3) → DecoderConfigDescriptor (4) → DecoderSpecificInfo (5): ISO 14496-1 §7.2.6.
                    while (e.remaining() >= 2) {
                        int tag = e.get() & 0xFF;
                        int length = descriptorLength(e);
                        if (length < 0 || length > e.remaining()) throw new Malformed("esds descriptor " + tag + " claims " + length + " bytes");
                        int end = e.position() + length;
                        if (tag == 3) {
                            need(e, 3, "esds");
                            e.getShort();
                            int flags = e.get() & 0xFF;
                            if ((flags & 0x80) != 0) need(e, 2, "esds").getShort();
                            if ((flags & 0x40) != 0) {
                                int url = need(e, 1, "esds").get() & 0xFF;
                                need(e, url, "esds").position(e.position() + url);
                            }
                            if ((flags & 0x20) != 0) need(e, 2, "esds").getShort();
                            continue;   // its sub-descriptors follow
                        }
                        if (tag == 4) {
                            need(e, 13, "esds");
                            e.position(e.position() + 5);
                            max = e.getInt() & 0xFFFFFFFFL;
                            avg = e.getInt() & 0xFFFFFFFFL;
                            continue;
                        }
                        if (tag == 5 && length >= 1) {
                            objectType = (e.get(e.position()) & 0xFF) >>> 3;
                            if (objectType == 31 && length >= 2) {
                                objectType = 32 + (((e.get(e.position()) & 0x07) << 3) | ((e.get(e.position() + 1) & 0xFF) >>> 5));
                            }
                        }
                        e.position(end);
                    }
                }
                return new SampleEntry(box.type, 0, 0, 0, 0, channels, rate, objectType, max, avg);
            }
            default -> {
                return new SampleEntry(box.type, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
        }
    }

    /** An MPEG-4 descriptor's expandable length: up to four bytes of 7 bits; −1 when cut short. */
    private static int descriptorLength(ByteBuffer e) {
        int length = 0;
        for (int i = 0; i < 4; i++) {
            if (!e.hasRemaining()) return -1;
            int b = e.get() & 0xFF;
            length = length << 7 | (b & 0x7F);
            if ((b & 0x80) == 0) return length;
        }
        return length;
    }

    /** The boxes inside {@code parent}'s body; each must fit in it. */
    private static List<Box> children(ByteBuffer parent) throws Malformed {
        List<Box> boxes = new ArrayList<>();
        ByteBuffer b = parent.duplicate();
        while (b.remaining() >= 8) {
            int start = b.position();
            long size = b.getInt() & 0xFFFFFFFFL;
            String type = fourCc(b);
            int header = 8;
            if (size == 1) {
                if (b.remaining() < 8) throw new Malformed(type + " box is cut short");
                size = b.getLong();
                header = 16;
            } else if (size == 0) {
                size = b.limit() - start;
            }
            if (size < header || size > b.limit() - start) throw new Malformed(type + " box claims " + size + " bytes; its parent has " + (b.limit() - start));
            ByteBuffer body = b.duplicate();
            body.position(start + header).limit(start + (int) size);
            boxes.add(new Box(type, body.slice()));
            b.position(start + (int) size);
        }
        return boxes;
    }

    /** A full box's table of (count, value) pairs: stts and ctts. */
    private static long[][] pairs(ByteBuffer d, String name) throws Malformed {
        need(d, 8, name).position(d.position() + 4);
        long n = d.getInt() & 0xFFFFFFFFL;
        if (n * 8 > d.remaining()) throw new Malformed(name + " claims " + n + " entries in " + d.remaining() + " bytes");
        long[] counts = new long[(int) n], values = new long[(int) n];
        for (int i = 0; i < n; i++) {
            counts[i] = d.getInt() & 0xFFFFFFFFL;
            values[i] = d.getInt() & 0xFFFFFFFFL;
        }
        return new long[][] {counts, values};
    }

    /** A full box's table of single 32-bit entries: stss. */
    private static long[] single(ByteBuffer d, String name) throws Malformed {
        need(d, 8, name).position(d.position() + 4);
        long n = d.getInt() & 0xFFFFFFFFL;
        if (n * 4 > d.remaining()) throw new Malformed(name + " claims " + n + " entries in " + d.remaining() + " bytes");
        long[] values = new long[(int) n];
        for (int i = 0; i < n; i++) values[i] = d.getInt() & 0xFFFFFFFFL;
        return values;
    }

    private static ByteBuffer need(ByteBuffer d, int bytes, String name) throws Malformed {
        if (d.remaining() < bytes) throw new Malformed(name + " box is cut short");
        return d;
    }

    private static String fourCc(ByteBuffer d) {
        byte[] t = new byte[4];
        d.get(t);
        return new String(t, StandardCharsets.ISO_8859_1);
    }
}
