package shortsmith.audio;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Mp4Boxes;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.SpeechTrim;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** merge on real clips, judged by ffprobe, ebur128, and the narration found in the output's audio. */
class MergeTest {
    static Path dir;
    static Path manifest;
    static Ffmpeg ffmpeg = Ffmpeg.locate(Settings.defaults());
    static Settings settings = StoryFixture.smallSettings();
    static Map<String, java.nio.file.attribute.FileTime> soundtrackAfterEncode;

    @BeforeAll
    static void encodeAStory(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Path story = StoryFixture.story(tmp.resolve("story"), "Había una vez una cometa roja.", "Voló sobre el mar.",
                "Y volvió a casa al atardecer.");
        var encoded = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json");
        assertEquals(0, encoded.exitCode(), encoded.toString());
        manifest = story.getParent().resolve("encoded.json");
        Files.writeString(manifest, encoded.stdout());
        soundtrackAfterEncode = soundtracks(story.getParent().resolve("story.work/soundtrack"));
    }

    /** The prepared soundtracks in a work folder, with their modification times. */
    static Map<String, java.nio.file.attribute.FileTime> soundtracks(Path folder) throws Exception {
        var found = new HashMap<String, java.nio.file.attribute.FileTime>();
        if (!Files.isDirectory(folder)) return found;
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".m4a")).toList()) found.put(f.getFileName().toString(), Files.getLastModifiedTime(f));
        }
        return found;
    }

    @Test
    void encodeOfAWholeStoryLeavesTheSoundtrackReadySoTheMergeMakesNoOtherAudio() throws Exception {
        assertEquals(1, soundtrackAfterEncode.size(), "encode prepared one soundtrack under its clips: " + soundtrackAfterEncode);
        Path out = dir.resolve("after-encode.mp4");
        var result = merge(out, null, settings);
        Path folder = Path.of(result.story().workDir()).resolve("soundtrack");
        var after = soundtracks(folder);
        for (var e : soundtrackAfterEncode.entrySet()) assertEquals(e.getValue(), after.get(e.getKey()), "the prepared track was used, not made again");
        assertEquals(-14, result.report().loudness(), 0.3, result.report().toString());
    }

    static Merge.Result merge(Path output, Path music, Settings s) throws Exception {
        var input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
        List<String> notes = new ArrayList<>();
        var result = Merge.run(input, s, new Merge.Options(output, music), notes::add);
        return result;
    }

    /** A low tone as "music": 55 Hz lies under the narration's voice, so it can be measured apart. */
    static Path music(Path file, double seconds) {
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "sine=f=55:sample_rate=44100:d=" + seconds, "-af", "volume=0.5", "-c:a", "libmp3lame", file.toString()), Duration.ofMinutes(1));
        assertTrue(r.ok(), r.stderr());
        return file;
    }

    /** The audio of {@code file} as 48 kHz mono samples. */
    static float[] pcm(Path file) throws Exception {
        Path raw = Files.createTempFile("pcm", ".f32");
        try {
            var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", file.toString(), "-map", "0:a:0", "-ac", "1", "-ar", "48000",
                    "-f", "f32le", raw.toString()), Duration.ofMinutes(1));
            assertTrue(r.ok(), r.stderr());
            var b = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        } finally {
            Files.delete(raw);
        }
    }

    /** Where {@code needle} best matches {@code haystack}, searching ±{@code radius} samples around {@code around}. */
    static int bestLag(float[] haystack, float[] needle, int around, int radius) {
        int best = around;
        double bestScore = -2;
        for (int lag = Math.max(0, around - radius); lag <= around + radius && lag + needle.length <= haystack.length; lag++) {
            double dot = 0, energy = 0;
            for (int i = 0; i < needle.length; i++) {
                dot += haystack[lag + i] * needle[i];
                energy += haystack[lag + i] * haystack[lag + i];
            }
            double score = energy == 0 ? -1 : dot / Math.sqrt(energy);
            if (score > bestScore) {
                bestScore = score;
                best = lag;
            }
        }
        return best;
    }

    /** The level of a pure tone at {@code hz} in samples [from, to) (Goertzel), in dB. */
    static double toneDb(float[] x, double hz, int from, int to) {
        double w = 2 * Math.PI * hz / 48000, c = 2 * Math.cos(w), s1 = 0, s2 = 0;
        for (int i = from; i < to; i++) {
            double s0 = x[i] + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = s1 * s1 + s2 * s2 - c * s1 * s2;
        return 10 * Math.log10(power / ((double) (to - from) * (to - from)) + 1e-20);
    }

    @Test
    void withoutMusicTheShortIsTheClipsCopiedUnderGaplessNarrationAtMinus14Lufs() throws Exception {
        Path out = dir.resolve("short.mp4");
        var result = merge(out, null, settings);
        Story story = result.story();
        assertEquals(out.toString(), story.output());

        Media media = Media.probe(ffmpeg, out);
        var v = media.video().orElseThrow();
        var a = media.audio().orElseThrow();
        double clips = story.scenes().stream().mapToDouble(Story.Scene::duration).sum();
        long frames = story.scenes().stream().mapToLong(s -> Math.round(s.duration() * 25)).sum();
        assertEquals(frames, v.frames(), "every frame of every clip, none added");
        assertEquals(clips, v.duration(), 1e-3);
        assertEquals(v.duration(), a.duration(), 0.04, "audio and video equal within one frame");
        assertTrue(media.duration() <= clips + 0.04, "no longer than the video: " + media.duration());
        assertEquals("aac", a.codec());
        assertEquals("LC", a.profile());
        assertEquals(48000, a.sampleRate());
        assertEquals(2, a.channels());
        // Stream copy: the same SPS/PPS as the clips, so no re-encode happened.
        var clip = Media.probe(ffmpeg, Path.of(story.scenes().getFirst().video())).video().orElseThrow();
        assertEquals(clip.extradataHash(), v.extradataHash());
        assertEquals("High", v.profile());
        assertTrue(Mp4Boxes.read(out).moovFirst(), "faststart: moov before mdat");

        var report = result.report();
        assertEquals(-14, report.loudness(), 1.0, report.toString());
        assertTrue(report.truePeak() <= -1.0, "true peak " + report.truePeak());
        assertTrue(report.warnings().isEmpty(), report.toString());

        // Each scene's narration, its leading silence trimmed, starts exactly where its picture starts.
        float[] mix = pcm(out);
        int start = 0;
        for (Story.Scene s : story.scenes()) {
            float[] voice = pcm(Path.of(s.audio()));
            int onset = 0;
            while (onset < voice.length && Math.abs(voice[onset]) < 0.01) onset++;
            float[] needle = java.util.Arrays.copyOfRange(voice, onset, Math.min(voice.length, onset + 24_000));
            int cut = (int) Math.round(SpeechTrim.of(Narration.load(ffmpeg, Path.of(s.audio()))).start() * 48_000);
            int found = bestLag(mix, needle, start + onset - cut, 4_800);
            double offsetMs = (found - start - onset + cut) / 48.0;
            assertTrue(Math.abs(offsetMs) <= 2, "scene " + s.id() + " narration is off by " + offsetMs + " ms");
            start += (int) Math.round(s.duration() * 48_000);
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial output left");
        }
    }

    @Test
    void longerMusicIsCutToTheVideoAndDuckedUnderTheVoice() throws Exception {
        Path song = music(dir.resolve("long.mp3"), 30);
        Path ducked = dir.resolve("ducked.mp4"), flat = dir.resolve("flat.mp4");
        var result = merge(ducked, song, settings);
        var s0 = result.story().scenes().getFirst();
        double clips = result.story().scenes().stream().mapToDouble(Story.Scene::duration).sum();
        assertEquals(clips, result.report().duration(), 0.04, "30 s of music, yet the Short lasts as long as its clips");
        assertEquals(-14, result.report().loudness(), 1.0);
        assertTrue(result.report().truePeak() <= -1.0, "true peak " + result.report().truePeak());

        var undisturbed = new HashMap<>(StoryFixture.SMALL);
        undisturbed.put("MUSIC_DUCKING", "0");
        merge(flat, song, Settings.of(undisturbed));
        // While scene 1 speaks, the music under it is lower with ducking than without.
        var span = Narration.load(ffmpeg, Path.of(s0.audio())).speechSpan();
        int from = (int) ((span.start() + 0.3) * 48_000), to = (int) ((span.end() - 0.2) * 48_000);
        double withDucking = toneDb(pcm(ducked), 55, from, to), without = toneDb(pcm(flat), 55, from, to);
        assertTrue(without - withDucking >= 6, "ducked by " + (without - withDucking) + " dB");
    }

    @Test
    void shorterMusicIsLoopedToTheEnd() throws Exception {
        Path song = music(dir.resolve("short.mp3"), 1.0);
        Path out = dir.resolve("looped.mp4");
        var result = merge(out, song, settings);
        double seconds = result.report().duration();
        assertTrue(seconds > 4, "the fixture story must outlast the music several times: " + seconds);
        float[] x = pcm(out);
        // Well after the 1 s song ended and before the final fade (the last quarter), the tone is still there.
        int from = (int) (1.5 * 48_000), to = (int) (2.5 * 48_000);
        assertTrue(2.5 < seconds * 0.75, "before the fade: " + seconds);
        float[] silent = pcm(merge(dir.resolve("plain.mp4"), null, settings).output());
        assertTrue(toneDb(x, 55, from, to) - toneDb(silent, 55, from, to) > 20, "music looped under the end of the Short");
    }

    @Test
    void aClipOfTheUsersOwnWithOtherParametersIsReEncodedToMatchNeverCopiedBroken() throws Exception {
        Path copy = dir.resolve("mixed");
        TestSupport.copyTree(manifest.getParent(), copy);
        var other = new HashMap<>(StoryFixture.SMALL);
        other.put("X264_CRF", "30");
        var redo = TestSupport.jbang(copy, other, null, "encode", "story.json", "s2", "--force");
        assertEquals(0, redo.exitCode(), redo.toString());
        // The user's own clip for s2 (outside the work folder): taken as it is, so it must be conformed.
        Files.move(copy.resolve("story.work/clips/s2.mp4"), copy.resolve("own-s2.mp4"));
        var story = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(copy.resolve("story.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) story.get("scenes").get(1)).put("video", "own-s2.mp4");
        Files.writeString(copy.resolve("story.json"), Json.write(story));
        var run = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "mixed.mp4", "--no-music");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("warning: [s2] differ"), run.stderr());
        var decode = Proc.run(ffmpeg.command("-v", "error", "-i", copy.resolve("mixed.mp4").toString(), "-f", "null", "-"), Duration.ofMinutes(1));
        assertTrue(decode.ok() && decode.stderr().isBlank(), "decodes without a single error: " + decode.stderr());
        var v = Media.probe(ffmpeg, copy.resolve("mixed.mp4")).video().orElseThrow();
        var s1 = Media.probe(ffmpeg, copy.resolve("story.work/clips/s1.mp4")).video().orElseThrow();
        assertEquals(s1.extradataHash(), v.extradataHash(), "joined under the other clips' parameters");
        assertTrue(Json.MAPPER.readTree(run.stdout()).get("output").asText().endsWith("mixed.mp4"));
    }

    @Test
    void badInputsFailWithOneLineAndLeaveNoFile() throws Exception {
        Path copy = dir.resolve("bad");
        TestSupport.copyTree(manifest.getParent(), copy);
        // Music that is not audio.
        var notAudio = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "a.mp4", "--music", "s1.jpg");
        assertEquals(ExitCode.BAD_INPUT.code(), notAudio.exitCode(), notAudio.toString());
        assertTrue(notAudio.stderr().strip().lines().count() == 1 && notAudio.stderr().contains("s1.jpg"), notAudio.stderr());
        var missingMusic = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "a.mp4", "--music", "none.mp3");
        assertEquals(ExitCode.BAD_INPUT.code(), missingMusic.exitCode(), missingMusic.toString());
        // No write permission where the output should go (root may write anywhere but /sys).
        boolean root = "root".equals(System.getProperty("user.name"));
        Path locked = copy.resolve("locked");
        Files.createDirectories(locked);
        locked.toFile().setWritable(false, false);
        String target = root ? "/sys/short.mp4" : locked.resolve("short.mp4").toString();
        var noWrite = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", target);
        assertEquals(ExitCode.OUTPUT.code(), noWrite.exitCode(), noWrite.toString());
        assertTrue(noWrite.stderr().contains(target) && noWrite.stderr().strip().lines().count() == 1, noWrite.stderr());
        // A missing clip.
        Files.delete(copy.resolve("story.work/clips/s3.mp4"));
        var missing = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "a.mp4");
        assertEquals(ExitCode.BAD_INPUT.code(), missing.exitCode(), missing.toString());
        assertTrue(missing.stderr().contains("s3"), missing.stderr());
        assertFalse(missing.stderr().contains("Exception"), missing.stderr());
        try (var files = Files.list(copy)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("a.")), "no output, whole or partial");
        }
    }

    @Test
    void clipsOfAnotherStoryAreRefused() throws Exception {
        Path copy = dir.resolve("foreign");
        TestSupport.copyTree(manifest.getParent(), copy);
        String json = Files.readString(copy.resolve("story.json")).replace("\"Prueba\"", "\"Otra historia\"");
        Files.writeString(copy.resolve("other.json"), json);
        // other.json has its own work folder: point it at this story's clips.
        var story = Story.read(copy.resolve("other.json"));
        var scenes = new ArrayList<Story.Scene>();
        for (var s : story.scenes()) scenes.add(s.withVideo(copy.resolve("story.work/clips/" + s.id() + ".mp4").toString(), 1));
        Files.writeString(copy.resolve("other.json"), story.withScenes(scenes).toJson());
        var run = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "other.json", "-o", "other.mp4");
        assertEquals(ExitCode.BAD_INPUT.code(), run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("belongs to the story \"Prueba\""), run.stderr());
        assertFalse(Files.exists(copy.resolve("other.mp4")));
    }

    @Test
    void checkReportsWhatYouTubeWouldNotLikeInAnyFile() throws Exception {
        Path landscape = dir.resolve("landscape.mp4");
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:d=1", "-f", "lavfi",
                "-i", "sine=f=440:sample_rate=44100:d=1", "-c:v", "libx264", "-profile:v", "baseline", "-ac", "1", "-c:a", "aac",
                landscape.toString()), Duration.ofMinutes(1));
        assertTrue(r.ok(), r.stderr());
        var run = TestSupport.jbang(dir, Map.of(), null, "merge", "--check", landscape.toString());
        assertEquals(ExitCode.FAILED.code(), run.exitCode(), run.toString());
        for (String w : List.of("✗ 9:16: 320x240", "✗ H.264 High: h264 Constrained Baseline", "✗ 48 kHz: 44100 Hz", "✗ stereo: 1 channel(s)",
                "✗ MP4 with the moov box first (faststart): moov after the media data", "audio track: the media from 0.023 s (skipping the AAC priming)",
                "✓ at most 3 minutes: 1.00 s", "not ready: ")) {
            assertTrue(run.stdout().contains(w), w + " in:\n" + run.stdout());
        }
        assertTrue(run.stdout().contains("LUFS"), run.stdout());
    }


    @Test
    void aUsersOwnMergeFolderIsNeverTouchedAndTwoMergesOfOneStoryAtOnceBothSucceed() throws Exception {
        Path copy = dir.resolve("twice");
        TestSupport.copyTree(manifest.getParent(), copy);
        Path own = Files.createDirectories(copy.resolve("story.work/merge"));
        Files.writeString(own.resolve("notes.txt"), "mine");
        // Two merges of the same story from two processes, started while a third command (this test) holds the story.
        TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "--help");   // built and cached before the clock starts
        var runs = new ArrayList<java.util.concurrent.Future<TestSupport.Run>>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            try (var held = new shortsmith.core.WorkDir(copy.resolve("story.work")).lock("test", s -> {})) {
                for (String out : List.of("a.mp4", "b.mp4")) {
                    runs.add(pool.submit(() -> TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", out, "--no-music")));
                }
                Thread.sleep(4000);
                assertTrue(runs.stream().noneMatch(java.util.concurrent.Future::isDone), "both wait while the story is held");
            }
        }
        for (var run : runs) {
            assertEquals(0, run.get().exitCode(), run.get().toString());
            assertTrue(run.get().stderr().contains("waiting for another shortsmith command"), run.get().stderr());
        }
        double clips = 0;
        for (var scene : Story.read(copy.resolve("story.json")).scenes()) {
            clips += Media.probe(ffmpeg, copy.resolve("story.work/clips/" + scene.id() + ".mp4")).video().orElseThrow().duration();
        }
        for (String out : List.of("a.mp4", "b.mp4")) {
            var m = Media.probe(ffmpeg, copy.resolve(out));
            assertEquals(clips, m.duration(), 0.1, out + " is whole");
            var decode = Proc.run(ffmpeg.command("-v", "error", "-i", copy.resolve(out).toString(), "-f", "null", "-"), Duration.ofMinutes(1));
            assertTrue(decode.ok() && decode.stderr().isBlank(), out + " decodes cleanly: " + decode.stderr());
        }
        assertEquals("mine", Files.readString(own.resolve("notes.txt")), "the user's merge/ folder is untouched");
        try (var leftovers = Files.list(copy.resolve("story.work"))) {
            assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().startsWith(".merge-")), "each merge removed only its own scratch");
        }
    }

    @Test
    void aSceneNarratedAgainSinceItWasEncodedIsEncodedAgainBeforeTheMerge() throws Exception {
        Path copy = dir.resolve("renarrated");
        TestSupport.copyTree(manifest.getParent(), copy);
        // The user changes scene 2's text and makes its narration again, and does not run encode.
        String longer = "Voló sobre el mar azul, muy lejos, más allá de las olas y de los barcos del puerto.";
        StoryFixture.speak(longer, copy.resolve("s2.wav"));
        var story = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(copy.resolve("story.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) story.get("scenes").get(1)).put("text", longer);
        Files.writeString(copy.resolve("story.json"), Json.write(story));
        double narration = Narration.load(ffmpeg, copy.resolve("s2.wav")).duration();
        var run = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "short.mp4", "--no-music");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("the clip of [s2] is out of date") && run.stderr().contains("encoding it again"), run.stderr());
        var s2 = Media.probe(ffmpeg, copy.resolve("story.work/clips/s2.mp4")).video().orElseThrow();
        assertTrue(s2.duration() >= narration, "scene 2's clip now holds its whole new narration: " + s2.duration() + " < " + narration);
        var out = Media.probe(ffmpeg, copy.resolve("short.mp4"));
        assertEquals(out.video().orElseThrow().duration(), out.audio().orElseThrow().duration(), 0.05, "nothing cut short");
        // Merged again with nothing changed: nothing is encoded.
        var again = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", "short.mp4", "--no-music");
        assertFalse(again.stderr().contains("out of date"), again.stderr());
    }

    @Test
    void aManifestWhoseOutputPointsOutsideItsFolderIsRefusedAndTheFileThereUntouched() throws Exception {
        Path copy = dir.resolve("evil/story");
        TestSupport.copyTree(manifest.getParent(), copy);
        Path victim = dir.resolve("evil/.bashrc");
        Files.writeString(victim, "export PATH=$PATH\n");
        var story = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(copy.resolve("story.json").toFile());
        story.put("output", "../.bashrc");
        Files.writeString(copy.resolve("story.json"), Json.write(story));
        var run = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "--no-music");
        assertEquals(ExitCode.BAD_INPUT.code(), run.exitCode(), run.toString());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("outside the manifest's folder"), run.stderr());
        assertEquals("export PATH=$PATH\n", Files.readString(victim));
        // The user may still write anywhere, by saying so on the command line.
        var chosen = TestSupport.jbang(copy, StoryFixture.SMALL, null, "merge", "story.json", "-o", dir.resolve("evil/chosen.mp4").toString(), "--no-music");
        assertEquals(ExitCode.BAD_INPUT.code(), chosen.exitCode(), "the manifest itself is still refused: " + chosen);
    }

    @Test
    void subtitleFilesBesideTheShortCarryTheCaptionsOnItsTimeline() throws Exception {
        Path out = dir.resolve("subs/short.mp4");
        Files.createDirectories(out.getParent());
        var result = merge(out, null, settings);
        assertEquals(List.of(dir.resolve("subs/short.srt"), dir.resolve("subs/short.vtt")), result.subtitles());
        String srt = Files.readString(dir.resolve("subs/short.srt"), java.nio.charset.StandardCharsets.UTF_8);
        String vtt = Files.readString(dir.resolve("subs/short.vtt"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(vtt.startsWith("WEBVTT\n\n"), vtt);
        var times = java.util.regex.Pattern.compile("(\\d\\d):(\\d\\d):(\\d\\d),(\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d),(\\d{3})").matcher(srt).results().toList();
        assertTrue(times.size() >= 3, "a cue a scene at least (each short sentence is one cue for reading): " + srt);
        double last = -1, total = result.report().duration();
        for (var t : times) {
            double a = Integer.parseInt(t.group(2)) * 60 + Integer.parseInt(t.group(3)) + Integer.parseInt(t.group(4)) / 1000.0;
            double b = Integer.parseInt(t.group(6)) * 60 + Integer.parseInt(t.group(7)) + Integer.parseInt(t.group(8)) / 1000.0;
            assertTrue(a >= last - 1e-9 && b > a && b <= total + 0.01, "in order, on the Short's timeline: " + t.group());
            last = b;
        }
        // Scene 2's words start after scene 1's clip: the offsets are the clips' lengths.
        var scenes = Story.read(manifest).scenes();
        double first = scenes.get(0).duration();
        int cueOfScene2 = srt.indexOf("Voló");
        assertTrue(cueOfScene2 > 0, srt);
        String before = srt.substring(0, cueOfScene2);
        var m = java.util.regex.Pattern.compile("(\\d\\d):(\\d\\d),(\\d{3}) -->").matcher(before).results().reduce((x, y) -> y).orElseThrow();
        double at = Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3)) / 1000.0;
        assertTrue(at >= first, "scene 2's first cue at " + at + " s, after scene 1's clip of " + first + " s");
        assertTrue(srt.contains("Había") && vtt.contains("Había"), "UTF-8 text as it is");
    }

    @Test
    void subtitleTextIsEscapedForWebVttAndTimesAreExact() {
        var cues = List.of(new shortsmith.video.Subtitles.Cue(1.2345, 62.5, List.of("<b>Tom & Jerry</b>", "¿sí?")));
        // SRT has no escapes: a word joiner after '<' keeps the story's text from being read as markup (see SubtitlesTest).
        assertEquals("1\n00:00:01,235 --> 00:01:02,500\n<\u2060b>Tom & Jerry<\u2060/b>\n¿sí?\n\n", shortsmith.video.Subtitles.srt(cues));
        assertEquals("WEBVTT\n\n00:00:01.235 --> 00:01:02.500\n&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;\n¿sí?\n\n", shortsmith.video.Subtitles.vtt(cues));
    }

    /** Where each scene join of the merged story falls on the Short's timeline. */
    static List<Double> joins(Story story) {
        List<Double> joins = new ArrayList<>();
        double t = 0;
        for (var s : story.scenes().subList(0, story.scenes().size() - 1)) joins.add(t += s.duration());
        return joins;
    }

    @Test
    void aSceneJoinHoldsAtMostTheBoundWithoutSpeech() throws Exception {
        var result = merge(dir.resolve("pace.mp4"), null, settings);
        // At most ~0.35 s: the narration's trailing silence trimmed to 0.1 s, CLIP_TAIL 0.2 s, the next one's leading
        // silence to 0.05 s; half a frame of rounding and 10 ms of measurement aside.
        double bound = 0.35 + 0.5 / settings.video().fps() + 0.01;
        var joins = DeadAir.measure(ffmpeg, result.output(), joins(result.story()));
        assertEquals(2, joins.each().size());
        assertTrue(joins.each().stream().allMatch(d -> d > 0.15), "silencedetect sees each join: " + joins);
        assertTrue(joins.longest() <= bound, joins + " against a bound of " + bound);
        var first = result.story().scenes().getFirst();
        var trim = SpeechTrim.of(Narration.load(ffmpeg, Path.of(first.audio())));
        assertTrue(trim.cutAfter() > 0.1, "espeak-ng's trailing silence was cut: " + trim);
    }

    @Test
    void theMusicDoesNotSwellInASceneJoin() throws Exception {
        // A steady 40 Hz tone as the music: below the voice, so its level is measured apart from the speech.
        Path song = dir.resolve("steady.wav");
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=f=40:sample_rate=48000:d=30", "-af", "volume=0.5",
                song.toString()), Duration.ofMinutes(1));
        assertTrue(r.ok(), r.stderr());
        var result = merge(dir.resolve("steady.mp4"), song, settings);
        double swell = DeadAir.musicSwell(ffmpeg, result.output(), joins(result.story()), 40);
        assertTrue(swell <= 3, String.format("in a join the music rose %.1f dB over its level under the speech before it", swell));
    }

    @Test
    void theShortHasNoEditListItsStreamsStartAtZeroAndItFollowsYouTubesRecommendations() throws Exception {
        var result = merge(dir.resolve("clean.mp4"), null, settings);
        Path out = result.output();
        var movie = Mp4Boxes.read(out);
        for (var t : movie.tracks()) {
            assertFalse(t.hasEditList(), t.toString());
            assertEquals(0, t.start(movie.timescale()), 1e-9, t.toString());
        }
        // ffprobe agrees: both streams at 0, and the file as long as its streams.
        var probe = Proc.run(List.of(ffmpeg.ffprobe().toString(), "-v", "error", "-show_entries", "stream=codec_type,start_time,duration:format=duration",
                "-of", "json", out.toString()), Duration.ofSeconds(30));
        var json = Json.MAPPER.readTree(probe.stdout());
        double longest = 0;
        for (var s : json.get("streams")) {
            assertEquals(0, s.get("start_time").asDouble(), 1e-9, s.toString());
            longest = Math.max(longest, s.get("duration").asDouble());
        }
        assertEquals(longest, json.get("format").get("duration").asDouble(), 0.0015, "the file says what its streams last: " + json);
        var video = movie.of("vide").getFirst();
        assertTrue(video.longestBRun() <= 2 && video.longestBRun() >= 1, "2 consecutive B-frames: " + video.longestBRun());
        assertTrue(video.longestKeyframeInterval() <= 1.0 + 1e-6, "a keyframe every second: " + video.longestKeyframeInterval());
        assertEquals(List.of(), video.openGops());
        var audio = movie.of("soun").getFirst().entry();
        assertEquals(2, audio.audioObjectType(), "AAC-LC");
        assertEquals(384_000, audio.maxBitrate(), "the final Short's audio is encoded at 384 kb/s: " + audio);
        assertTrue(result.report().ready(), result.report().details());

        var check = TestSupport.jbang(dir, Map.of(), null, "merge", "--check", out.toString());
        assertEquals(0, check.exitCode(), check.toString());
        assertTrue(check.stdout().contains("✓ no edit lists: none") && check.stdout().contains("ready for YouTube Shorts"), check.stdout());
    }

    @Test
    void mergeCheckFailsAFileWithAnEditListAndSaysWhere() throws Exception {
        // Our own Short, remuxed as ffmpeg does by default: the B-frames' delay becomes an edit list.
        Path ours = merge(dir.resolve("for-remux.mp4"), null, settings).output();
        Path edited = dir.resolve("edited.mp4");
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-i", ours.toString(), "-c", "copy", "-movflags", "+faststart", edited.toString()),
                Duration.ofMinutes(1));
        assertTrue(r.ok(), r.stderr());
        assertTrue(Mp4Boxes.read(edited).tracks().stream().anyMatch(Mp4Boxes.Track::hasEditList), "ffmpeg's default writes an edit list");
        var check = TestSupport.jbang(dir, Map.of(), null, "merge", "--check", edited.toString());
        assertEquals(ExitCode.FAILED.code(), check.exitCode(), check.toString());
        assertTrue(check.stdout().contains("✗ no edit lists: video track: "), check.stdout());
        assertTrue(check.stdout().contains("-use_editlist 0"), "says how to fix it: " + check.stdout());
    }
}
