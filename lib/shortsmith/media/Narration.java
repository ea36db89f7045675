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

    /** The largest narration read (512 MiB: an hour of 48 kHz stereo 32-bit float is 1.4 GB; a Short's narration is minutes). */
    static final long MAX_BYTES = 512L << 20;

    /**
     * Loads {@code file}: WAV directly, anything else through ffmpeg. A file that is not readable
     * audio, a WAV whose chunk sizes lie, or one larger than {@link #MAX_BYTES} is a bad-input error
     * naming the file (the caller adds the scene).
     */
    public static Narration load(Ffmpeg ffmpeg, Path file) {
        if (!Files.isRegularFile(file)) throw ShortsmithException.badInput(file + " does not exist");
        try {
            byte[] bytes = readBounded(file, file);
            Narration n = parseWav(file, bytes);
            if (n != null) return n;
            Path dir = shortsmith.core.WorkDir.temporary("decode");
            Path wav = dir.resolve("narration.wav");
            try {
                var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + file.toAbsolutePath(), "-vn",
                        "-c:a", "pcm_s16le", "file:" + wav), Duration.ofMinutes(2));
                if (!r.ok()) throw ShortsmithException.badInput(file + " is not readable audio (" + Media.firstLine(r.stderr()) + ")");
                n = parseWav(file, readBounded(wav, file));
                if (n == null) throw ShortsmithException.badInput(file + " has no audio ffmpeg can decode");
                return n;
            } finally {
                shortsmith.core.WorkDir.deleteTree(dir);
            }
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The bytes of {@code file}, refused (naming {@code name}) beyond {@link #MAX_BYTES}, instead of running out of memory. */
    private static byte[] readBounded(Path file, Path name) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw ShortsmithException.badInput(String.format(java.util.Locale.ROOT, "%s is %.0f MB of audio: more than a Short's narration can be (at most %d MB)",
                    name, size / 1e6, MAX_BYTES >> 20));
        }
        return Files.readAllBytes(file);
    }

    /**
     * Parses a RIFF/WAVE file's samples (its chunk sizes untrusted: see {@link Wav#layout}); null when
     * it is not RIFF/WAVE or its encoding is not plain PCM (16, 24, 32-bit) or 32-bit float.
     */
    static Narration parseWav(Path file, byte[] bytes) {
        var layout = Wav.layout(bytes, file.toString());
        if (layout == null || layout.formatSize() < 16) return null;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int at = layout.formatAt();
        int format = b.getShort(at) & 0xFFFF, channels = b.getShort(at + 2) & 0xFFFF, rate = b.getInt(at + 4), bits = b.getShort(at + 14) & 0xFFFF;
        if (format == 0xFFFE && layout.formatSize() >= 26) format = b.getShort(at + 24) & 0xFFFF;   // WAVE_FORMAT_EXTENSIBLE: its sub-format
        if (channels == 0 || rate <= 0 || !((format == 1 && (bits == 16 || bits == 24 || bits == 32)) || (format == 3 && bits == 32))) return null;
        int frameBytes = channels * (bits / 8), body = layout.dataAt();
        int frames = layout.dataSize() / frameBytes;
        float[] mono = new float[frames];
        for (int f = 0; f < frames; f++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) sum += sample(b, body + f * frameBytes + c * (bits / 8), format, bits);
            mono[f] = sum / channels;
        }
        return new Narration(file, rate, channels, frames, mono);
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
