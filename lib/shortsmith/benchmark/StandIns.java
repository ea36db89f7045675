package shortsmith.benchmark;

import shortsmith.core.Json;
import shortsmith.media.Proc;
import shortsmith.providers.LocalImages;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Providers on loopback that answer in fixed times, for the benchmark: OpenAI-compatible images
 * ({@code imageMillis} each, at most {@code activeImages} at once, a 429 beyond that) and speech
 * ({@code speechMillis} each, one at a time, espeak-ng's voice). They use no CPU while "working",
 * like a remote service or a model on a GPU, so the schedule is what is measured.
 */
final class StandIns implements AutoCloseable {
    private final HttpServer server;
    private final Semaphore activeImages;
    private final Semaphore speaking = new Semaphore(1, true);
    private final long imageMillis, speechMillis;
    private final Path scratch;
    /** When each image submission arrived (nanoTime), and how many were turned away with 429. */
    public final List<Long> imageSubmissions = new CopyOnWriteArrayList<>();
    public final AtomicInteger throttled = new AtomicInteger();

    public StandIns(long imageMillis, int activeImages, long speechMillis, Path scratch) throws IOException {
        this.imageMillis = imageMillis;
        this.speechMillis = speechMillis;
        this.activeImages = new Semaphore(activeImages);
        this.scratch = Files.createDirectories(scratch);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/images/generations", this::image);
        server.createContext("/v1/audio/speech", this::speech);
        server.start();
    }

    public String baseUrl() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    /** Settings that point images and narration at these stand-ins. */
    public java.util.Map<String, String> settings() {
        return java.util.Map.of("IMAGE_PROVIDER", "openai", "IMAGE_BASE_URL", baseUrl(), "IMAGE_MODEL", "stand-in",
                "TTS_PROVIDER", "openai", "TTS_BASE_URL", baseUrl(), "TTS_MODEL", "stand-in", "TTS_VOICE", "es");
    }

    private void image(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            imageSubmissions.add(System.nanoTime());
            if (!activeImages.tryAcquire()) {
                throttled.incrementAndGet();
                send(ex, 429, "application/json", "{\"error\":{\"message\":\"too many active tasks\"}}".getBytes());
                return;
            }
            try {
                Thread.sleep(imageMillis);
                String prompt = Json.MAPPER.readTree(body).path("prompt").asText("");
                var out = new ByteArrayOutputStream();
                javax.imageio.ImageIO.write(LocalImages.draw(prompt, 540, 960, 7), "png", out);
                String b64 = java.util.Base64.getEncoder().encodeToString(out.toByteArray());
                send(ex, 200, "application/json", ("{\"created\":1,\"data\":[{\"b64_json\":\"" + b64 + "\"}]}").getBytes());
            } finally {
                activeImages.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void speech(HttpExchange ex) throws IOException {
        try (ex) {
            String text = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes()).path("input").asText("");
            speaking.acquire();
            try {
                long t0 = System.nanoTime();
                Path wav = scratch.resolve(Integer.toHexString(text.hashCode()) + ".wav");
                if (!Files.isRegularFile(wav)) {
                    var r = Proc.run(List.of("espeak-ng", "-v", "es", "-s", "160", "-w", wav.toString(), text), Duration.ofSeconds(60));
                    if (!r.ok()) {
                        send(ex, 500, "application/json", "{\"error\":{\"message\":\"espeak-ng failed\"}}".getBytes());
                        return;
                    }
                }
                long left = speechMillis - (System.nanoTime() - t0) / 1_000_000;
                if (left > 0) Thread.sleep(left);
                send(ex, 200, "audio/wav", Files.readAllBytes(wav));
            } finally {
                speaking.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() { server.stop(0); }
}
