package shortsmith.core;

import shortsmith.testing.TestSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class StoryTest {

    @Test
    void theDemoStoriesAreValidAndTheirPathsResolveAgainstTheirFolder() {
        for (String name : List.of("demo-es", "demo-en")) {
            Path file = TestSupport.repo().resolve("examples/" + name + "/story.json");
            Story story = Story.read(file);
            assertEquals(8, story.scenes().size());
            for (var s : story.scenes()) {
                assertTrue(Path.of(s.image()).isAbsolute());
                assertTrue(java.nio.file.Files.isRegularFile(Path.of(s.image())), s.image());
            }
        }
        assertEquals("es", Story.read(TestSupport.repo().resolve("examples/demo-es/story.json")).language());
    }

    @Test
    void invalidManifestsAreOneLineNamingTheProblem() {
        var e = assertThrows(ShortsmithException.class, () -> Story.parse("{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\"},{\"id\":\"a\",\"text\":\"y\"}]}", "s.json"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("scene id 'a' is used twice"), e.getMessage());
        e = assertThrows(ShortsmithException.class, () -> Story.parse("{\"scenes\":[{\"id\":\"../x\",\"text\":\"y\"}]}", "s.json"));
        assertTrue(e.getMessage().contains("\"title\" is missing") && e.getMessage().contains("needs an \"id\""), e.getMessage());
        e = assertThrows(ShortsmithException.class, () -> Story.parse("{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\",\"motion\":\"spin\"}]}", "s.json"));
        assertTrue(e.getMessage().startsWith("s.json is not a valid story manifest"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void theJsonSchemaDescribesEveryFieldTheToolkitWrites() throws Exception {
        JsonNode schema = Json.MAPPER.readTree(TestSupport.repo().resolve("schema/story.schema.json").toFile());
        var scene = new Story.Scene("a", "t", "p", Motion.PAN_UP, new Story.Focus(0.8, 0.3), "i", "a.wav", List.of(new Story.Word("t", 0, 1)),
                Story.Timing.ENGINE, "v.mp4", 1.0);
        var story = new Story("t", "es", "m.mp3", "w", "o.mp4", List.of(scene), "A hook", new Story.Captions(java.util.Map.of("box", "on")),
                Json.MAPPER.readTree("{\"privacy\":\"unlisted\"}"));
        JsonNode written = Json.MAPPER.readTree(story.toJson());
        assertEquals(names(written), names(schema.get("properties")));
        assertEquals(names(written.get("scenes").get(0)), names(schema.get("properties").get("scenes").get("items").get("properties")));
    }

    @Test
    void aValueOfTheWrongTypeNamesWhereItIsNotTheParsersClasses() {
        for (var c : java.util.Map.of(
                "{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\"},{\"id\":\"b\",\"text\":\"y\",\"words\":[{\"word\":\"y\",\"start\":\"x\",\"end\":1}]}]}",
                "scene 2 \"words\" item 1 \"start\" is not a number",
                "{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\",\"words\":\"words\"}]}", "scene 1 \"words\" is not a list").entrySet()) {
            var e = assertThrows(ShortsmithException.class, () -> Story.parse(c.getKey(), "s.json"));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().endsWith(c.getValue()), e.getMessage());
            assertFalse(e.getMessage().contains("java.") || e.getMessage().contains("shortsmith."), e.getMessage());
        }
    }

    @Test
    void theYoutubeObjectIsCarriedThroughEveryStagesPrintedManifest() {
        // Stages print the manifest they read; publish - reads the last one. The youtube object was dropped on the way.
        var read = Story.parse("{\"title\":\"t\",\"youtube\":{\"title\":\"La cometa\",\"tags\":[\"a\",\"b\"],\"privacy\":\"unlisted\"},"
                + "\"scenes\":[{\"id\":\"s1\",\"text\":\"Hola.\"}]}", "s.json");
        var printed = Story.parse(read.withWorkDir("/w").withOutput("/o.mp4").withHook("¡Mira!").resolvedAgainst(Path.of("/")).toJson(), "printed");
        assertEquals(read.youtube(), printed.youtube());
        assertEquals("unlisted", printed.youtube().get("privacy").asText());
    }

    @Test
    void wordTimesThatCannotBeRealAreRefusedNamingTheSceneAndTheField() {
        String ok = "{\"word\":\"mundo.\",\"start\":0.5,\"end\":1}";
        var cases = java.util.Map.of(
                "[null]", "item 1 of 1: is null",
                "[{\"word\":null,\"start\":0,\"end\":0.5}," + ok + "]", "item 1 of 2: \"word\" is missing",
                "[{\"start\":0,\"end\":0.5}]", "item 1 of 1: \"word\" is missing",
                "[{\"word\":\"Hola,\",\"start\":-1,\"end\":0.5}," + ok + "]", "item 1 of 2: \"start\" -1.0 is negative",
                "[{\"word\":\"Hola,\",\"start\":0.8,\"end\":0.2}," + ok + "]", "item 1 of 2: \"end\" 0.2 is before \"start\" 0.8",
                "[" + ok + ",{\"word\":\"Hola,\",\"start\":\"NaN\",\"end\":0.5}]", "item 2 of 2: \"start\" is missing or not a number",
                "[{\"word\":\"Hola,\",\"start\":null,\"end\":0.5}]", "item 1 of 1: \"start\" is missing or not a number",
                "[{\"word\":\"Hola,\",\"start\":0}]", "item 1 of 1: \"end\" is missing or not a number",
                "[{\"word\":\"Hola,\",\"start\":0,\"end\":\"Infinity\"}]", "item 1 of 1: \"end\" is missing or not a number");
        cases.forEach((words, why) -> {
            var e = assertThrows(ShortsmithException.class, () -> Story.parse("{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"x\"},"
                    + "{\"id\":\"s2\",\"text\":\"Hola, mundo.\",\"words\":" + words + "}]}", "s.json"), words);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertEquals("s.json: scene 's2' \"words\" " + why + " (fix it, or remove \"words\" to have them timed)", e.getMessage());
        });
        var fine = Story.parse("{\"title\":\"t\",\"scenes\":[{\"id\":\"a\",\"text\":\"Hola, mundo.\",\"words\":[{\"word\":\"Hola,\",\"start\":0,"
                + "\"end\":0},{\"word\":\"mundo.\",\"start\":0,\"end\":1.25}]}]}", "s.json");
        assertEquals(List.of(new Story.Word("Hola,", 0, 0), new Story.Word("mundo.", 0, 1.25)), fine.scenes().getFirst().words());
    }

    /** Through ./jbang, as the review did it: a null word crashed encode with a NullPointerException. */
    @Test
    void endToEndANullWordIsOneLineOfBadInput(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        var file = dir.resolve("story.json");
        shortsmith.testing.StoryFixture.speak("Hola, mundo.", dir.resolve("s1.wav"));
        java.nio.file.Files.writeString(file, "{\"title\":\"T\",\"scenes\":[{\"id\":\"s1\",\"text\":\"Hola, mundo.\",\"audio\":\"s1.wav\","
                + "\"words\":[null]}]}");
        var run = TestSupport.jbang(dir, java.util.Map.of(), null, "encode", "story.json");
        assertEquals(ExitCode.BAD_INPUT.code(), run.exitCode(), run.toString());
        assertEquals(List.of("encode: story.json: scene 's1' \"words\" item 1 of 1: is null (fix it, or remove \"words\" to have them timed)"),
                run.stderr().strip().lines().filter(l -> !l.startsWith("[jbang]")).toList(), "one line, besides JBang's building the script the first time");
    }

    private static Set<String> names(JsonNode node) {
        var set = new HashSet<String>();
        node.fieldNames().forEachRemaining(set::add);
        return set;
    }
}
