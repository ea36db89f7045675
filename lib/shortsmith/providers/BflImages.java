package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.concurrency.Retry;
import shortsmith.core.Json;
import shortsmith.core.Settings;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Black Forest Labs (FLUX): {@code POST {base}/v1/{model}} with {@code x-key} answers
 * {@code {id, polling_url}}; the job is asked for until {@code status} is {@code Ready}
 * ({@code result.sample} is a signed URL valid for about ten minutes, so it is downloaded at once)
 * or a failure ({@code Error}, {@code Request Moderated}, {@code Content Moderated},
 * {@code Task not found}). The submission is sent at most once ({@link Jobs#sendOnce}) and the job
 * is on disk before the first poll; it stays there until its picture is kept, so a failed job is
 * reported again by the next run instead of being paid for again (--force orders a new one).
 * {@code flux-pro-1.1-ultra} and the Kontext models take {@code aspect_ratio}, not width and height.
 */
record BflImages(URI base, String model, Settings.Secret key, Http http) implements ImageProvider {

    public String name() { return "bfl"; }

    public java.util.Optional<shortsmith.core.ServiceKey> service() { return java.util.Optional.of(shortsmith.core.ServiceKey.of(name(), base.toString())); }

    /** FLUX wants multiples of 32, at most 1440 a side: the largest 9:16-ish size within that. */
    static int[] size(int width, int height) {
        double scale = Math.min(1.0, 1440.0 / Math.max(width, height));
        int w = Math.max(256, (int) Math.round(width * scale / 32) * 32), h = Math.max(256, (int) Math.round(height * scale / 32) * 32);
        return new int[]{Math.min(1440, w), Math.min(1440, h)};
    }

    /** Models that size their picture by {@code aspect_ratio} (default 16:9) and refuse width and height. */
    static boolean takesAspectRatio(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        return m.contains("ultra") || m.contains("kontext");
    }

    /** The frame's shape as BFL writes it: 1080×1920 → "9:16". */
    static String aspectRatio(int width, int height) {
        int g = java.math.BigInteger.valueOf(width).gcd(java.math.BigInteger.valueOf(height)).intValue();
        return width / g + ":" + height / g;
    }

    Map<String, Object> body(Request r) {
        var body = new LinkedHashMap<String, Object>();
        body.put("prompt", r.prompt());
        if (takesAspectRatio(model)) {
            body.put("aspect_ratio", aspectRatio(r.width(), r.height()));
        } else {
            int[] wh = size(r.width(), r.height());
            body.put("width", wh[0]);
            body.put("height", wh[1]);
        }
        if (r.seed() > 0) body.put("seed", r.seed());
        body.put("output_format", "png");
        return body;
    }

    public byte[] generate(Request r, Context c) throws InterruptedException {
        String jobName = "image-" + r.sceneId();
        String requestKey = key(r);
        Map<String, String> headers = Map.of("x-key", key.value(), "accept", "application/json");
        Retry.Listener retrying = Http.retryStatus(c.status());
        var saved = c.jobs().find(jobName, requestKey).filter(Jobs.Job::wasSubmitted);
        Jobs.Job job;
        if (saved.isPresent()) {
            job = saved.get();
            c.status().accept("resuming job " + job.id());
        } else {
            var body = body(r);
            JsonNode answer = c.jobs().sendOnce(jobName, requestKey, name(), () -> http.withRetries(() -> {
                try (var permit = c.submissions().permit()) {
                    c.status().accept("submitting");
                    return http.submit(base.resolve("v1/" + model), headers, body);
                }
            }, retrying));
            String id = answer.path("id").asText("");
            if (id.isEmpty()) throw new Http.MaybeBilled("bfl: the submission's answer has no job id: " + Http.excerpt(Json.write(answer).getBytes()), 200);
            job = Jobs.Job.submitted(name(), requestKey, id, answer.path("polling_url").asText(""));
            c.jobs().save(jobName, job);
        }
        URI polling = pollingUri(job);
        String id = job.id();
        String sample = http.poll(id, () -> {
            JsonNode n = http.getJson(polling, headers);
            String status = n.path("status").asText("");
            c.status().accept("job " + status.toLowerCase(Locale.ROOT));
            return switch (status) {
                case "Ready" -> Optional.of(n.path("result").path("sample").asText(""));
                case "Request Moderated", "Content Moderated" -> throw new Http.ProviderException(
                        "bfl: " + status + " — the prompt or the picture was refused; change the scene's image_prompt", 200, false, null);
                case "Task not found" -> throw new Http.ProviderException("bfl: job " + id + " is not known (expired?); --force orders a new one",
                        404, false, null);
                case "Error", "Failed" -> throw new Http.ProviderException("bfl: job " + id + " failed: "
                        + Http.reason(Json.write(n.path("details")).getBytes()) + "; --force orders a new one", 200, false, null);
                default -> Optional.<String>empty();   // Pending, Queued, Processing…
            };
        }, c.ticker(), retrying);
        if (sample.isEmpty()) throw new Http.ProviderException("bfl: job " + id + " is Ready but has no result.sample", 200, false, null);
        c.status().accept("downloading");
        return http.download(sample, List.of("image/", "application/octet-stream"));
    }

    /**
     * Where to ask for the job: the polling URL the API returned when it is on the API's own origin;
     * otherwise (a regional host, or no URL) the API's own {@code /v1/get_result}, so the key never
     * goes to another origin.
     */
    URI pollingUri(Jobs.Job job) {
        return http.onKeyOrigin(job.pollingUrl(), base.resolve("v1/get_result?id=" + java.net.URLEncoder.encode(job.id(), java.nio.charset.StandardCharsets.UTF_8)));
    }
}
