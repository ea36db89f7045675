package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import shortsmith.concurrency.Retry;
import shortsmith.core.Settings;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Replicate predictions. With TTS_MODEL {@code owner/name:version}: {@code POST /v1/predictions}
 * with that {@code version}. With {@code owner/name}: {@code POST /v1/models/{owner}/{name}/predictions},
 * which serves official models; when that route refuses (a community model, 404 or 422: nothing
 * was created), the latest version is looked up ({@code GET /v1/models/{owner}/{name}},
 * {@code latest_version.id}) and {@code /v1/predictions} is used with it. The prediction is polled
 * at {@code urls.get} until {@code succeeded} ({@code output} holds the audio URL) or
 * {@code failed}/{@code canceled}. Each creation is sent at most once and the prediction id is on
 * disk before the first poll.
 */
record ReplicateSpeech(URI base, String model, Settings.Secret key, Http http) implements SpeechProvider {

    public String name() { return "replicate"; }

    public boolean runsHere() { return SpeechProvider.isLoopback(base); }

    /** Kokoro's voices: Spanish, else American English. */
    public String defaultVoice(String language) { return "es".equalsIgnoreCase(language) ? "ef_dora" : "af_bella"; }

    public byte[] synthesize(Request r, ImageProvider.Context c) throws InterruptedException {
        String jobName = "speech-" + r.sceneId();
        String requestKey = key(r);
        Map<String, String> headers = Http.bearer(key);
        Retry.Listener retrying = Http.retryStatus(c.status());
        var saved = c.jobs().find(jobName, requestKey).filter(Jobs.Job::wasSubmitted);
        Jobs.Job job;
        if (saved.isPresent()) {
            job = saved.get();
            c.status().accept("resuming prediction " + job.id());
        } else {
            var input = new LinkedHashMap<String, Object>();
            input.put("text", r.text());
            input.put("voice", r.voice());
            input.put("speed", r.speed());
            int colon = model.indexOf(':');
            JsonNode answer;
            if (colon > 0) {
                answer = create(jobName, requestKey, base.resolve("v1/predictions"), withVersion(model.substring(colon + 1), input), headers, c, retrying);
            } else {
                try {
                    answer = create(jobName, requestKey, base.resolve("v1/models/" + model + "/predictions"), Map.of("input", input), headers, c, retrying);
                } catch (Http.ProviderException e) {
                    if (e instanceof Http.MaybeBilled || (e.status() != 404 && e.status() != 422)) throw e;
                    c.status().accept("not an official model: looking up its latest version");
                    String version = latestVersion(headers, retrying);
                    answer = create(jobName, requestKey, base.resolve("v1/predictions"), withVersion(version, input), headers, c, retrying);
                }
            }
            String id = answer.path("id").asText("");
            if (id.isEmpty()) throw new Http.MaybeBilled("replicate: the prediction has no id", 200);
            job = Jobs.Job.submitted(name(), requestKey, id, answer.path("urls").path("get").asText(""));
            c.jobs().save(jobName, job);
        }
        URI get = pollingUri(job);
        String id = job.id();
        String url = http.poll(id, () -> {
            JsonNode p = http.getJson(get, headers);
            String status = p.path("status").asText("");
            c.status().accept("prediction " + status);
            return switch (status) {
                case "succeeded" -> Optional.of(outputUrl(p.path("output")).orElseThrow(() -> new Http.ProviderException(
                        "replicate: prediction " + id + " succeeded without an audio URL in output", 200, false, null)));
                case "failed", "canceled", "aborted" -> throw new Http.ProviderException("replicate: prediction " + id + " " + status + ": "
                        + (p.path("error").isNull() || p.path("error").isMissingNode() ? "no reason given" : p.path("error").asText())
                        + "; --force sends a new one", 200, false, null);
                default -> Optional.<String>empty();   // starting, processing
            };
        }, c.ticker(), retrying);
        c.status().accept("downloading");
        // Files on the API's own host (…/v1/files/…) need the token; delivery URLs elsewhere get none.
        return http.download(url, List.of("audio/", "application/octet-stream"), headers);
    }

    private static Map<String, Object> withVersion(String version, Map<String, Object> input) {
        var body = new LinkedHashMap<String, Object>();
        body.put("version", version);
        body.put("input", input);
        return body;
    }

    private JsonNode create(String jobName, String requestKey, URI uri, Map<String, Object> body, Map<String, String> headers,
                            ImageProvider.Context c, Retry.Listener retrying) throws InterruptedException {
        return c.jobs().sendOnce(jobName, requestKey, name(), () -> http.withRetries(() -> {
            try (var permit = c.submissions().permit()) {
                c.status().accept("submitting");
                return http.submit(uri, headers, body);
            }
        }, retrying));
    }

    /** The id of the model's latest version ({@code GET /v1/models/{owner}/{name}}). */
    String latestVersion(Map<String, String> headers, Retry.Listener retrying) throws InterruptedException {
        JsonNode m = http.withRetries(() -> http.getJson(base.resolve("v1/models/" + model), headers), retrying);
        String version = m.path("latest_version").path("id").asText("");
        if (version.isEmpty()) {
            throw new Http.ProviderException("replicate: model " + model + " has no published version; set TTS_MODEL to owner/name:version",
                    200, false, null);
        }
        return version;
    }

    /** {@code urls.get} when it is on the API's origin; else the API's own {@code /v1/predictions/{id}}. */
    URI pollingUri(Jobs.Job job) {
        return http.onKeyOrigin(job.pollingUrl(), base.resolve("v1/predictions/" + java.net.URLEncoder.encode(job.id(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The first URL in a prediction's output: a string, a list of them, or an object holding one. */
    static Optional<String> outputUrl(JsonNode output) {
        if (output.isTextual()) return Optional.of(output.asText());
        if (output.isArray() || output.isObject()) {
            for (JsonNode n : output) {
                var found = outputUrl(n);
                if (found.isPresent()) return found;
            }
        }
        return Optional.empty();
    }
}
