package shortsmith.media;

import shortsmith.core.ShortsmithException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Narration pieces joined into one file with nothing between them: sample for sample when every
 * piece is a WAV of the same format (a provider that answers WAV), else through ffmpeg's concat
 * filter into 16-bit PCM (any audio ffmpeg decodes). Either way lossless and gapless.
 */
public final class Wav {
    private Wav() {}

    /** One WAV: its {@code fmt } chunk and its samples. */
    record Parts(byte[] format, byte[] data) {}

    /** 16-bit mono PCM (little-endian samples, as engines send raw PCM) as a WAV file. */
    public static byte[] mono16(byte[] pcm, int rate) {
        var b = java.nio.ByteBuffer.allocate(44 + pcm.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + pcm.length).put("WAVEfmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(2 * rate).putShort((short) 2).putShort((short) 16).put("data".getBytes()).putInt(pcm.length).put(pcm);
        return b.array();
    }

    /** The pieces as one audio file (WAV); a piece whose WAV chunks lie about their sizes is a bad-input error naming it. */
    public static byte[] join(Ffmpeg ffmpeg, List<byte[]> pieces) {
        if (pieces.size() == 1) return pieces.getFirst();
        List<Parts> parsed = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) parsed.add(parse(pieces.get(i), "narration piece " + (i + 1) + " of " + pieces.size()));
        boolean sameWav = parsed.stream().allMatch(p -> p != null && Arrays.equals(p.format(), parsed.getFirst().format()));
        return sameWav ? write(parsed.getFirst().format(), parsed.stream().map(Parts::data).toList()) : viaFfmpeg(ffmpeg, pieces);
    }

    /** The {@code fmt } and {@code data} chunks of a RIFF/WAVE file; null when it is not one (see {@link #layout}). */
    static Parts parse(byte[] b, String name) {
        Layout l = layout(b, name);
        return l == null ? null : new Parts(Arrays.copyOfRange(b, l.formatAt(), l.formatAt() + l.formatSize()),
                Arrays.copyOfRange(b, l.dataAt(), l.dataAt() + l.dataSize()));
    }

    /** Where a RIFF/WAVE file's {@code fmt } chunk and its samples ({@code data}) lie in its bytes; every offset lies inside them. */
    record Layout(int formatAt, int formatSize, int dataAt, int dataSize) {}

    /**
     * The chunks of a RIFF/WAVE file, walked with their sizes treated as untrusted: a size is
     * unsigned (up to 4 GiB), the walk only moves forward, and a chunk that claims more bytes than
     * follow it is a bad-input error naming {@code name} (before, a size of 2 GiB or more made the
     * walk loop forever or step backwards). Streamed WAVs leave the {@code data} size unset (0 or
     * 0xFFFFFFFF) or larger than what was written when cut short: the samples are then the rest of
     * the file. Null when the bytes are not RIFF/WAVE at all.
     */
    static Layout layout(byte[] b, String name) {
        if (b.length < 12 || !id(b, 0).equals("RIFF") || !id(b, 8).equals("WAVE")) return null;
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int formatAt = -1, formatSize = 0;
        long pos = 12;
        while (pos + 8 <= b.length) {
            String id = id(b, (int) pos);
            long size = Integer.toUnsignedLong(buf.getInt((int) pos + 4));
            long body = pos + 8, available = b.length - body;
            if (id.equals("data")) {
                if (formatAt < 0) throw damaged(name, "its samples come before their format (no \"fmt \" chunk first)");
                long length = size == 0 || size > available ? available : size;
                return new Layout(formatAt, formatSize, (int) body, (int) length);
            }
            if (size > available) throw damaged(name, "its \"" + id + "\" chunk claims " + size + " bytes where " + available + " remain");
            if (id.equals("fmt ")) {
                formatAt = (int) body;
                formatSize = (int) size;
            }
            pos = body + size + (size & 1);
        }
        throw damaged(name, formatAt < 0 ? "it has neither a format nor samples" : "it has no samples (no \"data\" chunk)");
    }

    /** Four bytes as a chunk id, anything unprintable shown as '?'. */
    private static String id(byte[] b, int at) {
        var sb = new StringBuilder(4);
        for (int i = at; i < at + 4; i++) sb.append(b[i] >= 0x20 && b[i] < 0x7F ? (char) b[i] : '?');
        return sb.toString();
    }

    private static ShortsmithException damaged(String name, String why) {
        return ShortsmithException.badInput(name + " is a damaged WAV file: " + why);
    }

    static byte[] write(byte[] format, List<byte[]> data) {
        long total = data.stream().mapToLong(d -> d.length).sum();
        var out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(20 + format.length).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes()).putInt((int) (4 + 8 + format.length + 8 + total)).put("WAVE".getBytes())
                .put("fmt ".getBytes()).putInt(format.length).put(format);
        out.writeBytes(header.array());
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).put("data".getBytes()).putInt((int) total).array());
        data.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static byte[] viaFfmpeg(Ffmpeg ffmpeg, List<byte[]> pieces) {
        Path dir = null;
        try {
            dir = shortsmith.core.WorkDir.temporary("join");
            List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y"));
            var graph = new StringBuilder();
            for (int i = 0; i < pieces.size(); i++) {
                Path p = dir.resolve("piece" + i);
                Files.write(p, pieces.get(i));
                cmd.addAll(List.of("-i", "file:" + p));
                graph.append('[').append(i).append(":a]aresample=48000,aformat=sample_fmts=s16:channel_layouts=mono[a").append(i).append("];");
            }
            for (int i = 0; i < pieces.size(); i++) graph.append("[a").append(i).append(']');
            graph.append("concat=n=").append(pieces.size()).append(":v=0:a=1[out]");
            Path out = dir.resolve("joined.wav");
            cmd.addAll(List.of("-filter_complex", graph.toString(), "-map", "[out]", "-c:a", "pcm_s16le", "file:" + out));
            var r = Proc.run(cmd, Duration.ofMinutes(5));
            if (!r.ok()) throw ShortsmithException.badInput("the narration pieces cannot be joined: " + r.lastErrorLine());
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot join the narration pieces: " + e.getMessage(), e);
        } finally {
            if (dir != null) shortsmith.core.WorkDir.deleteTree(dir);
        }
    }
}
