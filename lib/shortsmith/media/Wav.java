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

    /** The pieces as one audio file (WAV). */
    public static byte[] join(Ffmpeg ffmpeg, List<byte[]> pieces) {
        if (pieces.size() == 1) return pieces.getFirst();
        List<Parts> parsed = new ArrayList<>();
        for (byte[] p : pieces) parsed.add(parse(p));
        boolean sameWav = parsed.stream().allMatch(p -> p != null && Arrays.equals(p.format(), parsed.getFirst().format()));
        return sameWav ? write(parsed.getFirst().format(), parsed.stream().map(Parts::data).toList()) : viaFfmpeg(ffmpeg, pieces);
    }

    /** The {@code fmt } and {@code data} chunks of a RIFF/WAVE file; null when it is not one. */
    static Parts parse(byte[] b) {
        if (b.length < 12 || !new String(b, 0, 4).equals("RIFF") || !new String(b, 8, 4).equals("WAVE")) return null;
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] format = null;
        for (int pos = 12; pos + 8 <= b.length; ) {
            String id = new String(b, pos, 4);
            long size = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (body + size > b.length) return null;
                format = Arrays.copyOfRange(b, body, body + (int) size);
            } else if (id.equals("data")) {
                // Streamed WAVs leave the size unset (0 or 0xFFFFFFFF): the data is the rest of the file.
                long length = size == 0 || size > b.length - body ? b.length - body : size;
                return format == null ? null : new Parts(format, Arrays.copyOfRange(b, body, body + (int) length));
            }
            pos = body + (int) size + (int) (size & 1);
        }
        return null;
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
