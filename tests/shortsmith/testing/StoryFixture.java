package shortsmith.testing;

import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.media.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small real stories for tests: photos from examples/, narration spoken by espeak-ng. */
public final class StoryFixture {
    private StoryFixture() {}

    /** Tiny clips: a small frame and a low rate keep every test quick. */
    public static final Map<String, String> SMALL = Map.of("VIDEO_SIZE", "360x640", "VIDEO_FPS", "25");

    public static Settings smallSettings() { return Settings.of(SMALL); }

    /** Speaks {@code text} (Spanish) into {@code wav}. */
    public static Path speak(String text, Path wav) {
        var r = Proc.run(List.of("espeak-ng", "-v", "es", "-s", "190", "-w", wav.toString(), text), Duration.ofSeconds(30));
        if (!r.ok()) throw new AssertionError("espeak-ng failed: " + r.stderr());
        return wav;
    }

    /** The example photographs, in name order. */
    public static List<Path> photos() throws java.io.IOException {
        try (var s = Files.list(TestSupport.repo().resolve("examples/photos"))) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
    }

    /** A story folder with {@code texts.length} scenes, each with a photo and narration. */
    public static Path story(Path dir, String... texts) throws Exception {
        Files.createDirectories(dir);
        List<Path> images = photos();
        List<Map<String, Object>> scenes = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            String id = "s" + (i + 1);
            Path image = dir.resolve(id + ".jpg");
            Files.copy(images.get(i % images.size()), image);
            speak(texts[i], dir.resolve(id + ".wav"));
            var scene = new LinkedHashMap<String, Object>();
            scene.put("id", id);
            scene.put("text", texts[i]);
            scene.put("image_prompt", "a photo");
            scene.put("image", id + ".jpg");
            scene.put("audio", id + ".wav");
            scenes.add(scene);
        }
        Path file = dir.resolve("story.json");
        Files.writeString(file, Json.write(Map.of("title", "Prueba", "language", "es", "scenes", scenes)));
        return file;
    }
}
