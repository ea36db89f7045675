package shortsmith.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.testing.FakeServer;
import shortsmith.testing.TestSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;

import static org.junit.jupiter.api.Assertions.*;

/** A batch stopped like a power cut is finished with one command that cannot pay twice for anything (#23). */
class ResendUnansweredTest {

    @Test
    void aBatchCutOffMidRequestIsFinishedByResendUnansweredPayingForNothingTwice(@TempDir Path dir) throws Exception {
        var narrator = new BatchTest.Narrator(dir);
        try (var server = new FakeServer(narrator)) {
            Path stories = Files.createDirectories(dir.resolve("stories"));
            BatchTest.story(stories, "a", "Historia a, escena uno.", "Historia a, escena dos.");
            BatchTest.story(stories, "b", "Historia b, escena uno.");
            var env = new HashMap<>(PipelineTest.env(server));
            // (Named one by one, not --batch stories: a batch folder of reports is #23's trust-io item.)
            // Halted like a power cut when the second narration's record is on disk, its bytes maybe gone.
            env.put("SHORTSMITH_CRASH_AT", "before-send:2");
            var cut = TestSupport.jbang(dir, env, null, "short", "stories/a.json", "stories/b.json");
            assertNotEquals(0, cut.exitCode(), cut.toString());   // 137, as kill -9 leaves it
            assertEquals(1, narrator.order.size(), narrator.order.toString());
            env.remove("SHORTSMITH_CRASH_AT");

            var plain = TestSupport.jbang(dir, env, null, "short", "stories/a.json", "stories/b.json");
            assertEquals(1, plain.exitCode(), plain.toString());
            assertEquals(2, narrator.order.size(), "the other story is made; the unanswered request is not sent again: " + narrator.order);
            // Which narration the cut caught depends on which story's thread reached the lane first: the one never answered.
            var texts = java.util.Map.of("Historia a, escena uno.", "a s1", "Historia a, escena dos.", "a s2", "Historia b, escena uno.", "b s1");
            String[] caught = texts.entrySet().stream().filter(t -> !narrator.order.contains(t.getKey())).findFirst().orElseThrow().getValue().split(" ");
            assertTrue(plain.stderr().contains("short: " + caught[0] + ".json failed: scene " + caught[1] + ": openai: this request was sent at ")
                    && plain.stderr().contains("(to send it again: tts --force stories/" + caught[0] + ".json " + caught[1] + ")"), plain.stderr());
            assertTrue(plain.stderr().contains("short: 1 paid request may have been billed and is not sent again on its own;"
                    + " to send exactly it again, once: short --resend-unanswered stories/a.json stories/b.json"), plain.stderr());

            var finished = TestSupport.jbang(dir, env, null, "short", "--resend-unanswered", "stories/a.json", "stories/b.json");
            assertEquals(0, finished.exitCode(), finished.toString());
            assertEquals(3, narrator.order.size(), "exactly the unanswered one once more: " + narrator.order);
            assertEquals(3, new HashSet<>(narrator.order).size(), "none twice: " + narrator.order);
            assertTrue(Files.size(stories.resolve("a.mp4")) > 0 && Files.size(stories.resolve("b.mp4")) > 0);
            String other = caught[0].equals("a") ? "b" : "a";
            assertTrue(finished.stderr().contains(other + ".mp4 is finished and unchanged: kept"), finished.stderr());
        }
    }
}
