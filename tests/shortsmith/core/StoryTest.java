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
        var story = new Story("t", "es", "m.mp3", "w", "o.mp4", List.of(scene), "A hook", new Story.Captions(java.util.Map.of("box", "on")));
        JsonNode written = Json.MAPPER.readTree(story.toJson());
        assertEquals(names(written), names(schema.get("properties")));
        assertEquals(names(written.get("scenes").get(0)), names(schema.get("properties").get("scenes").get("items").get("properties")));
    }

    private static Set<String> names(JsonNode node) {
        var set = new HashSet<String>();
        node.fieldNames().forEachRemaining(set::add);
        return set;
    }
}
