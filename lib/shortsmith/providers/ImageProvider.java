package shortsmith.providers;

import shortsmith.concurrency.RateLimiter;
import shortsmith.concurrency.Ticker;
import shortsmith.core.Settings;

import java.util.function.Consumer;

/**
 * Where scene pictures come from: {@code local} (offline, drawn in Java), {@code bfl} (Black Forest
 * Labs' FLUX: submit, poll, download) or {@code openai} (OpenAI-compatible
 * {@code /v1/images/generations}: OpenAI, Together, local servers). Chosen by IMAGE_PROVIDER.
 *
 * <pre>jshell> ImageProvider.from(Settings.load()).generate(new ImageProvider.Request("s1", "a red kite over the sea", 768, 1344, 1), ImageProvider.Context.offline())</pre>
 */
public interface ImageProvider {

    /** One picture to make: its prompt, its size (9:16) and a seed for repeatable results. */
    record Request(String sceneId, String prompt, int width, int height, long seed) {}

    /**
     * What a generation may use: the run's job store, the submission rate limit shared by every
     * scene, and a line of status for the scene's progress.
     */
    record Context(Jobs jobs, RateLimiter submissions, Ticker ticker, Consumer<String> status) {
        public static Context offline() {
            return new Context(new Jobs(shortsmith.core.Home.temp().resolve("shortsmith-jobs")),
                    RateLimiter.perMinute(1000), Ticker.system(), s -> {});
        }
    }

    String name();

    String model();

    /** Whether it calls a paid, rate-limited service (the local renderer does not). */
    default boolean remote() { return true; }

    /** The service its submissions go to, as the rate limit sees it (provider and base URL); empty for pictures made here. */
    default java.util.Optional<shortsmith.core.ServiceKey> service() { return java.util.Optional.empty(); }

    /** Everything that determines the picture, hashed: the cache key. */
    default String key(Request r) { return Asset.key("image", name(), model(), r.prompt(), r.width(), r.height(), r.seed()); }

    /** The picture's bytes (PNG, JPEG or WebP). */
    byte[] generate(Request r, Context c) throws InterruptedException;

    static ImageProvider from(Settings settings) {
        var images = settings.providers().images();
        return switch (images.provider()) {
            case "bfl" -> {
                var base = Http.base(images.baseUrl(), "https://api.bfl.ai");
                yield new BflImages(base, images.model().isBlank() ? "flux-pro-1.1" : images.model(),
                        Http.requireKey("IMAGE_API_KEY", images.key(), "bfl"), Http.of("bfl", settings, base));
            }
            case "openai" -> {
                var base = Http.base(images.baseUrl(), "https://api.openai.com");
                yield new OpenAiImages(base, images.model().isBlank() ? "gpt-image-1" : images.model(), images.key(),
                        Http.of("openai images", settings, base));
            }
            case "comfyui" -> new ComfyImages(ComfyUi.of(settings),
                    ComfyWorkflow.load("IMAGE_WORKFLOW", images.workflow(), ComfyImages.PLACEHOLDERS, "prompt")
                            .checkNode("IMAGE_OUTPUT_NODE", images.outputNode()), images.outputNode());
            case "command" -> new CommandImages(LocalCommand.parse("IMAGE_COMMAND", images.command(), CommandImages.PLACEHOLDERS),
                    settings.providers().requestTimeout());
            default -> new LocalImages();
        };
    }
}
