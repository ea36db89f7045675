package shortsmith.audio;

import shortsmith.core.ExitCode;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Proc;
import shortsmith.media.SpeechTrim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Short's audio, built once from lossless sources so nothing drifts or clicks at the joins:
 * each scene's narration resampled to 48 kHz, trimmed or padded to its clip's exact length in
 * samples and joined as PCM; the music looped and cut to that length, set relative to the
 * narration's loudness, faded out, ducked under the voice with side-chain compression and mixed
 * without amix's normalisation; brought to the loudness target and limited under the true-peak
 * ceiling, then measured again (two passes). The caller applies the last linear correction,
 * {@link Mix#normaliseFilter}, while encoding AAC, so the audio is lossy-encoded exactly once.
 *
 * <pre>jshell> Soundtrack.build(ffmpeg, segments, null, Settings.defaults().audio(), Path.of("/tmp/mix"))</pre>
 */
public final class Soundtrack {
    private Soundtrack() {}

    public static final int RATE = 48_000;

    /** The ducking's release, ms (see {@link #build}): slow enough that the music does not swell in a join. */
    static final int DUCKING_RELEASE_MS = 3000;

    /**
     * One scene's narration, the part of it its clip plays ({@code trim}: the speech with a little
     * silence around it; null = all of it) and how many 48 kHz samples its clip lasts.
     */
    public record Segment(String sceneId, Path narration, SpeechTrim trim, long samples) {}

    /**
     * What ebur128 measured: integrated loudness and its gating threshold (LUFS), true peak (dBTP),
     * loudness range (LU). ebur128 is used rather than loudnorm's first pass: it gives the same
     * figures about five times faster, because loudnorm resamples to 192 kHz to measure.
     */
    public record Loudness(double integrated, double truePeak, double range, double threshold) {

        /** The filter that measures; {@code name} tells its summary apart from others in the same log. */
        public static String filter(String name) { return "ebur128@" + name + "=peak=true:framelog=verbose"; }

        /** Integrated loudness and range only: no 4× oversampling for the true peak, which the passes do not need. */
        public static String integratedFilter(String name) { return "ebur128@" + name + "=framelog=verbose"; }

        /** The last summary the filter named {@code name} wrote into an ffmpeg log. */
        public static Loudness fromLog(String log, String name) {
            int at = log.lastIndexOf("[ebur128@" + name + " @");
            if (at < 0) throw new ShortsmithException(ExitCode.FAILED, "ebur128 gave no measurement of the " + name);
            String summary = log.substring(at);
            return new Loudness(find(summary, "I:\\s+(-?[\\d.]+|-inf) LUFS"), find(summary, "Peak:\\s+(-?[\\d.]+|-inf) dBFS"),
                    find(summary, "LRA:\\s+(-?[\\d.]+|-inf) LU"), find(summary, "Threshold:\\s+(-?[\\d.]+|-inf) LUFS"));
        }

        private static double find(String text, String regex) {
            var m = Pattern.compile(regex).matcher(text);
            if (!m.find()) return Double.NaN;
            return m.group(1).equals("-inf") ? -99 : Double.parseDouble(m.group(1));
        }
    }

    /**
     * The mix as 48 kHz stereo float WAV, already brought near the target loudness and peak-limited,
     * with what it measures. {@code musicGainDb} is the gain the music got to sit at MUSIC_VOLUME
     * under the narration (null without music).
     */
    public record Mix(Path wav, long samples, Loudness measured, Double musicGainDb) {
        public double seconds() { return (double) samples / RATE; }

        /**
         * The last correction to the exact target, applied while encoding AAC, with the limiter
         * guarding the peaks a raise lifts over the ceiling again. The limiter takes back a little
         * of the raise (more on peaky speech), so the gain is found on the PCM: up to three
         * measuring passes, each a fraction of an AAC encode, until within 0.1 LU.
         */
        public String normaliseFilter(Ffmpeg ffmpeg, Settings.Audio a) {
            double extra = 0;
            for (int pass = 0; pass < 3; pass++) {
                double lufs = measure(ffmpeg, a, extra);
                double off = a.loudnessTarget() - lufs;
                if (lufs < -69 || Math.abs(off) <= 0.1) break;
                extra += off;
            }
            return normaliseFilter(a, extra);
        }

        /** The integrated loudness (LUFS) of the mix through {@link #normaliseFilter(Settings.Audio, double)}. */
        private double measure(Ffmpeg ffmpeg, Settings.Audio a, double extraDb) {
            String log = run(ffmpeg.command("-loglevel", "info", "-nostats", "-i", "file:" + wav,
                    "-filter_complex", "[0:a]" + normaliseFilter(a, extraDb) + "," + Loudness.integratedFilter("final") + "[out]",
                    "-map", "[out]", "-f", "null", "-"), "measuring the soundtrack");
            return Loudness.fromLog(log, "final").integrated();
        }

        /** Gain to the target from what the mix measured, {@code extraDb} more, then the limiter. */
        private String normaliseFilter(Settings.Audio a, double extraDb) {
            double correction = measured.integrated() < -69 ? 0 : clamp(a.loudnessTarget() - measured.integrated() + extraDb, -3, 3);
            return String.format(Locale.ROOT, "volume=%.2fdB,%s", correction, limiter(a));
        }
    }

    /** Builds the mix in {@code dir}; {@code music} may be null. */
    public static Mix build(Ffmpeg ffmpeg, List<Segment> segments, Path music, Settings.Audio audio, Path dir) {
        long total = segments.stream().mapToLong(Segment::samples).sum();
        Path voice = dir.resolve("voice.wav"), musicWav = dir.resolve("music.wav"), mix = dir.resolve("mix.wav");

        // Pass 1: the narration joined as PCM (and measured); the music looped, cut and measured.
        List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "info", "-nostats", "-y"));
        var graph = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            cmd.addAll(List.of("-i", "file:" + s.narration().toAbsolutePath()));
            graph.append(String.format(Locale.ROOT, "[%d:a]%saresample=%d,aformat=sample_fmts=flt:channel_layouts=stereo,"
                    + "apad=whole_len=%d,atrim=end_sample=%d[s%d];", i, s.trim() == null ? "" : s.trim().filter() + ",", RATE, s.samples(),
                    s.samples(), i));
        }
        for (int i = 0; i < segments.size(); i++) graph.append("[s").append(i).append(']');
        graph.append("concat=n=").append(segments.size()).append(":v=0:a=1,asplit=2[voice][vm];[vm]").append(Loudness.integratedFilter("voice")).append("[vn]");
        if (music != null) {
            cmd.addAll(List.of("-stream_loop", "-1", "-i", "file:" + music.toAbsolutePath()));
            graph.append(String.format(Locale.ROOT, ";[%d:a]aresample=%d,aformat=sample_fmts=flt:channel_layouts=stereo,"
                    + "atrim=end_sample=%d,asplit=2[music][mm];[mm]%s[mn]", segments.size(), RATE, total, Loudness.integratedFilter("music")));
        }
        cmd.addAll(List.of("-filter_complex", graph.toString(), "-map", "[voice]", "-c:a", "pcm_f32le", "-f", "wav", "file:" + voice));
        if (music != null) cmd.addAll(List.of("-map", "[music]", "-c:a", "pcm_f32le", "-f", "wav", "file:" + musicWav));
        cmd.addAll(List.of("-map", "[vn]"));
        if (music != null) cmd.addAll(List.of("-map", "[mn]"));
        cmd.addAll(List.of("-f", "null", "-"));
        String log = run(cmd, "joining the narration");
        Loudness voiceLoudness = Loudness.fromLog(log, "voice");

        // Pass 2: the music under the voice (its level, ducking, fades), mixed without amix's
        // normalisation; then gain towards the target and a limiter under the true-peak ceiling.
        // The music adds little loudness, so the narration's measurement predicts the gain well;
        // what is left is corrected linearly in the AAC encode.
        double gain = voiceLoudness.integrated() < -69 ? 0 : clamp(audio.loudnessTarget() - voiceLoudness.integrated(), -30, 30);
        String ceiling = String.format(Locale.ROOT, "volume=%.2fdB,%s", gain, limiter(audio));
        List<String> mixCmd = new ArrayList<>(ffmpeg.command("-loglevel", "info", "-nostats", "-y", "-i", "file:" + voice));
        Double musicGain = null;
        String mixGraph;
        if (music == null) {
            mixGraph = "[0:a]" + ceiling;
        } else {
            double musicLufs = Loudness.fromLog(log, "music").integrated();
            musicGain = musicLufs < -69 ? 0 : clamp(voiceLoudness.integrated() + audio.musicVolume() - musicLufs, -60, 30);
            double seconds = (double) total / RATE, fade = Math.min(3, seconds / 4);
            // Ducking: the compressor starts well under speech level, and its ratio gives about
            // MUSIC_DUCKING dB of gain reduction at the narration's typical level.
            double margin = audio.musicDucking() + 8;
            double thresholdDb = Math.max(-60, voiceLoudness.integrated() + 3 - margin);
            double ratio = Math.min(20, margin / (margin - audio.musicDucking()));
            // The release is slow so the music holds its dip through a scene join or a breath (at most
            // ~0.35 s without speech) instead of swelling up in it: ffmpeg's detector follows the
            // squared side chain with a time constant of release / 4 (ms), so 3000 lets it fall about
            // 2 dB in 0.35 s, a swell under 1.5 dB; at 400 the music rose 10 dB in every join.
            mixCmd.addAll(List.of("-i", "file:" + musicWav));
            mixGraph = String.format(Locale.ROOT, "[0:a]asplit=2[v][sc];[1:a]volume=%.2fdB,afade=t=in:d=0.3,afade=t=out:st=%.3f:d=%.3f[m];"
                            + "[m][sc]sidechaincompress=threshold=%.6f:ratio=%.3f:attack=20:release=%d:detection=rms[ducked];"
                            + "[v][ducked]amix=inputs=2:duration=first:normalize=0,%s",
                    musicGain, seconds - fade, fade, Math.pow(10, thresholdDb / 20), ratio, DUCKING_RELEASE_MS, ceiling);
        }
        mixCmd.addAll(List.of("-filter_complex", mixGraph + ",asplit=2[mix][meas];[meas]" + Loudness.integratedFilter("mix") + "[mn]",
                "-map", "[mix]", "-c:a", "pcm_f32le", "-f", "wav", "file:" + mix, "-map", "[mn]", "-f", "null", "-"));
        String mixLog = run(mixCmd, music == null ? "levelling the narration" : "mixing the music");
        return new Mix(mix, total, Loudness.fromLog(mixLog, "mix"), musicGain);
    }

    /**
     * A look-ahead limiter (its delay compensated, so nothing shifts) with its ceiling 1.5 dB under
     * TRUE_PEAK: sample peaks at 48 kHz miss the peaks between samples, and AAC adds a little.
     */
    static String limiter(Settings.Audio a) {
        return String.format(Locale.ROOT, "alimiter=limit=%.6f:attack=5:release=50:level=false:latency=1", Math.pow(10, (a.truePeak() - 1.5) / 20));
    }

    /**
     * A soft synthesised pad (a slow I–vi–IV–V progression in A with tremolo) for the demo: music
     * with no licence to worry about, that loops under any Short without a click.
     */
    public static Path demoMusic(Ffmpeg ffmpeg, Path file) { return demoMusic(ffmpeg, file, PAD_PERIOD * 2); }

    /** The pad repeats exactly every 16 s: four chords of 4 s. */
    static final int PAD_PERIOD = 16;

    /**
     * The demo pad, at least {@code seconds} long, in whole periods of 16 s (the benchmark asks for
     * 90 s, as in the seed's measured merge), synthesised in Java. Every partial completes whole
     * cycles in each 4 s chord (its frequency a multiple of 0.25 Hz: within 0.13 Hz of the
     * equal-tempered note), the chords cross-fade with sin² and cos² gates whose slopes vanish at
     * their ends, and the echo and low-pass run over one period first, which is then cut away: the
     * pad is periodic to the sample, so its last sample leads into its first as any sample leads
     * into the next.
     */
    public static Path demoMusic(Ffmpeg ffmpeg, Path file, int seconds) {
        if (java.nio.file.Files.isRegularFile(file)) return file;
        int length = Math.max(1, (seconds + PAD_PERIOD - 1) / PAD_PERIOD) * PAD_PERIOD;
        Path raw = null;
        Path tmp = WorkDir.partial(file);
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            raw = java.nio.file.Files.createTempFile("shortsmith-pad", ".wav");
            java.nio.file.Files.write(raw, shortsmith.media.Wav.mono16(padSamples(length + PAD_PERIOD), RATE));
            // The echo and low-pass run over one period first; that period is cut away.
            var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + raw, "-af", "lowpass=f=1800,aecho=0.8:0.7:120:0.25,atrim=start_sample="
                    + PAD_PERIOD * RATE + ":end_sample=" + (long) (length + PAD_PERIOD) * RATE, "-ac", "2", "-c:a", "pcm_s16le", "-f", "wav",
                    "file:" + tmp.toAbsolutePath()), Duration.ofMinutes(2));
            if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "cannot synthesise the demo music: " + r.lastErrorLine());
            WorkDir.publish(tmp, file);
            return file;
        } catch (java.io.IOException e) {
            throw ShortsmithException.output("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            WorkDir.deleteQuietly(tmp);
            if (raw != null) WorkDir.deleteQuietly(raw);
        }
    }

    /** A, F#m, D, E: root, third and fifth of each, in Hz, each a multiple of 0.25 Hz. */
    private static final double[][] PAD_CHORDS = {{220, 277.25, 329.75}, {185, 220, 277.25}, {146.75, 185, 220}, {164.75, 207.75, 247}};
    private static final double[] PAD_LEVELS = {0.22, 0.16, 0.12};
    private static final double PAD_FADE = 0.5;

    /**
     * The pad's raw samples (16-bit little-endian mono at 48 kHz), {@code seconds} long. A phase is
     * taken as (f·n mod 48000) / 48000 of a turn, exact for f a multiple of 0.25 Hz, so the
     * samples repeat exactly every period.
     */
    static byte[] padSamples(int seconds) {
        int n = seconds * RATE, slot = 4 * RATE, period = PAD_PERIOD * RATE;
        var out = java.nio.ByteBuffer.allocate(2 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            double v = 0;
            for (int c = 0; c < PAD_CHORDS.length; c++) {
                // x: seconds into chord c's slot, from PAD_FADE/2 before it, wrapping every period.
                double x = (double) Math.floorMod(i - c * slot + (int) (PAD_FADE / 2 * RATE), period) / RATE;
                double gate = x < PAD_FADE ? Math.pow(Math.sin(Math.PI * x / (2 * PAD_FADE)), 2) : x < 4 ? 1
                        : x < 4 + PAD_FADE ? Math.pow(Math.cos(Math.PI * (x - 4) / (2 * PAD_FADE)), 2) : 0;
                if (gate == 0) continue;
                for (int k = 0; k < 3; k++) v += gate * PAD_LEVELS[k] * Math.sin(2 * Math.PI * ((PAD_CHORDS[c][k] * 4 * i) % (4.0 * RATE)) / (4.0 * RATE));
            }
            double tremolo = 0.75 + 0.25 * Math.sin(2 * Math.PI * (i % (2 * RATE)) / (2.0 * RATE));   // 0.5 Hz
            out.putShort((short) Math.round(Math.max(-1, Math.min(1, v * tremolo)) * 32767));
        }
        return out.array();
    }

    static double clamp(double v, double min, double max) { return Math.max(min, Math.min(max, v)); }

    private static String run(List<String> cmd, String what) {
        var r = Proc.run(cmd, Duration.ofMinutes(10));
        if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "merge: ffmpeg failed " + what + ": " + r.lastErrorLine());
        return r.stderr();
    }
}
