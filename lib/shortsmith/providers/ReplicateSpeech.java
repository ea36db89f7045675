package shortsmith.providers;

import shortsmith.concurrency.Retry;
import shortsmith.core.Settings;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Replicate predictions: {@code POST {base}/v1/models/{owner}/{name}/predictions} (or
 * {@code /v1/predictions} with a {@code version} when TTS_MODEL is {@code owner/name:version})
 * answers a prediction with an {@code id} and {@code urls.get}; that is polled until {@code status}
 * is {@code succeeded} (then {@code output} holds the audio URL) or {@code failed}/{@code canceled}.
 * The prediction id is saved before the first poll.
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
        var saved = c.jobs().find(jobName, requestKey);
        Jobs.Job job;
        if (saved.isPresent()) {
            job = saved.get();
            c.status().accept("resuming prediction " + job.id());
        } else {
            var input = new LinkedHashMap<String, Object>();
            input.put("text", r.text());
            input.put("voice", r.voice());
            input.put("speed", r.speed());
            var body = new LinkedHashMap<String, Object>();
            URI submit;
            int colon = model.indexOf(':');
            if (colon > 0) {
                body.put("version", model.substring(colon + 1));
                submit = base.resolve("v1/predictions");
            } else {
                submit = base.resolve("v1/models/" + model + "/predictions");
            }
            body.put("input", input);
            JsonNode answer = http.withRetries(() -> {
                try (var permit = c.submissions().permit()) {
                    c.status().accept("submitting");
                    return http.postJson(submit, headers, body);
                }
            }, retrying);
            String id = answer.path("id").asText("");
            if (id.isEmpty()) throw new Http.ProviderException("replicate: the prediction has no id", 0, false, null);
            String get = answer.path("urls").path("get").asText(base.resolve("v1/predictions/" + id).toString());
            job = Jobs.Job.submitted(name(), requestKey, id, get);
            c.jobs().save(jobName, job);
        }
        URI get = URI.create(job.pollingUrl());
        String id = job.id();
        try {
            String url = http.poll(id, () -> {
                JsonNode p = http.getJson(get, headers);
                String status = p.path("status").asText("");
                c.status().accept("prediction " + status);
                return switch (status) {
                    case "succeeded" -> Optional.of(outputUrl(p.path("output")).orElseThrow(() -> new Http.ProviderException(
                            "replicate: prediction " + id + " succeeded without an audio URL in output", 200, false, null)));
                    case "failed", "canceled", "aborted" -> throw new Http.ProviderException("replicate: prediction " + id + " " + status + ": "
                            + (p.path("error").isNull() || p.path("error").isMissingNode() ? "no reason given" : p.path("error").asText()),
                            200, false, null);
                    default -> Optional.<String>empty();   // starting, processing
                };
            }, c.ticker(), retrying);
            c.status().accept("downloading");
            return http.download(url, List.of("audio/", "application/octet-stream"));
        } catch (Http.ProviderException e) {
            if (!e.retryable() && !(e instanceof Http.StillRunning)) c.jobs().remove(jobName);   // a dead job: order anew next time
            throw e;
        }
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
