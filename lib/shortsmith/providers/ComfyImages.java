package shortsmith.providers;

import shortsmith.core.ServiceKey;

import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;

/**
 * Pictures from the user's own ComfyUI workflow ({@code IMAGE_PROVIDER=comfyui}, {@code IMAGE_WORKFLOW}
 * in API format): {@code {{prompt}} {{width}} {{height}} {{seed}} {{scene}}} are filled in, the prompt
 * is queued, and the picture the output node saved ({@code outputs[node].images}) is fetched with
 * {@code /view}. The cache key is the workflow after substitution: change the workflow and the
 * pictures are made again; change nothing and nothing is.
 */
record ComfyImages(ComfyUi server, ComfyWorkflow workflow, String outputNode) implements ImageProvider {

    static final Set<String> PLACEHOLDERS = Set.of("prompt", "width", "height", "seed", "scene");

    public String name() { return "comfyui"; }

    public Optional<ServiceKey> service() { return Optional.of(server.service()); }

    public String model() { return workflow.file().getFileName().toString(); }

    /** A local server: no rate limit between scenes (ComfyUI queues them itself). */
    public boolean remote() { return false; }

    /** A sampler needs a seed: IMAGE_SEED, else one fixed by the prompt, so a rerun makes the same picture. */
    static long seedFor(Request r) { return r.seed() > 0 ? r.seed() : Integer.toUnsignedLong(r.prompt().hashCode()) % 1_000_000_007L; }

    Map<String, Object> values(Request r) {
        return Map.of("prompt", r.prompt(), "width", r.width(), "height", r.height(), "seed", seedFor(r), "scene", r.sceneId());
    }

    public String key(Request r) { return Asset.key("image", name(), server.base(), shortsmith.core.Json.write(workflow.fill(values(r)))); }

    public byte[] generate(Request r, Context c) throws InterruptedException {
        return server.run("image-" + r.sceneId(), key(r), workflow.fill(values(r)), "images", outputNode, "IMAGE_OUTPUT_NODE",
                List.of("image/", "application/octet-stream"), c);
    }
}
