package shortsmith.providers;

import shortsmith.concurrency.Retry;
import shortsmith.core.Json;
import shortsmith.core.Settings;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Black Forest Labs (FLUX): {@code POST {base}/v1/{model}} with {@code x-key} answers
 * {@code {id, polling_url}}; the returned polling URL is asked until {@code status} is
 * {@code Ready} ({@code result.sample} is a signed URL valid for about ten minutes, so it is
 * downloaded at once) or a failure ({@code Error}, {@code Request Moderated},
 * {@code Content Moderated}, {@code Task not found}). The job is saved before the first poll.
 */
record BflImages(URI base, String model, Settings.Secret key, Http http) implements ImageProvider {

    public String name() { return "bfl"; }

    /** FLUX wants multiples of 32, at most 1440 a side: the largest 9:16-ish size within that. */
    static int[] size(int width, int height) {
        double scale = Math.min(1.0, 1440.0 / Math.max(width, height));
        int w = Math.max(256, (int) Math.round(width * scale / 32) * 32), h = Math.max(256, (int) Math.round(height * scale / 32) * 32);
        return new int[]{Math.min(1440, w), Math.min(1440, h)};
    }

    public byte[] generate(Request r, Context c) throws InterruptedException {
        String jobName = "image-" + r.sceneId();
        String requestKey = key(r);
        Map<String, String> headers = Map.of("x-key", key.value(), "accept", "application/json");
        Retry.Listener retrying = Http.retryStatus(c.status());
        var saved = c.jobs().find(jobName, requestKey);
        Jobs.Job job;
        if (saved.isPresent()) {
            job = saved.get();
            c.status().accept("resuming job " + job.id());
        } else {
            int[] wh = size(r.width(), r.height());
            var body = new LinkedHashMap<String, Object>();
            body.put("prompt", r.prompt());
            body.put("width", wh[0]);
            body.put("height", wh[1]);
            if (r.seed() > 0) body.put("seed", r.seed());
            body.put("output_format", "png");
            JsonNode answer = http.withRetries(() -> {
                try (var permit = c.submissions().permit()) {
                    c.status().accept("submitting");
                    return http.postJson(base.resolve("v1/" + model), headers, body);
                }
            }, retrying);
            String id = answer.path("id").asText("");
            if (id.isEmpty()) throw new Http.ProviderException("bfl: the submission answer has no job id", 0, false, null);
            String polling = answer.path("polling_url").asText(base.resolve("v1/get_result?id=" + id).toString());
            job = Jobs.Job.submitted(name(), requestKey, id, polling);
            c.jobs().save(jobName, job);
        }
        URI polling = URI.create(job.pollingUrl());
        if (!List.of("http", "https").contains(String.valueOf(polling.getScheme()))) {
            c.jobs().remove(jobName);
            throw new Http.ProviderException("bfl gave a polling URL that is not http(s)", 0, false, null);
        }
        String id = job.id();
        String sample;
        try {
            sample = http.poll(id, () -> {
                JsonNode n = http.getJson(polling, headers);
                String status = n.path("status").asText("");
                c.status().accept("job " + status.toLowerCase());
                return switch (status) {
                    case "Ready" -> Optional.of(n.path("result").path("sample").asText(""));
                    case "Request Moderated", "Content Moderated" -> throw new Http.ProviderException(
                            "bfl: " + status + " — the prompt or the picture was refused; change the scene's image_prompt", 200, false, null);
                    case "Task not found" -> throw new Http.ProviderException("bfl: job " + id + " is not known (expired?); run again to submit a new one",
                            404, false, null);
                    case "Error", "Failed" -> throw new Http.ProviderException("bfl: job " + id + " failed: "
                            + Http.reason(Json.write(n.path("details")).getBytes()), 200, false, null);
                    default -> Optional.<String>empty();   // Pending, Queued, Processing…
                };
            }, c.ticker(), retrying);
            if (sample.isEmpty()) throw new Http.ProviderException("bfl: job " + id + " is Ready but has no result.sample", 200, false, null);
            c.status().accept("downloading");
            return http.download(sample, List.of("image/", "application/octet-stream"));
        } catch (Http.ProviderException e) {
            if (!e.retryable() && !(e instanceof Http.StillRunning)) c.jobs().remove(jobName);   // a dead job: order anew next time
            throw e;
        }
    }
}
