package shortsmith.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.publish.Metadata;
import shortsmith.publish.Publisher;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.YouTubeStandIn;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** short --batch DIR --publish (#25): each Short goes up as soon as it is made, and a rerun neither renders nor uploads again. */
class BatchPublishTest {

    static Settings settings(YouTubeStandIn yt) {
        var env = new HashMap<>(StoryFixture.SMALL);
        env.putAll(yt.env());
        env.put("YOUTUBE_REFRESH_TOKEN", yt.refreshToken());
        env.put("YOUTUBE_CHUNK_KB", "256");
        env.put("FFMPEG_ENCODER", "x264");
        env.put("PROVIDER_RETRY_DELAY", "0.05");
        return Settings.of(env);
    }

    static Publisher publisher(Settings s, Path dir) {
        return Publisher.of(s, Map.of("HOME", dir.toString()), new Publisher.Options(Metadata.Flags.none(), true, false, false, null, null, false));
    }

    static Progress quiet() { return new Progress(new PrintStream(new ByteArrayOutputStream()), false, List.of()); }

    @Test
    void eachShortIsPublishedWhileTheNextRendersAndARerunNeitherRendersNorUploads(@TempDir Path dir) throws Exception {
        try (var yt = new YouTubeStandIn()) {
            Path batch = Files.createDirectories(dir.resolve("batch"));
            BatchTest.story(batch, "a", "Primera historia, escena uno.");
            BatchTest.story(batch, "b", "Segunda historia, escena uno, algo más larga.", "Segunda historia, escena dos, también larga.");
            // Story a asks for its own title and tags in its manifest's youtube object.
            var a = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(batch.resolve("a.json").toFile());
            a.putObject("youtube").put("title", "La primera").putArray("tags").add("cometas");
            Files.writeString(batch.resolve("a.json"), Json.write(a));
            var s = settings(yt);
            long t0 = System.nanoTime();
            var report = Batch.run(Batch.manifestsIn(batch, note -> {}), s, false, false, quiet(), publisher(s, dir));
            assertEquals(0, report.exitCode(), report.stories().toString());
            assertEquals(2, yt.videos().size());
            for (var story : report.stories()) {
                assertEquals("published", story.published(), story.toString());
                var video = yt.videos().stream().filter(v -> story.video().endsWith(v.id())).findFirst().orElseThrow();
                assertArrayEquals(Files.readAllBytes(Path.of(story.output())), video.bytes(), story.output());
            }
            var first = yt.videos().stream().filter(v -> v.resource().path("snippet").path("title").asText().equals("La primera")).findFirst().orElseThrow();
            assertEquals("cometas", first.resource().path("snippet").path("tags").path(0).asText());
            // The first Short went up before the second was written: the upload overlapped the render.
            long firstUpload = yt.requests("PUT", "/upload/youtube/v3/videos").getFirst().nanos();
            var b = report.stories().get(1);
            assertTrue(firstUpload < t0 + (long) ((b.start() + b.wall()) * 1e9), "a's upload began before b was done");
            // short.finished.json names each video.
            Path record = batch.resolve("a.work/short.finished.json");
            assertEquals(report.stories().get(0).video(), Json.MAPPER.readTree(record.toFile()).path("video").asText());

            // Run again, even without a's NAME.youtube.json: nothing rendered, nothing uploaded.
            Files.delete(batch.resolve("a.youtube.json"));
            int sessions = yt.sessionsStarted();
            var again = Batch.run(Batch.manifestsIn(batch, note -> {}), s, false, false, quiet(), publisher(s, dir));
            assertEquals(0, again.exitCode());
            for (var story : again.stories()) {
                assertEquals("kept", story.outcome(), story.toString());
                assertEquals("kept", story.published(), story.toString());
            }
            assertEquals(sessions, yt.sessionsStarted());
            assertEquals(2, yt.videos().size());
        }
    }

    @Test
    void aDailyLimitLeavesTheRestQueuedNotFailedAndTheNextRunUploadsThemWithoutRendering(@TempDir Path dir) throws Exception {
        try (var yt = new YouTubeStandIn()) {
            Path batch = Files.createDirectories(dir.resolve("batch"));
            BatchTest.story(batch, "a", "Primera historia.");
            BatchTest.story(batch, "b", "Segunda historia.");
            yt.videoInsertLimit = 1;
            var s = settings(yt);
            var report = Batch.run(Batch.manifestsIn(batch, note -> {}), s, false, false, quiet(), publisher(s, dir));
            var outcomes = report.stories().stream().map(st -> st.outcome() + "/" + st.published()).sorted().toList();
            assertEquals(List.of("made/published", "made/queued"), outcomes, report.stories().toString());
            assertEquals(6, report.exitCode(), "rendered, but YouTube's limit kept one back");
            assertEquals(1, yt.videos().size());
            yt.videoInsertLimit = 100;
            var next = Batch.run(Batch.manifestsIn(batch, note -> {}), s, false, false, quiet(), publisher(s, dir));
            assertEquals(0, next.exitCode(), next.stories().toString());
            assertEquals(List.of("kept/kept", "kept/published"), next.stories().stream().map(st -> st.outcome() + "/" + st.published()).sorted().toList());
            assertEquals(2, yt.videos().size());
        }
    }

    @Test
    void aBadTitleFailsTheStoryBeforeAnythingRenders(@TempDir Path dir) throws Exception {
        try (var yt = new YouTubeStandIn()) {
            Path batch = Files.createDirectories(dir.resolve("batch"));
            BatchTest.story(batch, "a", "Primera historia.");
            var a = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(batch.resolve("a.json").toFile());
            a.putObject("youtube").put("title", "x".repeat(120));
            Files.writeString(batch.resolve("a.json"), Json.write(a));
            var s = settings(yt);
            var report = Batch.run(Batch.manifestsIn(batch, note -> {}), s, false, false, quiet(), publisher(s, dir));
            assertEquals("failed", report.stories().getFirst().outcome());
            assertTrue(report.stories().getFirst().failures().get("publish").contains("120 characters"), report.stories().toString());
            assertFalse(Files.exists(batch.resolve("a.mp4")), "nothing rendered");
            assertTrue(yt.requests.isEmpty());
        }
    }
}
