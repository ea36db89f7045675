package shortsmith.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A PNG's or JPEG's size and pixel format, read from its first bytes, named as ffprobe names them
 * ({@code rgba}, {@code pal8}, {@code yuvj420p}…). Encode needs them before decoding each picture;
 * reading them here spares an ffprobe run per clip (about 65 ms of CPU). Anything else (WebP,
 * AVIF, CMYK JPEG, a damaged file) is empty, and ffprobe is asked as before. Sizes and lengths in
 * the file are untrusted: the PNG header must be the 13-byte IHDR, a JPEG's segments are skipped by
 * their 16-bit lengths only forward, and any reading past the end is empty, never an exception.
 *
 * <pre>jshell> PictureHeader.read(Path.of("examples/photos/05-kite.jpg"))</pre>
 */
public record PictureHeader(int width, int height, String pixFmt) {

    public static Optional<PictureHeader> read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(26);
            if (head.length >= 26 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                    && int32(head, 8) == 13 && head[12] == 'I' && head[13] == 'H' && head[14] == 'D' && head[15] == 'R') {
                return png(head);
            }
            if (head.length >= 4 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8) return jpeg(file);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** IHDR: width, height, bit depth, colour type. */
    private static Optional<PictureHeader> png(byte[] h) {
        int width = int32(h, 16), height = int32(h, 20), depth = h[24] & 0xFF, type = h[25] & 0xFF;
        boolean deep = depth == 16;
        String fmt = switch (type) {
            case 0 -> deep ? "gray16be" : depth == 8 ? "gray" : null;   // 1, 2 and 4-bit grey: ffmpeg's own names vary
            case 2 -> deep ? "rgb48be" : "rgb24";
            case 3 -> "pal8";
            case 4 -> deep ? "ya16be" : "ya8";
            case 6 -> deep ? "rgba64be" : "rgba";
            default -> null;
        };
        return fmt == null || width <= 0 || height <= 0 ? Optional.empty() : Optional.of(new PictureHeader(width, height, fmt));
    }

    /** The first start-of-frame marker: height, width, components and their sampling. */
    private static Optional<PictureHeader> jpeg(Path file) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            in.skipNBytes(2);
            while (true) {
                int b = in.read();
                while (b == 0xFF) b = in.read();   // fill bytes before a marker
                if (b < 0) return Optional.empty();
                int marker = b;
                if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;   // no length
                byte[] len = in.readNBytes(2);
                if (len.length < 2) return Optional.empty();
                int length = ((len[0] & 0xFF) << 8 | (len[1] & 0xFF)) - 2;
                if (length < 0) return Optional.empty();   // a length below its own two bytes: not a JPEG we read
                boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
                if (!startOfFrame) {
                    if (marker == 0xDA) return Optional.empty();   // scan data before any frame header
                    in.skipNBytes(length);
                    continue;
                }
                byte[] sof = in.readNBytes(length);
                if (sof.length < 6) return Optional.empty();
                int height = (sof[1] & 0xFF) << 8 | (sof[2] & 0xFF), width = (sof[3] & 0xFF) << 8 | (sof[4] & 0xFF), components = sof[5] & 0xFF;
                if (width <= 0 || height <= 0 || (sof[0] & 0xFF) != 8) return Optional.empty();
                if (components == 1) return Optional.of(new PictureHeader(width, height, "gray"));
                if (components != 3 || sof.length < 6 + 9) return Optional.empty();   // CMYK and the like: ask ffprobe
                // Subsampling is luma's sampling factors over chroma's (an encoder may write 1×2 for all three: 4:4:4).
                int luma = sof[7] & 0xFF, chroma = sof[10] & 0xFF;
                if ((chroma >> 4) == 0 || (chroma & 0xF) == 0 || (sof[13] & 0xFF) != chroma) return Optional.empty();
                int h = (luma >> 4) % (chroma >> 4) == 0 ? (luma >> 4) / (chroma >> 4) : 0, v = (luma & 0xF) % (chroma & 0xF) == 0 ? (luma & 0xF) / (chroma & 0xF) : 0;
                String fmt = h == 2 && v == 2 ? "yuvj420p" : h == 2 && v == 1 ? "yuvj422p" : h == 1 && v == 1 ? "yuvj444p" : null;
                return fmt == null ? Optional.empty() : Optional.of(new PictureHeader(width, height, fmt));
            }
        } catch (java.io.EOFException e) {
            return Optional.empty();
        }
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
