package shortsmith.video;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.concurrency.SlotLeases;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A standalone encode takes the machine's NVENC sessions, as short does (#23): two runs never pass the cap together. */
class EncodeSessionsTest {

    /**
     * This test's JVM holds the only NVENC session (the slot file short or another encode takes);
     * encode waits for it, says so, and starts its clip only once it is free. Before, encode took no
     * slot: it started at once, beside the run that held the session. (No GPU here: the NVENC encode
     * then fails and the story is encoded with x264, as it would on a machine without one.)
     */
    @Test
    void aStandaloneEncodeWaitsForTheSessionAnotherRunHolds(@TempDir Path dir) throws Exception {
        Path story = StoryFixture.story(dir.resolve("s"), "Una cometa.");
        Path cache = dir.resolve("cache");
        var sessions = new SlotLeases(cache.resolve("shortsmith/limits"), "nvenc-session", 1, Duration.ofMinutes(1));
        Path log = dir.resolve("encode.log");
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "encode", "story.json")
                .directory(story.getParent().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(StoryFixture.SMALL);
        pb.environment().putAll(java.util.Map.of("XDG_CACHE_HOME", cache.toString(), "FFMPEG_ENCODER", "nvenc", "PARALLEL_VIDEO_ENCODING", "false"));
        Process encode;
        try (var held = sessions.acquire(why -> {})) {
            encode = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.readString(log).contains("nvenc-session slots are in use") && System.nanoTime() < deadline) {
                assertTrue(encode.isAlive(), Files.readString(log));
                Thread.sleep(50);
            }
            Thread.sleep(500);
            String waiting = Files.readString(log);
            assertTrue(waiting.contains("s1: clip: all 1 nvenc-session slots are in use (by this or another shortsmith run); waiting"), waiting);
            assertFalse(waiting.contains("s1: clip ["), "no clip started while the session was held:\n" + waiting);
        }
        assertTrue(encode.waitFor(180, TimeUnit.SECONDS), Files.readString(log));
        assertEquals(0, encode.exitValue(), Files.readString(log));
        assertTrue(Files.readString(log).contains("s1: clip ["), Files.readString(log));
    }
}
