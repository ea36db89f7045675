package shortsmith.media;

import shortsmith.core.ShortsmithException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A scene's narration as PCM, read in Java: its exact length and where speech starts and ends
 * (leading and trailing silence below −40 dBFS), without starting ffmpeg. WAV (16-bit, 24-bit or
 * float) is read directly; other formats are converted to WAV once by ffmpeg.
 *
 * <pre>jshell> Narration.load(ffmpeg, Path.of("scene1.wav")).speechSpan()</pre>
 */
public record Narration(Path file, int sampleRate, int channels, long frames, float[] mono) {

    /** Where speech starts and ends, in seconds from the start. */
    public record SpeechSpan(double start, double end) {}

    public double duration() { return (double) frames / sampleRate; }

    @Override
    public String toString() {
        return "Narration[" + file.getFileName() + ", " + sampleRate + " Hz, " + channels + " ch, " + String.format("%.3f s]", duration());
    }

    /** Loads {@code file}: WAV directly, anything else through ffmpeg (a bad file is a bad-input error). */
    public static Narration load(Ffmpeg ffmpeg, Path file) {
        if (!Files.isRegularFile(file)) throw ShortsmithException.badInput(file + " does not exist");
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length >= 12 && new String(bytes, 0, 4).equals("RIFF") && new String(bytes, 8, 4).equals("WAVE")) {
                Narration n = parseWav(file, bytes);
                if (n != null) return n;
            }
            Path dir = shortsmith.core.WorkDir.temporary("decode");
            Path wav = dir.resolve("narration.wav");
            try {
                var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + file.toAbsolutePath(), "-vn",
                        "-c:a", "pcm_s16le", "file:" + wav), Duration.ofMinutes(2));
                if (!r.ok()) throw ShortsmithException.badInput(file + " is not readable audio (" + Media.firstLine(r.stderr()) + ")");
                Narration n = parseWav(file, Files.readAllBytes(wav));
                if (n == null) throw ShortsmithException.badInput(file + " has no audio ffmpeg can decode");
                return n;
            } finally {
                shortsmith.core.WorkDir.deleteTree(dir);
            }
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Parses a RIFF/WAVE file; null when its encoding is not plain PCM or float. */
    static Narration parseWav(Path file, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int format = -1, channels = 0, rate = 0, bits = 0;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = new String(bytes, pos, 4);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ") && body + 16 <= bytes.length) {
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2);
                rate = b.getInt(body + 4);
                bits = b.getShort(body + 14);
                if (format == 0xFFFE && size >= 40) format = b.getShort(body + 24) & 0xFFFF;   // WAVE_FORMAT_EXTENSIBLE
            } else if (id.equals("data")) {
                // Streamed WAVs (espeak-ng to a pipe) leave the size unset: take the rest of the file.
                long available = bytes.length - body;
                long length = size == 0 || size > available ? available : size;
                if (channels <= 0 || rate <= 0 || !((format == 1 && (bits == 16 || bits == 24 || bits == 32)) || (format == 3 && bits == 32))) {
                    return null;
                }
                int frameBytes = channels * bits / 8;
                long frames = length / frameBytes;
                float[] mono = new float[(int) frames];
                for (int f = 0; f < frames; f++) {
                    float sum = 0;
                    for (int c = 0; c < channels; c++) sum += sample(b, body + f * frameBytes + c * bits / 8, format, bits);
                    mono[f] = sum / channels;
                }
                return new Narration(file, rate, channels, frames, mono);
            }
            pos = body + (int) size + (int) (size & 1);
        }
        return null;
    }

    private static float sample(ByteBuffer b, int at, int format, int bits) {
        if (format == 3) return b.getFloat(at);
        return switch (bits) {
            case 16 -> b.getShort(at) / 32768f;
            case 24 -> ((b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8 | b.get(at + 2) << 16) / 8388608f;
            default -> b.getInt(at) / 2147483648f;
        };
    }

    /** Root-mean-square level of the whole narration in dBFS (−∞ for digital silence). */
    public double rmsDb() {
        double sum = 0;
        for (float s : mono) sum += s * s;
        return mono.length == 0 ? Double.NEGATIVE_INFINITY : 10 * Math.log10(sum / mono.length);
    }

    /** From the first to the last 10 ms window louder than −40 dBFS; the whole file if none is. */
    public Narration.SpeechSpan speechSpan() {
        int window = Math.max(1, sampleRate / 100);
        int windows = (int) (frames / window);
        int first = -1, last = -1;
        for (int w = 0; w < windows; w++) {
            double sum = 0;
            for (int i = w * window; i < (w + 1) * window; i++) sum += mono[i] * mono[i];
            if (10 * Math.log10(sum / window + 1e-20) > -40) {
                if (first < 0) first = w;
                last = w;
            }
        }
        if (first < 0 || last - first < 20) return new Narration.SpeechSpan(0, duration());
        return new Narration.SpeechSpan((double) first * window / sampleRate, Math.min(duration(), (double) (last + 1) * window / sampleRate));
    }

}
