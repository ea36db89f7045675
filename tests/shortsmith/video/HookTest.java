package shortsmith.video;

import shortsmith.core.Json;
import shortsmith.media.Proc;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code encode --hook} as a user runs it: the hook is in the first scene's first 2 s, nowhere else, and a changed hook renders again. */
class HookTest {

    private static BufferedImage frameAt(Path clip, double seconds, Path png) throws Exception {
        var r = Proc.run(List.of("ffmpeg", "-v", "error", "-y", "-ss", String.valueOf(seconds), "-i", clip.toString(), "-frames:v", "1", png.toString()),
                Duration.ofSeconds(60));
        assertTrue(r.ok(), r.stderr());
        return javax.imageio.ImageIO.read(png.toFile());
    }

    /** Samples whose colour differs by more than a little between two frames, in rows {@code from} to {@code to}. */
    private static int changed(BufferedImage a, BufferedImage b, int from, int to) {
        int n = 0;
        for (int y = from; y < to; y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y), q = b.getRGB(x, y);
                if (Math.abs((p >> 16 & 255) - (q >> 16 & 255)) + Math.abs((p >> 8 & 255) - (q >> 8 & 255)) + Math.abs((p & 255) - (q & 255)) > 40) n++;
            }
        }
        return n;
    }

    @Test
    void theHookIsDrawnOverTheFirstTwoSecondsOfTheFirstSceneOnly(@TempDir Path tmp) throws Exception {
        Path story = StoryFixture.story(tmp.resolve("story"), "Una cometa roja voló sobre el mar aquella tarde de verano.", "Fin.");
        var env = new HashMap<>(StoryFixture.SMALL);
        env.put("CAPTION_STYLE", "none");   // only the hook is drawn: the frames differ exactly where it is
        var plain = TestSupport.jbang(story.getParent(), Map.of("WORK_DIR", tmp.resolve("plain").toString(), "VIDEO_SIZE", "360x640",
                "VIDEO_FPS", "25", "CAPTION_STYLE", "none"), null, "encode", "story.json", "--profile", "lossless");
        assertEquals(0, plain.exitCode(), plain.toString());
        var hooked = TestSupport.jbang(story.getParent(), env, null, "encode", "story.json", "--profile", "lossless", "--hook", "¡No te lo pierdas!");
        assertEquals(0, hooked.exitCode(), hooked.toString());
        assertEquals("¡No te lo pierdas!", Json.MAPPER.readTree(hooked.stdout()).get("hook").asText(), "the manifest passed on carries the hook");
        Path with = story.getParent().resolve("story.work/clips"), without = tmp.resolve("plain/clips");

        int h = 640;
        var early = frameAt(with.resolve("s1.mp4"), 0.5, tmp.resolve("a.png"));
        var earlyPlain = frameAt(without.resolve("s1.mp4"), 0.5, tmp.resolve("b.png"));
        int drawn = changed(early, earlyPlain, 0, h);
        int inBand = changed(early, earlyPlain, (int) (h * 0.12), (int) (h * 0.72));
        assertTrue(drawn > 1500, "the hook is drawn at 0.5 s: " + drawn + " samples");
        assertEquals(drawn, inBand, "inside the Shorts safe area");
        var late = frameAt(with.resolve("s1.mp4"), 2.3, tmp.resolve("c.png"));
        var latePlain = frameAt(without.resolve("s1.mp4"), 2.3, tmp.resolve("d.png"));
        assertEquals(0, changed(late, latePlain, 0, h), "gone after 2 s");
        var second = frameAt(with.resolve("s2.mp4"), 0.3, tmp.resolve("e.png"));
        var secondPlain = frameAt(without.resolve("s2.mp4"), 0.3, tmp.resolve("f.png"));
        assertEquals(0, changed(second, secondPlain, 0, h), "only over the first scene");

        // Another hook: the first scene is rendered again, the second is not.
        var again = TestSupport.jbang(story.getParent(), env, null, "encode", "story.json", "--profile", "lossless", "--hook", "Otra cosa");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.stderr().lines().anyMatch(l -> l.contains("s2:") && l.contains("unchanged")), again.stderr());
        assertTrue(again.stderr().lines().noneMatch(l -> l.contains("s1:") && l.contains("unchanged")), again.stderr());
        var bad = TestSupport.jbang(story.getParent(), env, null, "encode", "story.json", "--hook", "x ".repeat(200));
        assertEquals(5, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("hook") && bad.stderr().contains("too long"), bad.stderr());
        assertTrue(Files.isRegularFile(with.resolve("s1.mp4")), "the clip made before is kept");
    }
}
