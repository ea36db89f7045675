package shortsmith.providers;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Pictures from a program of the user's ({@code IMAGE_PROVIDER=command}, {@code IMAGE_COMMAND}):
 * {@code {prompt} {width} {height} {seed} {scene}} are filled in and the program writes the picture
 * to {@code {out}}. It must decode, like any provider's picture.
 */
record CommandImages(LocalCommand command, Duration timeout) implements ImageProvider {

    static final Set<String> PLACEHOLDERS = Set.of("prompt", "width", "height", "seed", "scene", "out");

    public String name() { return "command"; }

    public String model() { return command.line(); }

    public boolean remote() { return false; }

    public byte[] generate(Request r, Context c) {
        c.status().accept("running " + command.words().getFirst());
        return command.run(Map.of("prompt", r.prompt(), "width", String.valueOf(r.width()), "height", String.valueOf(r.height()),
                "seed", String.valueOf(r.seed()), "scene", r.sceneId()), "png", null, timeout);
    }
}
