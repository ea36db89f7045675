package shortsmith.providers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.StageResult;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Local programs as image and speech providers, with real commands: ffmpeg, espeak-ng, and shell scripts the test writes. */
class CommandTest {

    static Path story(Path dir, String text, String prompt) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(Map.of("title", "Órdenes", "language", "es",
                "scenes", List.of(Map.of("id", "s1", "text", text, "image_prompt", prompt)))));
        return file;
    }

    static StageResult images(Path story, Map<String, String> env) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        return ImageStage.run(input, Settings.of(env), false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
    }

    static StageResult speech(Path story, Map<String, String> env) throws Exception {
        var input = StoryInput.resolve(List.of(story.toString()), System.in, true);
        return SpeechStage.run(input, Settings.of(env), false, new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()));
    }

    static Path script(Path dir, String name, String body) throws Exception {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void ffmpegAsAnImageCommandAndEspeakNgAsASpeechCommand(@TempDir Path dir) throws Exception {
        Path story = story(dir, "Una cometa roja vuela sobre el mar.", "a blue sky");
        var pictures = images(story, Map.of("IMAGE_PROVIDER", "command", "VIDEO_SIZE", "360x640",
                "IMAGE_COMMAND", "ffmpeg -v error -f lavfi -i 'color=c=0x3366cc:s={width}x{height}' -frames:v 1 {out}"));
        assertEquals(0, pictures.exitCode(), pictures.failures().toString());
        var img = ImageIO.read(Path.of(pictures.story().scene("s1").image()).toFile());
        assertEquals(360, img.getWidth());
        assertEquals(640, img.getHeight());
        assertEquals(0x3366cc, img.getRGB(10, 10) & 0xFFFFFF, 0x030303);

        var voiced = speech(story, Map.of("TTS_PROVIDER", "command", "TTS_COMMAND", "espeak-ng -v {language} --stdin -w {out}"));
        assertEquals(0, voiced.exitCode(), voiced.failures().toString());
        var n = Narration.load(Ffmpeg.locate(Settings.defaults()), Path.of(voiced.story().scene("s1").audio()));
        assertTrue(n.duration() > 1.5 && n.rmsDb() > -40, "the text arrived on stdin and was spoken: " + n);
    }

    @Test
    void textAndPromptsReachTheCommandAsDataNeverAsShellSyntaxOrOptions(@TempDir Path dir) throws Exception {
        Path wav = shortsmith.testing.StoryFixture.speak("Hola.", dir.resolve("hola.wav"));
        Path record = script(dir, "record.sh", "for a in \"$@\"; do printf '%s\\n--\\n' \"$a\"; done > \"" + dir.resolve("args.txt")
                + "\"\ncat > \"" + dir.resolve("stdin.txt") + "\"\ncp \"" + wav + "\" \"$2\"\n");
        String text = "-v dice \"hola\"; rm -rf $HOME $(touch " + dir.resolve("pwned") + ") `id`\nsegunda línea";
        var voiced = speech(story(dir, text, "x"), Map.of("TTS_PROVIDER", "command", "TTS_COMMAND", record + " {text} {out}"));
        assertEquals(0, voiced.exitCode(), voiced.failures().toString());
        assertFalse(Files.exists(dir.resolve("pwned")), "no shell ran");
        String args = Files.readString(dir.resolve("args.txt"));
        assertTrue(args.startsWith(" " + text + "\n--\n"), "the text is one argument, with a space so its '-' is no option:\n" + args);
        assertEquals(text, Files.readString(dir.resolve("stdin.txt")), "and arrives on stdin as it is");
    }

    @Test
    void aFailingSilentOrSlowCommandFailsTheSceneWithItsOwnWordsAndIsEndedWholly(@TempDir Path dir) throws Exception {
        Path story = story(dir, "Hola.", "x");
        Path failing = script(dir, "fail.sh", "echo 'loading model' >&2\necho 'model es_ES-davefx not found' >&2\nexit 3\n");
        var failed = speech(story, Map.of("TTS_PROVIDER", "command", "TTS_COMMAND", failing + " {out}"));
        assertEquals(ExitCode.PROVIDER.code(), failed.exitCode());
        assertEquals("scene s1: TTS_COMMAND failed (exit 3): model es_ES-davefx not found", failed.failures().get("s1").getMessage());

        var silent = speech(story, Map.of("TTS_PROVIDER", "command",
                "TTS_COMMAND", "ffmpeg -v error -f lavfi -i anullsrc=r=22050:cl=mono -t 1 {out}"));
        assertTrue(silent.failures().get("s1").getMessage().contains("silent audio"), silent.failures().toString());

        var notAPicture = images(story, Map.of("IMAGE_PROVIDER", "command", "IMAGE_COMMAND", "cp /etc/hostname {out}"));
        assertTrue(notAPicture.failures().get("s1").getMessage().contains("does not decode"), notAPicture.failures().toString());

        String marker = "61.2345";
        Path slow = script(dir, "slow.sh", "sleep " + marker + " &\nwait\n");
        long t0 = System.nanoTime();
        var stuck = speech(story, Map.of("TTS_PROVIDER", "command", "TTS_COMMAND", slow + " {out}", "PROVIDER_TIMEOUT", "1"));
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "ended at the timeout");
        assertTrue(stuck.failures().get("s1").getMessage().contains("ran longer than PROVIDER_TIMEOUT (1 s)"), stuck.failures().toString());
        Thread.sleep(200);
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep " + marker)),
                "its child process was ended too");
    }

    @Test
    void aCommandLineIsSplitLikeAShellSplitsItAndCheckedAtStart() {
        assertEquals(List.of("piper", "--model", "my voice.onnx", "--output_file", "{out}", "a\"b", "c d"),
                LocalCommand.split("TTS_COMMAND", "piper --model 'my voice.onnx' --output_file {out} \"a\\\"b\" c\\ d"));
        var unclosed = assertThrows(ShortsmithException.class, () -> LocalCommand.parse("IMAGE_COMMAND", "gen --prompt '{prompt} {out}",
                CommandImages.PLACEHOLDERS));
        assertTrue(unclosed.getMessage().startsWith("IMAGE_COMMAND opens a '"), unclosed.getMessage());
        var noOut = assertThrows(ShortsmithException.class, () -> LocalCommand.parse("TTS_COMMAND", "piper --text {text}", CommandSpeech.PLACEHOLDERS));
        assertTrue(noOut.getMessage().contains("has no {out}"), noOut.getMessage());
        var typo = assertThrows(ShortsmithException.class, () -> LocalCommand.parse("TTS_COMMAND", "piper {txt} {out}", CommandSpeech.PLACEHOLDERS));
        assertTrue(typo.getMessage().contains("{txt}"), typo.getMessage());
        var missing = assertThrows(ShortsmithException.class, () -> ImageProvider.from(Settings.of(Map.of("IMAGE_PROVIDER", "command"))));
        assertTrue(missing.getMessage().startsWith("IMAGE_COMMAND is empty"), missing.getMessage());
    }

    /**
     * SIGTERM or Ctrl-C while a command's worker runs: the command, the worker it spawned and the
     * folder {out} was in are all gone. Before, the shutdown ended only the direct child (the worker
     * went on running) and the command's temporary folder stayed in /tmp.
     */
    @Test
    void aStoppedRunLeavesNoProcessOfItsCommandAndNoTemporaryFolder(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        for (String[] run : new String[][] {{"gen-images", "TERM"}, {"tts", "INT"}}) {
            String marker = run[0].equals("tts") ? "61.4321" : "61.1234";
            Path out = dir.resolve(run[0] + "-out.txt");
            Path worker = script(dir, run[0] + "-worker.sh", "echo \"$1\" > \"" + out + "\"\nsleep " + marker + " &\nwait\n");
            Path story = story(dir.resolve(run[0]), "Hola.", "x");
            var env = Map.of("IMAGE_PROVIDER", "command", "IMAGE_COMMAND", worker + " {out}", "TTS_PROVIDER", "command", "TTS_COMMAND", worker + " {out}",
                    "TMPDIR", tmp.toString());
            var cmd = List.of(shortsmith.testing.TestSupport.repo().resolve("jbang").toString(), run[0], "story.json");
            var pb = new ProcessBuilder(cmd).directory(story.getParent().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile());
            pb.environment().remove("SHORTSMITH_HOME");
            pb.environment().putAll(env);
            Process p = pb.start();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!sleeping(marker) && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(sleeping(marker), "the worker started: " + Files.readString(dir.resolve("run.log")));
            new ProcessBuilder("kill", "-" + run[1], String.valueOf(p.pid())).start().waitFor();
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), Files.readString(dir.resolve("run.log")));
            Thread.sleep(300);
            assertFalse(sleeping(marker), run[0] + " SIG" + run[1] + ": the command's worker was ended too");
            Path folder = Path.of(Files.readString(out).strip()).getParent();
            assertTrue(folder.startsWith(tmp), "made in TMPDIR: " + folder);
            assertFalse(Files.exists(folder), run[0] + " SIG" + run[1] + ": " + folder + " was removed");
        }
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "nothing of ours is left in TMPDIR");
        }
    }

    private static boolean sleeping(String marker) {
        return ProcessHandle.allProcesses().anyMatch(h -> h.info().commandLine().orElse("").contains("sleep " + marker));
    }

    /**
     * A NUL in a scene's text is refused when the manifest is read, and one in an image prompt
     * cannot be an argument: the scene fails as bad input (exit 5) naming the field, not as a missing tool. Before, starting the command failed and the run exited 4
     * ("cannot run espeak-ng: invalid null character in command").
     */
    @Test
    void aNulInTheTextIsBadInputNamingTheTextNotAMissingTool(@TempDir Path dir) throws Exception {
        // A NUL in the text is refused when the manifest is read (every engine, libass and the subtitle files would get it), naming the scene.
        var refused = assertThrows(shortsmith.core.ShortsmithException.class, () -> speech(story(dir, "Hola\u0000mundo.", "x"),
                Map.of("TTS_PROVIDER", "command", "TTS_COMMAND", "espeak-ng -v es -w {out} {text}")));
        assertEquals(ExitCode.BAD_INPUT, refused.exitCode());
        assertTrue(refused.getMessage().contains("scene 's1' \"text\" contains a NUL character"), refused.getMessage());
        var drawn = images(story(dir.resolve("p"), "Hola.", "a\u0000kite"), Map.of("IMAGE_PROVIDER", "command", "IMAGE_COMMAND", "my-flux --prompt {prompt} --out {out}"));
        assertEquals(ExitCode.BAD_INPUT.code(), drawn.exitCode());
        assertTrue(drawn.failures().get("s1").getMessage().contains("the scene's image prompt"), drawn.failures().toString());
        // Any tool: an argument with a NUL (a title in ffmpeg's metadata) is bad input too, never "tool missing".
        var e = assertThrows(ShortsmithException.class, () -> shortsmith.media.Proc.run(List.of("ffmpeg", "-metadata", "comment=story=Ti\u0000tle"),
                java.time.Duration.ofSeconds(5)));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertEquals("ffmpeg cannot be given text with a NUL character (\\0), as in \"…comment=story=Ti\\0tle…\"; remove it from the manifest", e.getMessage());
    }
}
