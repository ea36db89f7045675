package shortsmith.core;

import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Where a story may write (#23): a manifest's output never replaces the manifest, an input it
 * names or a file the story did not write; -o may replace the user's own file but never the
 * manifest or an input; a piped manifest writes outside the current folder only where an earlier
 * stage of the same pipe handed it on from.
 */
class WritesTest {
    static final Settings SETTINGS = Settings.of(Map.of());

    /** A story folder: story.json naming a picture, a narration and music of the user's (bytes only: nothing is rendered here). */
    static Path manifest(Path dir, Map<String, Object> extra) throws Exception {
        Files.createDirectories(dir);
        for (String f : List.of("s1.jpg", "s1.wav", "music.mp3")) Files.writeString(dir.resolve(f), "the user's " + f);
        var m = new LinkedHashMap<String, Object>(Map.of("title", "T", "language", "es", "music", "music.mp3",
                "scenes", List.of(Map.of("id", "s1", "text", "Hola.", "image", "s1.jpg", "audio", "s1.wav"))));
        m.putAll(extra);
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(m));
        return file;
    }

    static StoryInput input(Path manifest) { return StoryInput.resolve(List.of(manifest.toString()), System.in, true); }

    static StoryInput piped(String json) {
        return StoryInput.resolve(List.of("-"), new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), false);
    }

    @Test
    void aManifestsOutputIsNeverTheManifestNorAnInputItNames(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.createLink(dir.resolve("alias.json"), manifest(dir, Map.of()));
        for (String target : List.of("story.json", "./sub/../story.json", "alias.json", "s1.jpg", "s1.wav", "music.mp3")) {
            Path file = manifest(dir, Map.of("output", target));
            byte[] before = Files.readAllBytes(file);
            var e = assertThrows(ShortsmithException.class, () -> input(file), target);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), target);
            assertTrue(e.getMessage().startsWith(file + ": \"output\" ") && (e.getMessage().contains("is the manifest itself")
                    || e.getMessage().contains("an input of the story")), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
            assertArrayEquals(before, Files.readAllBytes(file));
        }
        var e = assertThrows(ShortsmithException.class, () -> input(manifest(dir, Map.of("output", "s1.jpg"))));
        assertTrue(e.getMessage().contains("scene 's1' \"image\""), e.getMessage());
    }

    @Test
    void aReportFileTheUserNamesIsNeverTheManifestAnInputNorTheShortsOwnFiles(@TempDir Path dir) throws Exception {
        // short story.json --report story.json wrote the timing report over the story (and --report s1.jpg over its picture).
        Path file = manifest(dir, Map.of());
        var in = input(file);
        Path out = dir.resolve("short.mp4");
        List<Path> shortFiles = List.of(out, Writes.beside(out, ".srt"), Writes.beside(out, ".timeline.png"));
        for (String name : List.of("story.json", "./sub/../story.json", "s1.jpg", "s1.wav", "music.mp3", "short.mp4", "short.srt", "short.timeline.png", ".")) {
            var e = assertThrows(ShortsmithException.class, () -> Writes.userReport("--report", dir.resolve(name), List.of(in), shortFiles), name);
            assertEquals(ExitCode.USAGE, e.exitCode(), name);
            assertTrue(e.getMessage().startsWith("--report " + dir.resolve(name)), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        Files.writeString(dir.resolve("old-report.json"), "the user's");
        assertEquals(dir.resolve("old-report.json"), Writes.userReport("--report", dir.resolve("old-report.json"), List.of(in), shortFiles),
                "any other file: the user named it");
    }

    @Test
    void aManifestsOutputReplacesOnlyAPreviousOutputOfTheSameStory(@TempDir Path dir) throws Exception {
        Path file = manifest(dir, Map.of("output", "short.mp4"));
        Path out = input(file).output(SETTINGS, null, null);
        assertEquals(dir.resolve("short.mp4"), out);
        WorkDir.writeAtomically(out, "the first Short");            // as the merge publishes it
        WorkDir.writeAtomically(Writes.beside(out, ".srt"), "1\n");  // and its captions beside it
        Path again = input(file).output(SETTINGS, null, null);      // run again: its own previous output
        WorkDir.writeAtomically(again, "the second Short");
        assertEquals("the second Short", Files.readString(out));
        assertDoesNotThrow(() -> input(file).output(SETTINGS, null, null));

        // The user puts a file of their own there: it is no longer this story's, and is left alone.
        Files.writeString(out, "the user's own video");
        var e = assertThrows(ShortsmithException.class, () -> input(file).output(SETTINGS, null, null));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("\"output\" " + out + " already exists and is not a file this story wrote"), e.getMessage());
        assertEquals("the user's own video", Files.readString(out));

        // Another story of the same folder never takes this one's Short for its own.
        Files.delete(out);
        WorkDir.writeAtomically(input(file).output(SETTINGS, null, null), "this story's Short");
        Path other = dir.resolve("other.json");
        Files.writeString(other, Files.readString(file));
        assertThrows(ShortsmithException.class, () -> input(other).output(SETTINGS, null, null));

        // Any other file of the folder, and a file of the user's where a caption file would go beside the Short.
        Files.writeString(dir.resolve("notes.txt"), "my notes");
        assertThrows(ShortsmithException.class, () -> input(manifest(dir, Map.of("output", "notes.txt"))).output(SETTINGS, null, null));
        Files.writeString(dir.resolve("talk.srt"), "my subtitles");
        var beside = assertThrows(ShortsmithException.class, () -> input(manifest(dir, Map.of("output", "talk.mp4"))).output(SETTINGS, null, null));
        assertTrue(beside.getMessage().startsWith("talk.srt, written beside story.json: \"output\""), beside.getMessage());
        assertEquals("my notes", Files.readString(dir.resolve("notes.txt")));
        assertEquals("my subtitles", Files.readString(dir.resolve("talk.srt")));
        assertFalse(Files.exists(dir.resolve("talk.mp4")));
    }

    @Test
    void theUsersOwnChoiceMayReplaceTheirFileButNeverTheManifestNorAnInput(@TempDir Path dir) throws Exception {
        Path file = manifest(dir, Map.of());
        Files.writeString(dir.resolve("old.mp4"), "an old video of the user's");
        Path chosen = input(file).output(SETTINGS, dir.resolve("old.mp4"), null);
        WorkDir.writeAtomically(chosen, "the Short");
        assertEquals("the Short", Files.readString(dir.resolve("old.mp4")), "-o is the user's choice");
        for (String target : List.of("story.json", "s1.jpg", "music.mp3")) {
            var e = assertThrows(ShortsmithException.class, () -> input(file).output(SETTINGS, dir.resolve(target), null), target);
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().startsWith("-o " + dir.resolve(target) + " is "), e.getMessage());
        }
        // A default name is nobody's choice: a file already there is left alone (exit 7, naming the way to replace it).
        Files.writeString(dir.resolve("short.mp4"), "another video of the user's");
        var e = assertThrows(ShortsmithException.class, () -> input(file).output(SETTINGS, null, dir.resolve("short.mp4")));
        assertEquals(ExitCode.OUTPUT, e.exitCode());
        assertTrue(e.getMessage().contains("-o short.mp4 replaces it deliberately"), e.getMessage());
        assertEquals("another video of the user's", Files.readString(dir.resolve("short.mp4")));
    }

    @Test
    void aFileThatAppearsWhileTheShortIsMadeIsNotReplaced(@TempDir Path dir) throws Exception {
        Path out = input(manifest(dir, Map.of("output", "short.mp4"))).output(SETTINGS, null, null);
        Files.writeString(out, "saved meanwhile by the user");
        var e = assertThrows(ShortsmithException.class, () -> WorkDir.writeAtomically(out, "the Short"));
        assertEquals(ExitCode.OUTPUT, e.exitCode());
        assertEquals("saved meanwhile by the user", Files.readString(out));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no temporary file left");
        }
    }

    @Test
    void aManifestsWorkFolderIsNeverItsOwnFolderAFileOrAFolderOfTheUsers(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("photos"));
        Files.writeString(dir.resolve("photos/kite.jpg"), "a photo");
        for (String target : List.of(".", "story.json", "s1.jpg", "photos")) {
            var e = assertThrows(ShortsmithException.class, () -> input(manifest(dir, Map.of("work_dir", target))), target);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().contains("\"work_dir\""), e.getMessage());
        }
        Files.createDirectories(dir.resolve("empty"));
        assertDoesNotThrow(() -> input(manifest(dir, Map.of("work_dir", "empty"))));
        assertDoesNotThrow(() -> input(manifest(dir, Map.of("work_dir", "new.work"))));
    }

    @Test
    void aPipedManifestWritesOutsideTheCurrentFolderOnlyWhereAnEarlierStageHandedItOn(@TempDir Path dir) throws Exception {
        // Another folder, with a work folder of some other story in it and a file of the user's.
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        try (var lock = new WorkDir(elsewhere.resolve("x.work")).lock("test", s -> {})) {
            // a work folder shortsmith used
        }
        Files.writeString(elsewhere.resolve("notes.txt"), "my notes");
        // An earlier stage (gen-images story.json) hands its manifest on.
        Path file = manifest(dir.resolve("story"), Map.of("output", "short.mp4"));
        var first = input(file);
        String handed = StoryInput.handOn(first.story().withWorkDir(first.workDir(SETTINGS).root().toString()));
        var next = piped(handed + "\n");
        assertEquals(first.workDir(SETTINGS).root().toString(), next.story().workDir());
        assertEquals(dir.resolve("story/short.mp4").toString(), next.story().output());

        // The same manifest with its output changed is no longer the one handed on.
        String changed = handed.replace(dir.resolve("story/short.mp4").toString(), elsewhere.resolve("notes.txt").toString());
        var e = assertThrows(ShortsmithException.class, () -> piped(changed));
        assertTrue(e.getMessage().contains("\"output\" " + elsewhere.resolve("notes.txt") + " is outside"), e.getMessage());
        // Naming a real work folder of that other folder proves nothing either.
        String evil = Json.write(Map.of("title", "T", "work_dir", elsewhere.resolve("x.work").toString(), "output", elsewhere.resolve("notes.txt").toString(),
                "scenes", List.of(Map.of("id", "s1", "text", "Hola."))));
        assertThrows(ShortsmithException.class, () -> piped(evil));
        String noWorkFolder = Json.write(Map.of("title", "T", "output", elsewhere.resolve("notes.txt").toString(), "scenes", List.of(Map.of("id", "s1", "text", "Hola."))));
        assertThrows(ShortsmithException.class, () -> piped(noWorkFolder));
        assertEquals("my notes", Files.readString(elsewhere.resolve("notes.txt")));
        // A handed-on manifest saved as a file elsewhere is still the one handed on.
        Path saved = Files.writeString(elsewhere.resolve("saved.json"), handed + "\n");
        assertEquals(first.workDir(SETTINGS).root().toString(), input(saved).story().workDir());
    }

    /** Through ./jbang, as the review did it: the Short over its own manifest, and a piped manifest aimed at a folder with a work folder in it. */
    @Test
    void endToEndAShortNeverReplacesItsManifestAndAPipeWritesOnlyWhereItsStagesDid(@TempDir Path dir) throws Exception {
        Path file = StoryFixture.story(dir.resolve("story"), "Hola, mundo.");
        var story = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(file.toFile());
        story.put("output", "story.json");
        Files.writeString(file, Json.write(story));
        byte[] before = Files.readAllBytes(file);
        var self = TestSupport.jbang(file.getParent(), StoryFixture.SMALL, null, "short", "story.json", "--no-music");
        assertEquals(ExitCode.BAD_INPUT.code(), self.exitCode(), self.toString());
        assertEquals(1, self.stderr().strip().lines().filter(l -> !l.startsWith("[jbang]")).count(), self.stderr());
        assertTrue(self.stderr().contains("\"output\"") && self.stderr().contains("is the manifest itself"), self.stderr());
        assertArrayEquals(before, Files.readAllBytes(file));

        // The review's attack: a piped manifest's output in a folder that holds some work folder.
        Path victim = Files.createDirectories(dir.resolve("victim"));
        Files.createDirectories(victim.resolve("old.work"));
        Files.writeString(victim.resolve("old.work/.shortsmith.lock"), "");
        Files.writeString(victim.resolve("notes.txt"), "my notes");
        story.put("output", victim.resolve("notes.txt").toString());
        story.set("scenes", Json.MAPPER.valueToTree(Story.read(StoryFixture.story(dir.resolve("abs"), "Hola, mundo.")).scenes()));
        Path cwd = Files.createDirectories(dir.resolve("cwd"));
        var attack = TestSupport.jbang(cwd, StoryFixture.SMALL, Json.write(story), "short", "--no-music");
        assertEquals(ExitCode.BAD_INPUT.code(), attack.exitCode(), attack.toString());
        assertEquals("my notes", Files.readString(victim.resolve("notes.txt")));

        // The README's pipe, run from another folder than the story's: each stage hands on to the next.
        Files.writeString(file, Json.write(story.put("output", "short.mp4")));
        var encode = TestSupport.jbang(cwd, StoryFixture.SMALL, null, "encode", file.toString());
        assertEquals(0, encode.exitCode(), encode.toString());
        var merge = TestSupport.jbang(cwd, StoryFixture.SMALL, encode.stdout(), "merge", "-o", "short.mp4", "--no-music");
        assertEquals(0, merge.exitCode(), merge.toString());
        assertTrue(Files.size(cwd.resolve("short.mp4")) > 10_000);
        var tampered = TestSupport.jbang(cwd, StoryFixture.SMALL, encode.stdout().replace("\"title\" : \"Prueba\"", "\"title\" : \"Otra\""), "merge", "--no-music");
        assertEquals(ExitCode.BAD_INPUT.code(), tampered.exitCode(), "changed after it was handed on, its work folder outside this folder: " + tampered);
    }
    /** A manifest handed on is the same text the next stage reads: UTF-8 whatever the locale (under LANG=C "niño" came out as "ni?o"). */
    @Test
    void aManifestOnStdoutIsUtf8WhateverTheLocale(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cuento.md"), "# El niño\n\nUn niño y su cometa, ¿adónde irá?\n");
        var run = TestSupport.jbang(dir, Map.of("LANG", "C", "LC_ALL", "C"), null, "write-script", "--from", "cuento.md");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("Un niño y su cometa, ¿adónde irá?", Json.MAPPER.readTree(run.stdout()).at("/scenes/0/text").asText());
    }
}
