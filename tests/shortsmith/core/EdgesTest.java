package shortsmith.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.testing.TestSupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The promises at the edges of core (#11): keys never shown, settings never dropped, paths kept inside, one clean line. */
class EdgesTest {

    @Test
    void aKeyWithCurlyQuotesIsRefusedAtLoadWithoutEverShowingIt() {
        String pasted = "\u201Csk-live-SECRET-987654\u201D";
        var e = assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("IMAGE_API_KEY", pasted)));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("IMAGE_API_KEY (given) is not a valid key: it contains \u201C (U+201C, a curly quote"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET-987654"), e.getMessage());
        for (String bad : new String[] {"sk abc 1234", "sk-\u00e9t\u00e9-1234", "'sk-1234'", "sk-1234\t"}) {
            assertThrows(ShortsmithException.class, () -> Settings.of(Map.of("TTS_API_KEY", bad.strip().isEmpty() ? "x" : bad + "x")), bad);
        }
        assertDoesNotThrow(() -> Settings.of(Map.of("GEMINI_API_KEY", "AIzaSyA-valid_key.123")));
    }

    @Test
    void everyMessageThatReachesTheUserIsScrubbedOfKeysTheTraceToo() {
        Settings.of(Map.of("TTS_API_KEY", "r8_scrub-me-424242"));
        var out = new StringWriter();
        int code = Cli.report("tts", new IllegalStateException("boom with r8_scrub-me-424242 inside"), true, new PrintWriter(out));
        assertEquals(ExitCode.FAILED.code(), code);
        assertFalse(out.toString().contains("r8_scrub-me-424242"), out.toString());
        assertTrue(out.toString().contains("boom with *** inside"), out.toString());
    }

    @Test
    void aFailureNamesTheCommandOnceAndAnUnusablePathIsBadInput() {
        var out = new StringWriter();
        Cli.report("merge", ShortsmithException.output("merge: cannot write /x", null), false, new PrintWriter(out));
        assertEquals("merge: cannot write /x", out.toString().strip());
        var nul = new StringWriter();
        int code = Cli.report("encode", new java.nio.file.InvalidPathException("a\0b.png", "Nul character not allowed"), false, new PrintWriter(nul));
        assertEquals(ExitCode.BAD_INPUT.code(), code);
        assertEquals(1, nul.toString().strip().lines().count());
        assertTrue(nul.toString().contains("a\\0b.png") && !nul.toString().contains("unexpected"), nul.toString());
    }

    @Test
    void aDotenvValueThatOpensAQuoteAndNeverClosesItIsAnErrorNotASilentDrop(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "# settings\nVIDEO_FPS=25\nFFMPEG_ENCODER=\"x264\nCAPTION_STYLE='chunk'\n");
        var e = assertThrows(ShortsmithException.class, () -> Settings.load(dir, Map.of()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("FFMPEG_ENCODER") && e.getMessage().contains("never closes"),
                e.getMessage());
        Files.writeString(dir.resolve(".env"), "FFMPEG_ENCODER=\"x264\"\nCAPTION_STYLE='chunk'\n");
        var ok = Settings.load(dir, Map.of());
        assertEquals(Settings.EncoderChoice.X264, ok.encoding().encoder());
        assertEquals(Settings.CaptionStyle.CHUNK, ok.clips().captionStyle());
    }

    static Path manifest(Path dir, Map<String, Object> extra) throws Exception {
        var m = new java.util.LinkedHashMap<String, Object>(Map.of("title", "T", "language", "es",
                "scenes", List.of(Map.of("id", "s1", "text", "Hola."))));
        m.putAll(extra);
        Files.createDirectories(dir);
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(m));
        return file;
    }

    @Test
    void aManifestWritesOnlyInsideItsOwnFolder(@TempDir Path dir) throws Exception {
        for (var field : List.of("output", "work_dir")) {
            for (String target : List.of("../home/.bashrc", "/etc/passwd", "sub/../../x")) {
                Path file = manifest(dir.resolve("story"), Map.of(field, target));
                var e = assertThrows(ShortsmithException.class, () -> Story.read(file), field + "=" + target);
                assertEquals(ExitCode.BAD_INPUT, e.exitCode());
                assertTrue(e.getMessage().contains("\"" + field + "\"") && e.getMessage().contains("outside the manifest's folder"), e.getMessage());
            }
        }
        // Through a link that leads out of the folder, too.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path story = Files.createDirectories(dir.resolve("linked"));
        Files.createSymbolicLink(story.resolve("out"), outside);
        assertThrows(ShortsmithException.class, () -> Story.read(manifest(story, Map.of("output", "out/short.mp4"))));
        // Inside is fine.
        var ok = Story.read(manifest(dir.resolve("fine"), Map.of("output", "renders/short.mp4", "work_dir", "w")));
        assertTrue(ok.output().endsWith("fine/renders/short.mp4"));
    }

    @Test
    void aNulInAManifestPathNamesTheSceneAndTheFieldAndTextWithNothingToSpeakIsBadInput(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("story.json");
        for (var field : List.of("image", "audio", "video")) {
            Files.writeString(file, "{\"title\":\"T\",\"scenes\":[{\"id\":\"s1\",\"text\":\"Hola.\"},{\"id\":\"s2\",\"text\":\"Adiós.\",\""
                    + field + "\":\"a\\u0000b.png\"}]}");
            var e = assertThrows(ShortsmithException.class, () -> Story.read(file));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertEquals(file + ": scene 's2' \"" + field + "\" \"a\\0b.png\" is not a usable path (Nul character not allowed); remove the odd character",
                    e.getMessage());
        }
        for (var field : List.of("music", "output", "work_dir")) {
            Files.writeString(file, "{\"title\":\"T\",\"" + field + "\":\"x\\u0000y\",\"scenes\":[{\"id\":\"s1\",\"text\":\"Hola.\"}]}");
            var e = assertThrows(ShortsmithException.class, () -> Story.read(file));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().startsWith(file + ": \"" + field + "\" \"x\\0y\" is not a usable path"), e.getMessage());
        }
        var piped = "{\"title\":\"T\",\"scenes\":[{\"id\":\"s1\",\"text\":\"Hola.\",\"audio\":\"a\\u0000b.wav\"}]}";
        var e = assertThrows(ShortsmithException.class, () -> StoryInput.resolve(List.of("-"), new java.io.ByteArrayInputStream(piped.getBytes()), false));
        assertTrue(e.getMessage().startsWith("the manifest on stdin: scene 's1' \"audio\""), e.getMessage());
        Files.writeString(file, "{\"title\":\"T\",\"scenes\":[{\"id\":\"s1\",\"text\":\"…\"}]}");
        var silent = assertThrows(ShortsmithException.class, () -> Story.read(file));
        assertTrue(silent.getMessage().contains("nothing to speak"), silent.getMessage());
    }

    @Test
    void twoThreadsOnOneStoryTakeTurnsAndOneThreadMayReenter(@TempDir Path dir) throws Exception {
        var work = new WorkDir(dir.resolve("story.work"));
        var notes = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var order = new java.util.concurrent.CopyOnWriteArrayList<String>();
        try (var outer = work.lock("short", notes::add); var inner = work.lock("merge", notes::add)) {
            Thread other = Thread.ofVirtual().start(() -> {
                try (var l = work.lock("encode", notes::add)) {
                    order.add("other");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(600);
            order.add("first");
            assertTrue(notes.stream().anyMatch(n -> n.startsWith("encode: waiting for another shortsmith command")), notes.toString());
            inner.close();
            outer.close();
            other.join(5000);
        }
        assertEquals(List.of("first", "other"), order);
    }
}
