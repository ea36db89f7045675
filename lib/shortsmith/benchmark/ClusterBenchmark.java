package shortsmith.benchmark;

import shortsmith.cluster.LocalPostgres;
import shortsmith.cluster.StoryQueue;
import shortsmith.core.Home;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;
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
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code benchmark --only cluster}: a batch of stories made by 1, 2 and 4 workers ({@code ./jbang
 * worker}, separate processes with homes of their own, as on separate machines) against one
 * PostgreSQL server, with stand-in services: a picture service every worker shares under one
 * IMAGE_RATE_PER_MIN, and a narration server per worker (one lane, a fixed time a scene, Kokoro's
 * API with word times, as a TTS box of each machine's own). The stand-ins answer from what they
 * made before the runs and use no CPU while "working", and the frames are small, so what is measured
 * is the queue's schedule, not this machine's cores. Reported: wall time from {@code queue add} to
 * the last story done, stories a minute, scaling (throughput at N workers ÷ N × one worker's), the
 * queue's own overhead (a story's claim to its start, and a worker's idle time between two stories),
 * and the workers' CPU use.
 *
 * <pre>jshell> ClusterBenchmark.run(Path.of("/tmp/cluster-bench"), 1, System.err::println)</pre>
 */
public final class ClusterBenchmark {
    private ClusterBenchmark() {}

    /** One count of workers, every story made once in each round: the mean wall time of its runs, and each. */
    public record Row(int workers, int stories, int scenesEach, double wallSeconds, List<Double> wallOfEachRun, double storiesPerMinute, Double scaling,
                      double claimToStartMedian, double claimToStartMax, double idleBetweenStoriesMedian, double idleBetweenStoriesMax,
                      int pictures, int mostPicturesInAMinute, int rateLimit, double workerCpuSeconds, double cpuShare, double loadAverage) {}

    /** The whole section: its rows, and how they were made. */
    public record Result(int stories, int scenesEach, long speechMillis, long imageMillis, int rateLimit, String frame, int cores, int rounds, List<Row> rows) {}

    /** Six scenes a story: the narration (2 s a scene) outweighs the CPU a story needs once (its soundtrack and merge, about 2 s). */
    static final int STORIES = 12, SCENES = 6, RATE = 240;
    /** Small frames at a low rate, captions off: a clip costs little CPU, so the schedule is what is measured. */
    static final Map<String, String> FRAMES = Map.of("VIDEO_SIZE", "180x320", "VIDEO_FPS", "10", "CAPTION_STYLE", "none");
    static final long SPEECH_MILLIS = 2000, IMAGE_MILLIS = 500;
    static final List<Integer> WORKERS = List.of(1, 2, 4);

    /** What one run measured. */
    record Run(double wall, List<Double> claimToStart, List<Double> idle, int pictures, int most, double cpu, double load) {}

    /**
     * Runs the section in {@code dir}, each count of workers {@code rounds} times (2: the order 1 2 4 4 2 1);
     * its result is returned and written there (cluster.md, cluster.json).
     */
    public static Result run(Path dir, int rounds, Consumer<String> progress) throws Exception {
        WorkDir.deleteTree(dir);
        Files.createDirectories(dir);
        var result = measure(dir, rounds, progress);
        String md = table(result);
        Files.writeString(dir.resolve("cluster.md"), md);
        Files.writeString(dir.resolve("cluster.json"), Json.write(result));
        return result;
    }

    static Result measure(Path dir, int rounds, Consumer<String> progress) throws Exception {
        var texts = new ArrayList<String>();
        var prompts = new ArrayList<String>();
        for (int s = 1; s <= STORIES; s++) {
            for (int c = 1; c <= SCENES; c++) {
                texts.add("Historia " + s + ", escena " + c + ": el muelle.");
                prompts.add("story " + s + " scene " + c + ": an old pier at dusk");
            }
        }
        progress.accept("cluster: preparing the stand-ins' pictures and voices…");
        var pictures = new Pictures(prompts, IMAGE_MILLIS);
        var voices = new ArrayList<Voice>();
        Path voiceDir = Files.createDirectories(dir.resolve("voices"));
        var spoken = Voice.prepare(texts, voiceDir);
        for (int i = 0; i < WORKERS.stream().mapToInt(Integer::intValue).max().orElse(1); i++) voices.add(new Voice(spoken, SPEECH_MILLIS));
        String password = "bench-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        progress.accept("cluster: starting PostgreSQL (its defaults: fsync on)…");
        try (var pg = LocalPostgres.start("shortsmith", password, true)) {
            // Built before the clock starts: every worker below starts from the launch cache.
            var build = Proc.run(List.of(Home.root().resolve("jbang").toString(), "worker", "--help"), Duration.ofMinutes(10));
            if (!build.ok()) throw new IllegalStateException("./jbang worker --help failed: " + build.lastErrorLine());
            // Each count of workers in the order 1 2 4, then 4 2 1…: a slow spell of this (shared) machine hits them alike.
            Map<Integer, List<Run>> runs = new java.util.TreeMap<>();
            List<Integer> order = new ArrayList<>(WORKERS);
            for (int round = 0; round < rounds; round++) {
                for (int n : order) {
                    progress.accept("cluster: " + STORIES + " stories × " + SCENES + " scenes, " + n + " worker" + (n == 1 ? "" : "s")
                            + " (round " + (round + 1) + " of " + rounds + ")…");
                    var run = once(dir.resolve("workers-" + n + "-round-" + (round + 1)), pg, password, n, pictures, voices, texts, prompts);
                    runs.computeIfAbsent(n, k -> new ArrayList<>()).add(run);
                    progress.accept(String.format(Locale.ROOT, "cluster: %d worker(s): %.1f s (load average %.1f)", n, run.wall(), run.load()));
                }
                java.util.Collections.reverse(order);
            }
            double one = STORIES / mean(runs.get(WORKERS.getFirst()).stream().map(Run::wall).toList()) * 60;
            List<Row> rows = new ArrayList<>();
            for (var e : runs.entrySet()) {
                int n = e.getKey();
                var rs = e.getValue();
                double wall = mean(rs.stream().map(Run::wall).toList()), perMinute = STORIES / wall * 60;
                List<Double> claim = rs.stream().flatMap(r -> r.claimToStart().stream()).toList(), idle = rs.stream().flatMap(r -> r.idle().stream()).toList();
                double cpu = mean(rs.stream().map(Run::cpu).toList());
                int cores = Runtime.getRuntime().availableProcessors();
                rows.add(new Row(n, STORIES, SCENES, round(wall), rs.stream().map(r -> round(r.wall())).toList(), round(perMinute),
                        n == WORKERS.getFirst() ? null : round(perMinute / (n * one)), round(median(claim)), round(max(claim)), round(median(idle)),
                        round(max(idle)), rs.getFirst().pictures(), rs.stream().mapToInt(Run::most).max().orElse(0), RATE, round(cpu),
                        round(cpu / (wall * cores)), round(mean(rs.stream().map(Run::load).toList()))));
            }
            return new Result(STORIES, SCENES, SPEECH_MILLIS, IMAGE_MILLIS, RATE, FRAMES.get("VIDEO_SIZE") + "/" + FRAMES.get("VIDEO_FPS") + ", no captions",
                    Runtime.getRuntime().availableProcessors(), rounds, rows);
        } finally {
            pictures.close();
            voices.forEach(Voice::close);
        }
    }

    private static Run once(Path dir, LocalPostgres pg, String password, int n, Pictures pictures, List<Voice> voices, List<String> texts,
                            List<String> prompts) throws Exception {
        Files.createDirectories(dir);
        String database = "bench_" + n + "_" + System.nanoTime();
        try (var c = DriverManager.getConnection(pg.url(), "shortsmith", password); var st = c.createStatement()) {
            st.execute("create database " + database);
        }
        var queue = new HashMap<>(pg.settings());
        queue.put("QUEUE_URL", pg.url().replace("/postgres", "/" + database));
        Path shared = Files.createDirectories(dir.resolve("shared"));
        List<Path> manifests = new ArrayList<>();
        for (int s = 0; s < STORIES; s++) {
            List<Story.Scene> scenes = new ArrayList<>();
            for (int c = 0; c < SCENES; c++) {
                int i = s * SCENES + c;
                scenes.add(new Story.Scene("s" + (c + 1), texts.get(i), prompts.get(i), null, null, null, null, null, null));
            }
            Path m = shared.resolve(String.format(Locale.ROOT, "story-%02d.json", s + 1));
            Files.writeString(m, new Story("Historia " + (s + 1), "es", null, null, null, scenes).toJson());
            manifests.add(m);
        }
        pictures.arrivals.clear();
        List<Process> workers = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            // One after another, each ready before the next starts (four JVMs starting at once on two cores make connecting slow);
            // their start is no part of what is measured.
            for (int w = 0; w < n; w++) {
                Path home = Files.createDirectories(dir.resolve("home-" + (w + 1)));
                var env = new HashMap<>(queue);
                env.putAll(Map.of("IMAGE_PROVIDER", "openai", "IMAGE_BASE_URL", pictures.base(), "IMAGE_API_KEY", "bench-key", "IMAGE_MODEL", "stand-in",
                        "IMAGE_RATE_PER_MIN", String.valueOf(RATE), "TTS_PROVIDER", "kokoro", "TTS_BASE_URL", voices.get(w).base()));
                env.putAll(FRAMES);
                env.putAll(Map.of("CLIP_CORES_WHILE_NARRATING", "0", "WORKER_HEARTBEAT", "5",
                        "WORKER_NAME", "bench-" + (w + 1), "HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString()));
                Path err = dir.resolve("worker-" + (w + 1) + ".err");
                var pb = new ProcessBuilder(Home.root().resolve("jbang").toString(), "worker").directory(home.toFile())
                        .redirectOutput(dir.resolve("worker-" + (w + 1) + ".out").toFile()).redirectError(err.toFile());
                pb.environment().remove("SHORTSMITH_HOME");
                pb.environment().putAll(env);
                var process = pb.start();
                workers.add(process);
                outs.add(dir.resolve("worker-" + (w + 1) + ".out"));
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!(Files.isRegularFile(err) && Files.readString(err).contains("takes stories from"))) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("worker " + (w + 1) + " did not start: " + Files.readString(err));
                    }
                    Thread.sleep(50);
                }
            }
            var settings = Settings.of(queue);
            var q = StoryQueue.open(settings);
            long t0 = System.nanoTime();
            q.add(manifests, false);
            long deadline = t0 + TimeUnit.MINUTES.toNanos(20);
            while (true) {
                var entries = q.status();
                if (entries.stream().anyMatch(e -> e.state().equals("failed"))) {
                    throw new IllegalStateException("a story failed in the benchmark: " + entries.stream().filter(e -> e.state().equals("failed")).toList());
                }
                if (entries.stream().allMatch(e -> e.state().equals("done"))) break;
                if (System.nanoTime() > deadline) throw new IllegalStateException("the stories were not done in 20 minutes: " + entries);
                Thread.sleep(100);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = 0;
            for (var p : workers) cpu += cpuSeconds(p.pid());
            for (var p : workers) p.destroy();   // SIGTERM: each hands back nothing, and exits 130
            for (var p : workers) p.waitFor(30, TimeUnit.SECONDS);
            // The queue's own time: from a story's claim to its start, and a worker's idle time between one story's end and its next claim.
            List<Double> claimToStart = new ArrayList<>(), idle = new ArrayList<>();
            for (Path out : outs) {
                List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
                for (String line : Files.readAllLines(out)) if (line.startsWith("{")) lines.add(Json.MAPPER.readTree(line));
                lines.sort(java.util.Comparator.comparing(l -> Instant.parse(l.get("claimed").asText())));
                for (int i = 0; i < lines.size(); i++) {
                    claimToStart.add(lines.get(i).get("claimToStartSeconds").asDouble());
                    if (i > 0) {
                        idle.add(Duration.between(Instant.parse(lines.get(i - 1).get("finished").asText()),
                                Instant.parse(lines.get(i).get("claimed").asText())).toNanos() / 1e9);
                    }
                }
            }
            var arrivals = pictures.arrivals.stream().sorted().toList();
            int most = 0;
            for (int i = 0, j = 0; i < arrivals.size(); i++) {
                while (arrivals.get(i) - arrivals.get(j) >= 60_000_000_000L) j++;
                most = Math.max(most, i - j + 1);
            }
            return new Run(wall, claimToStart, idle, arrivals.size(), most, cpu, loadAverage());
        } finally {
            for (var p : workers) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /** The Markdown table of the section. */
    static String table(Result r) {
        var md = new StringBuilder(String.format(Locale.ROOT, "%d stories × %d scenes; narration %.1f s a scene on one lane per worker; pictures %.1f s each,"
                        + " %d a minute for all workers together; frames %s; %d cores; one PostgreSQL server (fsync on); each count of workers run %d time(s),"
                + " in the order 1 2 4 (4 2 1…).%n%n", r.stories(), r.scenesEach(),
                r.speechMillis() / 1000.0, r.imageMillis() / 1000.0, r.rateLimit(), r.frame(), r.cores(), r.rounds()));
        md.append("| workers | wall s, mean (each run) | stories a minute | scaling | claim → start, median s | max s | idle between stories, median s | max s"
                + " | pictures | most in a minute | workers' CPU s | of the machine's CPU | load average |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var w : r.rows()) {
            md.append(String.format(Locale.ROOT, "| %d | %.1f (%s) | %.2f | %s | %.3f | %.3f | %.3f | %.3f | %d | %d | %.1f | %.0f %% | %.1f |%n", w.workers(),
                    w.wallSeconds(), String.join(", ", w.wallOfEachRun().stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList()),
                    w.storiesPerMinute(), w.scaling() == null ? "1 (reference)" : String.format(Locale.ROOT, "%.2f", w.scaling()), w.claimToStartMedian(),
                    w.claimToStartMax(), w.idleBetweenStoriesMedian(), w.idleBetweenStoriesMax(), w.pictures(), w.mostPicturesInAMinute(), w.workerCpuSeconds(),
                    100 * w.cpuShare(), w.loadAverage()));
        }
        return md.toString();
    }

    /** The machine's load average over the last minute (others' work included: this machine may be shared). */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds of a process and of the children it has waited for (ffmpeg, espeak-ng), from /proc. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) return 0;
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double mean(List<Double> values) { return values.stream().mapToDouble(Double::doubleValue).average().orElse(0); }

    private static double max(List<Double> values) { return values.stream().mapToDouble(Double::doubleValue).max().orElse(0); }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    /** The picture service every worker shares: OpenAI's images API, answering in fixed time with pictures drawn before the runs. */
    static final class Pictures implements AutoCloseable {
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
        private final HttpServer server;
        private final long millis;

        Pictures(List<String> prompts, long millis) throws IOException {
            this.millis = millis;
            for (String p : prompts) {
                var png = new ByteArrayOutputStream();
                javax.imageio.ImageIO.write(LocalImages.draw(p, 180, 320, 7), "png", png);
                answers.put(p, ("{\"created\":1,\"data\":[{\"b64_json\":\"" + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/v1/images/generations", this::answer);
            server.start();
        }

        String base() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

        private void answer(HttpExchange ex) throws IOException {
            try (ex) {
                arrivals.add(System.nanoTime());
                String prompt = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes()).path("prompt").asText();
                Thread.sleep(millis);
                byte[] body = answers.get(prompt);
                if (body == null) body = "{\"error\":{\"message\":\"unknown prompt\"}}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(answers.containsKey(prompt) ? 200 : 400, body.length);
                ex.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() { server.stop(0); }
    }

    /**
     * A machine's own narration server: Kokoro-FastAPI's captioned speech, one lane (one model
     * instance), a fixed time a scene, answering with espeak-ng's voice made before the runs and
     * word times spread over it (their values do not matter here, only that the engine gives them).
     */
    static final class Voice implements AutoCloseable {
        private final Map<String, byte[]> answers;
        private final Semaphore lane = new Semaphore(1, true);
        private final HttpServer server;
        private final long millis;

        Voice(Map<String, byte[]> answers, long millis) throws IOException {
            this.answers = answers;
            this.millis = millis;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/dev/captioned_speech", this::answer);
            server.start();
        }

        /** Every text spoken once, as the answers the servers give. */
        static Map<String, byte[]> prepare(List<String> texts, Path dir) throws IOException {
            Map<String, byte[]> answers = new HashMap<>();
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                Path wav = dir.resolve(i + ".wav");
                var r = Proc.run(List.of("espeak-ng", "-v", "es", "-s", "170", "-w", wav.toString(), text), Duration.ofSeconds(60));
                if (!r.ok()) throw new IllegalStateException("espeak-ng failed: " + r.lastErrorLine());
                byte[] audio = Files.readAllBytes(wav);
                double seconds = Math.max(0.5, (audio.length - 44) / 2.0 / 22050);
                String[] words = text.split("\\s+");
                var stamps = new ArrayList<Map<String, Object>>();
                for (int w = 0; w < words.length; w++) {
                    stamps.add(Map.of("word", words[w], "start_time", seconds * w / words.length, "end_time", seconds * (w + 1) / words.length));
                }
                answers.put(text, Json.MAPPER.writeValueAsBytes(Map.of("audio", Base64.getEncoder().encodeToString(audio), "timestamps", stamps)));
            }
            return answers;
        }

        String base() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

        private void answer(HttpExchange ex) throws IOException {
            try (ex) {
                String text = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes()).path("input").asText();
                lane.acquire();
                try {
                    Thread.sleep(millis);
                } finally {
                    lane.release();
                }
                byte[] body = answers.get(text);
                if (body == null) body = "{\"detail\":{\"error\":\"unknown text\",\"message\":\"unknown text\"}}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(answers.containsKey(text) ? 200 : 400, body.length);
                ex.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() { server.stop(0); }
    }
}
