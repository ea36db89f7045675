package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.core.Settings;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI-compatible images: {@code POST {base}/v1/images/generations} with a bearer token, the
 * picture back as {@code data[0].b64_json} or {@code data[0].url}. OpenAI, Together and local
 * servers speak it. The request is sent at most once ({@link Jobs#sendOnce}): after a timeout or a
 * 5xx it may have been billed. Refusals (content policy) come as HTTP 400 and are never retried.
 */
record OpenAiImages(URI base, String model, Settings.Secret key, Http http) implements ImageProvider {

    public String name() { return "openai"; }

    public java.util.Optional<shortsmith.core.ServiceKey> service() { return java.util.Optional.of(shortsmith.core.ServiceKey.of(name(), base.toString())); }

    /** The portrait size the model accepts: OpenAI's own models take fixed sizes; others any. */
    String size(int width, int height) {
        if (model.startsWith("gpt-image")) return "1024x1536";
        if (model.equals("dall-e-3")) return "1024x1792";
        if (model.equals("dall-e-2")) return "1024x1024";
        int[] wh = BflImages.size(width, height);
        return wh[0] + "x" + wh[1];
    }

    public byte[] generate(Request r, Context c) throws InterruptedException {
        var body = new LinkedHashMap<String, Object>();
        body.put("model", model);
        body.put("prompt", r.prompt());
        body.put("n", 1);
        body.put("size", size(r.width(), r.height()));
        if (model.startsWith("dall-e")) body.put("response_format", "b64_json");
        Map<String, String> headers = Http.bearer(key);
        JsonNode answer = c.jobs().sendOnce("image-" + r.sceneId(), key(r), name(), () -> http.withRetries(() -> {
            try (var permit = c.submissions().permit()) {
                c.status().accept("generating");
                return http.submit(base.resolve("v1/images/generations"), headers, body);
            }
        }, Http.retryStatus(c.status())));
        JsonNode first = answer.path("data").path(0);
        if (first.hasNonNull("b64_json")) return Http.base64(first.get("b64_json"), "openai images: data[0].b64_json");
        if (first.hasNonNull("url")) return http.download(first.get("url").asText(), List.of("image/", "application/octet-stream"));
        throw new Http.MaybeBilled("openai images: the answer has no data[0].b64_json or data[0].url", 200);
    }
}
