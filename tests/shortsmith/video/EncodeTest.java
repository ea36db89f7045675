package shortsmith.video;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Motion;
import shortsmith.core.Settings;
import shortsmith.core.StoryInput;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** encode as users run it (through ./jbang), judged by ffprobe and by what the pictures show. */
class EncodeTest {
    static Path dir;
    static Path story;
    static TestSupport.Run first;
    static Ffmpeg ffmpeg = Ffmpeg.locate(Settings.defaults());

    @BeforeAll
    static void encodeAStory(@TempDir Path tmp) throws Exception {
        dir = tmp;
        story = StoryFixture.story(tmp.resolve("story"), "Hola, ¿qué tal?", "La cometa vuela alto.", "Fin.");
        first = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json");
    }

    @Test
    void everySceneBecomesAClipWithIdenticalStreamParameters() throws Exception {
        assertEquals(0, first.exitCode(), first.toString());
        JsonNode manifest = Json.MAPPER.readTree(first.stdout());
        var keys = new HashSet<String>();
        for (JsonNode scene : manifest.get("scenes")) {
            Path clip = Path.of(scene.get("video").asText());
            Media m = Media.probe(ffmpeg, clip);
            var v = m.video().orElseThrow();
            var a = m.audio().orElseThrow();
            assertEquals("h264", v.codec());
            assertEquals("High", v.profile());
            assertEquals(360, v.width());
            assertEquals(640, v.height());
            assertEquals("yuv420p", v.pixFmt());
            assertEquals("25/1", v.frameRate());
            assertEquals("aac", a.codec());
            assertEquals(48000, a.sampleRate());
            assertEquals(2, a.channels());
            // Frame-exact: the narration's speech (its silence around it trimmed) plus the 0.2 s tail, to the nearest frame.
            double narration = shortsmith.media.SpeechTrim.of(Narration.load(ffmpeg, Path.of(scene.get("audio").asText()))).seconds();
            long frames = Math.max((long) Math.ceil(narration * 25 - 1e-6), Math.round((narration + 0.2) * 25));
            assertEquals(frames, v.frames(), scene.get("id").asText());
            assertEquals(frames / 25.0, scene.get("duration").asDouble(), 1e-9);
            assertEquals(frames / 25.0, v.duration(), 1e-6);
            assertEquals(v.duration(), a.duration(), 0.04, "audio and video within one frame");
            keys.add(v.joinKey() + a.joinKey());
        }
        assertEquals(3, manifest.get("scenes").size());
        assertEquals(1, keys.size(), "clips of a story share their stream parameters");
        assertTrue(Files.isDirectory(story.getParent().resolve("story.work/clips")));
        try (var s = Files.list(story.getParent().resolve("story.work/clips"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial files left");
        }
        assertFalse(Files.readString(story).contains("video"), "the user's story file is never overwritten");
    }

    @Test
    void anUnchangedClipIsNotRenderedAgainButAChangedOneIs() throws Exception {
        assertEquals(0, first.exitCode(), first.toString());
        Path clip = story.getParent().resolve("story.work/clips/s2.mp4");
        long before = Files.getLastModifiedTime(clip).toMillis();
        var again = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json", "--explain");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.stderr().contains("unchanged"), again.stderr());
        // --explain: each scene's move and how far it travels, kept with the clip.
        for (String id : List.of("s1", "s2", "s3")) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^" + id + ": (zoom-in|zoom-out|pan-\\w+): (zoom \\d\\.\\d\\d→\\d\\.\\d\\d|pan \\d+\\.\\d% of the frame \\w+)")
                    .matcher(again.stderr()).find(), again.stderr());
        }
        assertEquals(before, Files.getLastModifiedTime(clip).toMillis());

        var forced = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json", "s2", "--force");
        assertEquals(0, forced.exitCode(), forced.toString());
        assertNotEquals(before, Files.getLastModifiedTime(clip).toMillis());
        JsonNode manifest = Json.MAPPER.readTree(forced.stdout());
        assertEquals(3, manifest.get("scenes").size(), "the whole manifest is passed on");
        assertFalse(forced.stderr().contains("s1:"), "only the named scene was worked on: " + forced.stderr());
    }

    @Test
    void captionsAreBurnedInAboveTheShortsUiAndTheSpokenWordIsHighlighted() throws Exception {
        Path scene = dir.resolve("captions");
        Path file = StoryFixture.story(scene, "Muchas palabras bonitas aquí para leer.");
        var settings = StoryFixture.smallSettings();
        var enc = new ClipEncoder(ffmpeg, settings, EncoderProfile.lossless());
        var input = StoryInput.resolve(List.of(file.toString()), System.in, true);
        var s = input.story().scenes().getFirst();
        var in = new ClipEncoder.Inputs("Prueba", s.id(), s.text(), Motion.ZOOM_IN, Path.of(s.image()), Path.of(s.audio()), null);
        enc.encode(in, scene.resolve("with.mp4"), true, f -> {});
        var none = new ClipEncoder(ffmpeg, Settings.of(merge(StoryFixture.SMALL, Map.of("CAPTION_STYLE", "none"))), EncoderProfile.lossless());
        none.encode(in, scene.resolve("without.mp4"), true, f -> {});

        var with = frameAt(scene.resolve("with.mp4"), 1.0, scene.resolve("with.png"));
        var without = frameAt(scene.resolve("without.mp4"), 1.0, scene.resolve("without.png"));
        int w = with.getWidth(), h = with.getHeight();
        long changedInBand = 0, changedElsewhere = 0, amber = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = with.getRGB(x, y), b = without.getRGB(x, y);
                int diff = Math.abs((a >> 16 & 255) - (b >> 16 & 255)) + Math.abs((a >> 8 & 255) - (b >> 8 & 255)) + Math.abs((a & 255) - (b & 255));
                boolean band = y > h * 0.45 && y < h * 0.74;   // above the bottom 28 % kept for Shorts' UI
                if (diff > 60) {
                    if (band) changedInBand++;
                    else changedElsewhere++;
                }
                int r = a >> 16 & 255, g = a >> 8 & 255, bl = a & 255;
                if (band && r > 200 && g > 150 && g < 240 && bl < 90) amber++;
            }
        }
        assertTrue(changedInBand > 1500, "caption pixels in the safe band: " + changedInBand);
        assertEquals(0, changedElsewhere, "captions stay out of the bottom UI area and the top");
        assertTrue(amber > 100, "the spoken word is highlighted in amber: " + amber);
    }

    @Test
    void theMotionIsSubPixelSmoothWhereZoompanSteps() throws Exception {
        Path d = Files.createDirectories(dir.resolve("motion"));
        Path card = d.resolve("dots.png");
        ImageIO.write(MotionMetrics.dots(432, 768), "png", card.toFile());
        Path wav = StoryFixture.speak("Uno, dos, tres, cuatro.", d.resolve("n.wav"));
        var settings = StoryFixture.smallSettings();
        var enc = new ClipEncoder(ffmpeg, Settings.of(merge(StoryFixture.SMALL, Map.of("CAPTION_STYLE", "none"))), EncoderProfile.lossless());
        for (Motion m : List.of(Motion.ZOOM_IN, Motion.PAN_LEFT, Motion.PAN_UP)) {
            Path clip = d.resolve("clips-" + m.id()).resolve(m.id() + ".mp4");   // a folder that does not exist yet is made
            enc.encode(new ClipEncoder.Inputs("test", "m", "x", m, card, wav, null), clip, true, f -> {});
            double jerk = MotionMetrics.rmsJerk(ffmpeg, clip, 360, 640);
            assertTrue(jerk <= 0.05, m + " RMS jerk " + jerk + " px/frame²");
        }
        Path seed = d.resolve("seed.mp4");
        MotionMetrics.seedZoompan(ffmpeg, card, settings.video().size(), 25, 50, seed);
        double seedJerk = MotionMetrics.rmsJerk(ffmpeg, seed, 360, 640);
        assertTrue(seedJerk > 0.2, "the metric sees zoompan's steps: " + seedJerk);
    }

    @Test
    void badInputsNameTheSceneAndTheFileAndTheOtherScenesAreRendered() throws Exception {
        Path d = dir.resolve("bad");
        Path file = StoryFixture.story(d, "Uno.", "Dos.", "Tres.", "Cuatro.", "Cinco.");
        Files.write(d.resolve("s2.jpg"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});       // corrupt image
        Files.delete(d.resolve("s3.wav"));                                              // missing audio
        Files.write(d.resolve("s4.wav"), new byte[0]);                                  // empty audio
        var run = TestSupport.jbang(d, StoryFixture.SMALL, null, "encode", file.toString(), "s1", "s2", "s3", "s4", "s9");
        assertEquals(1, run.exitCode(), run.toString());
        String err = run.stderr();
        assertTrue(err.contains("encode: scene s2: image " + d.resolve("s2.jpg") + " cannot be decoded"), err);
        assertTrue(err.contains("encode: scene s3: audio " + d.resolve("s3.wav") + " does not exist"), err);
        assertTrue(err.contains("encode: scene s4: audio " + d.resolve("s4.wav")), err);
        assertTrue(err.contains("encode: scene s9: no such scene"), err);
        assertFalse(err.contains("\tat "), "no stack traces");
        JsonNode manifest = Json.MAPPER.readTree(run.stdout());
        assertTrue(Files.isRegularFile(Path.of(manifest.get("scenes").get(0).get("video").asText())), "s1 was still rendered");
        assertFalse(manifest.get("scenes").get(1).has("video"));

        Files.writeString(d.resolve("broken.json"), "{\"title\": \"x\", \"scenes\": [");
        var invalid = TestSupport.jbang(d, StoryFixture.SMALL, null, "encode", d.resolve("broken.json").toString());
        assertEquals(ExitCode.BAD_INPUT.code(), invalid.exitCode(), invalid.toString());
        assertEquals(1, invalid.stderr().strip().lines().count(), invalid.stderr());
        assertTrue(invalid.stderr().contains("broken.json"));
    }

    @Test
    void awkwardPathsAndTextsWork() throws Exception {
        Path d = dir.resolve("my story: it's [v1], {ok}; 100%");
        String text = "¿Qué {pasa}? \\N \"comillas\" 'simples', dos: puntos; ¡ñandú! á é í ó ú 🚀";
        Path file = StoryFixture.story(d, text);
        Files.move(d.resolve("s1.jpg"), d.resolve("a, b: c's [1].jpg"));
        Files.writeString(file, Files.readString(file).replace("\"s1.jpg\"", "\"a, b: c's [1].jpg\""));
        var run = TestSupport.jbang(d, StoryFixture.SMALL, null, "encode");   // story.json in the current folder
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode scene = Json.MAPPER.readTree(run.stdout()).get("scenes").get(0);
        assertEquals(text, scene.get("text").asText());
        Path clip = Path.of(scene.get("video").asText());
        assertTrue(clip.startsWith(d), clip.toString());
        assertTrue(Media.probe(ffmpeg, clip).video().orElseThrow().frames() > 10);
    }

    @Test
    void aPipedManifestIsReadFromStdinAndStagesFindEarlierProductsInTheWorkFolder() throws Exception {
        assertEquals(0, first.exitCode(), first.toString());
        // The manifest printed by encode, piped into encode again: nothing to do, same clips.
        var piped = TestSupport.jbang(dir, StoryFixture.SMALL, first.stdout(), "encode");
        assertEquals(0, piped.exitCode(), piped.toString());
        assertEquals(Json.MAPPER.readTree(first.stdout()).get("scenes").get(0).get("video"),
                Json.MAPPER.readTree(piped.stdout()).get("scenes").get(0).get("video"));

        // Narration left in the work folder under the scene's name is found without "audio".
        Path d = dir.resolve("work-lookup");
        Path file = StoryFixture.story(d, "Hola.");
        Path work = Files.createDirectories(d.resolve("story.work/audio"));
        Files.move(d.resolve("s1.wav"), work.resolve("s1.wav"));
        Files.writeString(file, Files.readString(file).replace(",\"audio\":\"s1.wav\"", "").replace("\"audio\" : \"s1.wav\"", "\"x\":1"));
        var run = TestSupport.jbang(d, StoryFixture.SMALL, null, "encode", "story.json", "s1");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(work.resolve("s1.wav").toString(), Json.MAPPER.readTree(run.stdout()).get("scenes").get(0).get("audio").asText());
    }

    @Test
    void nvencFailingAtRunTimeFallsBackToX264ForTheWholeStory() throws Exception {
        assertEquals(0, first.exitCode(), first.toString());
        var report = NvencProbe.detect(Settings.defaults(), false);
        var run = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json", "--profile", "nvenc");
        assertEquals(0, run.exitCode(), run.toString());
        for (JsonNode scene : Json.MAPPER.readTree(run.stdout()).get("scenes")) {
            Path sidecar = Path.of(scene.get("video").asText().replace(".mp4", ".json"));
            String profile = Json.MAPPER.readTree(sidecar.toFile()).get("profile").asText();
            assertEquals(report.nvencAvailable() ? "nvenc" : "x264", profile);
        }
        if (!report.nvencAvailable()) {
            assertEquals(1, run.stderr().lines().filter(l -> l.contains("warning: NVENC failed")).count(), run.stderr());
        }
    }

    @Test
    void imagesOfAnyShapeAreCoverFittedUprightWithAlphaFlattened() throws Exception {
        Path d = Files.createDirectories(dir.resolve("shapes"));
        // A landscape JPEG stored sideways: red left, blue right, EXIF orientation 6 (turn 90° clockwise).
        var side = new java.awt.image.BufferedImage(400, 100, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) for (int x = 0; x < 400; x++) side.setRGB(x, y, x < 200 ? 0xFF0000 : 0x0000FF);
        var bytes = new java.io.ByteArrayOutputStream();
        ImageIO.write(side, "jpg", bytes);
        byte[] jpeg = bytes.toByteArray();
        var tiff = java.nio.ByteBuffer.allocate(26).put("MM".getBytes()).putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0).putInt(0).array();
        byte[] app1 = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, app1, 0, 6);
        System.arraycopy(tiff, 0, app1, 6, tiff.length);
        var out = new java.io.ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) ((app1.length + 2) >> 8), (byte) (app1.length + 2)});
        out.write(app1);
        out.write(jpeg, 2, jpeg.length - 2);
        Path rotated = d.resolve("rotated.jpg");
        Files.write(rotated, out.toByteArray());

        // A cut-out PNG: a red disc, transparent white around it. The fill is the picture's own blurred,
        // darkened colours (reddish near the disc, dark far away), never the white hidden under the alpha.
        var cutout = new java.awt.image.BufferedImage(160, 160, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 160; y++) {
            for (int x = 0; x < 160; x++) cutout.setRGB(x, y, (x - 80) * (x - 80) + (y - 80) * (y - 80) < 40 * 40 ? 0xFFFF0000 : 0x00FFFFFF);
        }
        Path transparent = d.resolve("cutout.png");
        ImageIO.write(cutout, "png", transparent.toFile());

        var enc = new ClipEncoder(ffmpeg, StoryFixture.smallSettings(), EncoderProfile.lossless());
        // The picture keeps its shape (400×100 turned upright is 100×400): nothing is cropped before the move.
        var upright = enc.decodeImage(new ClipEncoder.Inputs("test", "r", "x", Motion.ZOOM_IN, rotated, null, null), 90, 160).source();
        assertEquals(90, upright.width());
        assertEquals(360, upright.height());
        int top = upright.v()[2 * 45 + 10] & 0xFF, bottom = upright.v()[(180 - 10) * 45 + 22] & 0xFF;
        // BT.709 limited range: pure red has V ≈ 240, pure blue V ≈ 118.
        assertTrue(top > 200 && bottom < 128, "red on top, blue below (V top " + top + ", bottom " + bottom + ")");
        var filled = enc.decodeImage(new ClipEncoder.Inputs("test", "c", "x", Motion.ZOOM_IN, transparent, null, null), 90, 160).source();
        int w = filled.width(), h = filled.height();
        int corner = filled.y()[2 * w + 2] & 0xFF, near = filled.v()[(h / 4) * (w / 2) + (w / 4 - 6) / 2] & 0xFF;   // 6 px left of the disc
        assertTrue(corner < 60, "a dark fill far from the disc, not the hidden white: luma " + corner);
        assertTrue(near > 132, "a reddish fill near the disc (its own colours, blurred): V " + near);
        var green = new ClipEncoder(ffmpeg, Settings.of(merge(StoryFixture.SMALL, Map.of("BACKGROUND", "#00ff00"))), EncoderProfile.lossless())
                .decodeImage(new ClipEncoder.Inputs("test", "c", "x", Motion.ZOOM_IN, transparent, null, null), 90, 160).source();
        assertTrue((green.y()[2 * w + 2] & 0xFF) > 120 && (green.u()[w / 2 + 1] & 0xFF) < 100,
                "BACKGROUND=#00ff00 fills green: Y " + (green.y()[2 * w + 2] & 0xFF) + " U " + (green.u()[w / 2 + 1] & 0xFF));
    }

    private static java.awt.image.BufferedImage frameAt(Path clip, double seconds, Path png) throws Exception {
        var r = Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-ss", String.valueOf(seconds), "-i", clip.toString(),
                "-frames:v", "1", png.toString()), java.time.Duration.ofSeconds(30));
        assertTrue(r.ok(), r.stderr());
        return ImageIO.read(png.toFile());
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        var m = new HashMap<>(a);
        m.putAll(b);
        return m;
    }

    @Test
    void ctrlCWhileRenderingLeavesNoPartialFileAndNoClip(@TempDir Path tmp) throws Exception {
        Path story = StoryFixture.story(tmp.resolve("long"), "Una escena larga para que el programa tenga tiempo de trabajar, "
                + "con muchas palabras, comas y pausas, y todavía más palabras al final de la frase.");
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "encode", "story.json").directory(story.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("encode.log").toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(Map.of("VIDEO_SIZE", "720x1280", "VIDEO_FPS", "30"));
        Process p = pb.start();
        Path clips = story.getParent().resolve("story.work/clips");
        long deadline = System.nanoTime() + 90_000_000_000L;
        // ffmpeg opens the clip's temporary file as the first frames arrive: then the render is running.
        while (System.nanoTime() < deadline && !(Files.isDirectory(clips) && listed(clips).anyMatch(f -> f.contains(".partial-")))) Thread.sleep(20);
        assertTrue(Files.isDirectory(clips) && listed(clips).anyMatch(f -> f.contains(".partial-")), Files.readString(tmp.resolve("encode.log")));
        Thread.sleep(300);   // inside the render
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "stopped on Ctrl-C");
        assertEquals(ExitCode.INTERRUPTED.code(), p.exitValue(), Files.readString(tmp.resolve("encode.log")));
        var left = listed(clips).filter(f -> f.contains(".partial-") || f.equals("s1.mp4")).toList();
        String inside;
        try (var walk = Files.walk(clips)) {
            inside = walk.map(f -> clips.relativize(f) + (Files.isDirectory(f) ? "/" : "")).toList().toString();
        }
        assertEquals(List.of(), left, "nothing temporary and no clip under a final name survives the interrupt: " + inside + "\n"
                + Files.readString(tmp.resolve("encode.log")));
    }

    private static java.util.stream.Stream<String> listed(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).toList().stream();
        }
    }

    /** A one-scene story narrated in Spanish (espeak-ng speaks it) whose caption text is {@code caption}. */
    private static Path captioned(Path dir, String caption) throws Exception {
        Path story = StoryFixture.story(dir, "Una cometa roja.");
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(story.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("scenes").get(0)).put("text", caption);
        Files.writeString(story, Json.write(json));
        return story;
    }

    @Test
    void captionCharactersNoInstalledFontDrawsAreNamedInAWarningWithThePackageThatHasThem(@TempDir Path tmp) throws Exception {
        Path story = captioned(tmp.resolve("khmer"), "ខ្លែង ក្រហម 🪁");
        var run = TestSupport.jbang(story.getParent(), StoryFixture.SMALL, null, "encode", "story.json");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("warning: scene s1: no installed font draws") && run.stderr().contains("ខ")
                && run.stderr().contains("🪁") && run.stderr().contains("fonts-noto-core"), run.stderr());
    }

    @Test
    void chineseCaptionsRenderThroughTheFallbackFontAndSayNothing(@TempDir Path tmp) throws Exception {
        Path story = captioned(tmp.resolve("cjk"), "一只红色的风筝");
        var env = merge(StoryFixture.SMALL, Map.of("CAPTION_STYLE", "chunk"));
        var run = TestSupport.jbang(story.getParent(), env, null, "encode", "story.json");
        assertEquals(0, run.exitCode(), run.toString());
        // Nothing about fonts or glyphs (the narration is not Chinese, so its captions are estimated, and encode says so).
        assertTrue(run.stderr().lines().filter(l -> l.contains("warning")).allMatch(l -> l.contains("captions estimated")), run.stderr());
        // The same scene without captions: the difference is the drawn text, in the caption band.
        var bare = TestSupport.jbang(story.getParent(), merge(StoryFixture.SMALL, Map.of("CAPTION_STYLE", "none", "WORK_DIR",
                tmp.resolve("bare").toString())), null, "encode", "story.json");
        assertEquals(0, bare.exitCode(), bare.toString());
        var with = frameAt(story.getParent().resolve("story.work/clips/s1.mp4"), 0.8, tmp.resolve("a.png"));
        var without = frameAt(tmp.resolve("bare/clips/s1.mp4"), 0.8, tmp.resolve("b.png"));
        int changed = 0;
        for (int y = 360; y < 470; y++) {
            for (int x = 0; x < 360; x++) if (Math.abs((with.getRGB(x, y) & 0xFF) - (without.getRGB(x, y) & 0xFF)) > 60) changed++;
        }
        assertTrue(changed > 600, "the Chinese caption is drawn: " + changed + " pixels");
    }

    @Test
    void aWordWiderThanTheFrameIsSetSmallerOrBrokenAndNeverLeavesTheFrame(@TempDir Path tmp) throws Exception {
        String word = "Supercalifragilisticoespialidosamenteyya";   // 40 characters
        var font = Captions.font("");
        var size = StoryFixture.smallSettings().video().size();
        var words = List.of(new shortsmith.core.Story.Word(word, 0.1, 1.0), new shortsmith.core.Story.Word("y", 1.0, 1.2),
                new shortsmith.core.Story.Word("otra", 1.2, 1.5));
        String ass = Captions.ass(words, Settings.CaptionStyle.KARAOKE, size, 2, font);
        for (String line : ass.lines().filter(l -> l.startsWith("Dialogue")).toList()) {
            String text = line.substring(line.indexOf(",,0,0,0,,") + 9);
            assertTrue(text.split(java.util.regex.Pattern.quote("\\N")).length <= 2, "two lines at most: " + text);
        }
        // Rendered on black, nothing bright reaches the frame's sides.
        Path story = StoryFixture.story(tmp.resolve("wide"), word + " y otra");
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(story.toFile());
        var black = new java.awt.image.BufferedImage(360, 640, java.awt.image.BufferedImage.TYPE_INT_RGB);
        ImageIO.write(black, "png", story.getParent().resolve("black.png").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("scenes").get(0)).put("image", "black.png");
        Files.writeString(story, Json.write(json));
        var run = TestSupport.jbang(story.getParent(), merge(StoryFixture.SMALL, Map.of("CAPTION_STYLE", "chunk")), null, "encode", "story.json");
        assertEquals(0, run.exitCode(), run.toString());
        var frame = frameAt(story.getParent().resolve("story.work/clips/s1.mp4"), 0.5, tmp.resolve("f.png"));
        int drawn = 0;
        for (int y = 0; y < 640; y++) {
            for (int x = 0; x < 360; x++) {
                if ((frame.getRGB(x, y) & 0xFF) > 128) {
                    drawn++;
                    assertTrue(x >= 8 && x < 352, "caption pixel at the frame's side: x " + x);
                }
            }
        }
        assertTrue(drawn > 300, "the caption is there: " + drawn);
    }
}
