package shortsmith.pipeline;

import shortsmith.audio.Merge;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.CpuTime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Many stories in one run with one schedule ({@code short a.json b.json}, {@code short --batch DIR}):
 * every story's pictures, narrations and clips go into one {@link Machine}, in story order, so the
 * narration lane never idles between stories and the machine's limits hold for the whole batch.
 * Each story is merged as soon as its own clips are done, and its Short and report are written then.
 * A story that fails does not stop the others. Run again, finished Shorts are kept (their manifest
 * and file unchanged) and the rest resume from what their work folders hold.
 *
 * <pre>jshell> Batch.run(List.of(Path.of("a.json"), Path.of("b.json")), Settings.load(), false, Progress.stderr(List.of()))</pre>
 */
public final class Batch {
    private Batch() {}

    /** What became of one story: {@code made}, {@code kept} (finished before, unchanged) or {@code failed}, and why. */
    public record StoryResult(String manifest, String title, String output, String outcome, double start, double wall, Double criticalPath,
                              Map<String, String> failures) {}

    /**
     * The batch: its wall time, the lower bound (the narration lane's busy time over the whole batch,
     * then the last story's last clip and merge; or the CPU work ÷ cores when larger), the efficiency
     * (bound ÷ wall), each story, and every span on one clock (scenes named {@code story/scene}).
     */
    public record Report(double wall, double narrationBusy, double lastClip, double lastMerge, double cpuSeconds, int cores, double bound,
                         String binds, String summary, double efficiency, List<StoryResult> stories, List<Pipeline.Span> spans) {
        public int exitCode() { return stories.stream().allMatch(s -> !s.outcome().equals("failed")) ? 0 : 1; }

        /** The whole batch as a timing report, for the Gantt chart. */
        public Pipeline.Report timeline() {
            return new Pipeline.Report("batch of " + stories.size(), null, wall, narrationBusy + lastClip + lastMerge, efficiency, narrationBusy, lastClip,
                    lastMerge, cpuSeconds, cores, 0, 1, bound, binds, summary, spans, Map.of());
        }
    }

    /** The manifests of a batch folder: every {@code *.json} in it, in name order. */
    public static List<Path> manifestsIn(Path dir) {
        if (!Files.isDirectory(dir)) throw ShortsmithException.badInput(dir + " is not a folder: give --batch a folder of story manifests");
        try (var files = Files.list(dir)) {
            var found = files.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f)).sorted().toList();
            if (found.isEmpty()) throw ShortsmithException.badInput(dir + " holds no *.json story manifests");
            return found;
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** Where a story of a batch is written: the manifest's {@code output}, else NAME.mp4 beside the manifest. */
    static Path outputOf(StoryInput input) {
        if (input.story().output() != null) return Path.of(input.story().output()).toAbsolutePath();
        String name = input.manifest().getFileName().toString().replaceFirst("\\.json$", "");
        return input.manifest().toAbsolutePath().resolveSibling(name + ".mp4");
    }

    public static Report run(List<Path> manifests, Settings settings, boolean force, Progress progress) throws InterruptedException {
        long t0 = System.nanoTime();
        double cpu0 = CpuTime.now();
        int n = manifests.size();
        StoryResult[] results = new StoryResult[n];
        Pipeline.Result[] made = new Pipeline.Result[n];
        StoryInput[] inputs = new StoryInput[n];
        var machine = Machine.of(settings);
        Story[] stories = new Story[n];   // for the music: a folder's tracks are spread over the whole batch
        for (int i = 0; i < n; i++) {
            Path manifest = manifests.get(i);
            try {
                inputs[i] = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
            } catch (ShortsmithException e) {
                results[i] = new StoryResult(manifest.toString(), null, null, "failed", 0, 0, null, Map.of("manifest", e.getMessage()));
                progress.note("short: " + manifest.getFileName() + ": " + e.getMessage());
                continue;
            }
            stories[i] = inputs[i].story();
            if (!force && finished(inputs[i], settings)) {
                results[i] = new StoryResult(manifest.toString(), inputs[i].story().title(), outputOf(inputs[i]).toString(), "kept", 0, 0, null, Map.of());
                progress.note("short: " + manifest.getFileName() + ": " + outputOf(inputs[i]).getFileName() + " is finished and unchanged: kept");
                inputs[i] = null;
                continue;
            }
            machine.expectNarrations(i, inputs[i].story().scenes().size());
        }
        List<Path> musics = Merge.musicFor(java.util.Arrays.asList(stories), settings);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (inputs[i] == null) continue;
            int order = i;
            StoryInput input = inputs[i];
            threads.add(Thread.ofVirtual().name("story-" + i).start(() -> {
                double start = seconds(t0);
                String name = name(input.manifest());
                Path output = outputOf(input);
                try {
                    var view = progress.within(name, input.story().scenes().stream().map(Story.Scene::id).toList());
                    var music = musics.get(order);
                    var result = Pipeline.run(input, settings, new Pipeline.Options(output, music, force), view, machine, order);
                    made[order] = result;
                    Map<String, String> failures = new TreeMap<>();
                    result.failures().forEach((id, e) -> failures.put(id, e.getMessage()));
                    WorkDir.writeAtomically(reportOf(output), Json.write(result.report()));
                    if (failures.isEmpty()) markFinished(input, settings, output);
                    results[order] = new StoryResult(input.manifest().toString(), input.story().title(), output.toString(),
                            failures.isEmpty() ? "made" : "failed", start, result.report().wall(), result.report().criticalPath(), failures);
                    view.note(failures.isEmpty() ? "✓ " + output.getFileName() + " written" : "✗ " + failures.size() + " scene(s) failed");
                } catch (RuntimeException e) {
                    // Whatever went wrong with this story, the others go on; the summary names it.
                    String why = e instanceof ShortsmithException ? e.getMessage() : e.toString();
                    results[order] = new StoryResult(input.manifest().toString(), input.story().title(), output.toString(), "failed", start,
                            seconds(t0) - start, null, Map.of("story", why));
                    progress.note("short: " + name + ": " + why);
                } catch (InterruptedException e) {
                    results[order] = new StoryResult(input.manifest().toString(), input.story().title(), output.toString(), "failed", start,
                            seconds(t0) - start, null, Map.of("story", "interrupted"));
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : threads) t.join();
        return report(seconds(t0), CpuTime.now() - cpu0, List.of(results), made);
    }

    static Report report(double wall, double cpuSeconds, List<StoryResult> stories, Pipeline.Result[] made) {
        List<Pipeline.Span> spans = new ArrayList<>();
        int last = -1;
        double lastEnd = -1;
        for (int i = 0; i < made.length; i++) {
            if (made[i] == null) continue;
            String name = name(Path.of(stories.get(i).manifest()));
            double offset = stories.get(i).start();
            for (var s : made[i].report().spans()) {
                spans.add(new Pipeline.Span(name + "/" + s.scene(), s.stage(), s.start() + offset, s.end() + offset, s.cached(), s.failed()));
            }
            double end = offset + made[i].report().wall();
            if (end > lastEnd) {
                lastEnd = end;
                last = i;
            }
        }
        spans.sort(java.util.Comparator.comparingDouble(Pipeline.Span::start));
        double narration = Pipeline.busy(spans.stream().filter(s -> s.stage().equals("narration")).toList());
        double lastClip = last < 0 ? 0 : made[last].report().lastClip(), lastMerge = last < 0 ? 0 : made[last].report().merge();
        int cores = Runtime.getRuntime().availableProcessors();
        double chain = narration + lastClip + lastMerge, cpu = cpuSeconds / cores;
        double bound = Math.max(chain, cpu);
        String binds = bound == cpu ? "cpu" : "chain";
        String summary = bound == cpu ? String.format(Locale.ROOT, "CPU-bound: %d cores busy %.0f %% of the batch", cores, wall > 0 ? 100 * cpu / wall : 0)
                : String.format(Locale.ROOT, "bound by the narration lane (%.1f s busy) and the last story's last clip (%.1f s) and merge (%.1f s)",
                narration, lastClip, lastMerge);
        return new Report(wall, round(narration), round(lastClip), round(lastMerge), round(cpuSeconds), cores, round(bound), binds, summary,
                wall > 0 ? round(bound / wall) : 0, stories, List.copyOf(spans));
    }

    /** Where a story's own report goes in a batch: NAME.report.json beside its Short. */
    public static Path reportOf(Path output) {
        return output.resolveSibling(output.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".report.json");
    }

    private static String name(Path manifest) { return manifest.getFileName().toString().replaceFirst("\\.json$", ""); }

    /** The record that a story's Short is finished: the manifest it was made from and the file as written. */
    record Finished(String manifestSha256, String output, long bytes, long modified) {}

    private static Path finishedRecord(StoryInput input, Settings settings) { return input.workDir(settings).root().resolve("short.finished.json"); }

    static boolean finished(StoryInput input, Settings settings) {
        Path record = finishedRecord(input, settings), output = outputOf(input);
        try {
            if (!Files.isRegularFile(record) || !Files.isRegularFile(output)) return false;
            var f = Json.MAPPER.readValue(record.toFile(), Finished.class);
            return f.output().equals(output.toString()) && f.bytes() == Files.size(output)
                    && f.modified() == Files.getLastModifiedTime(output).toMillis() && f.manifestSha256().equals(sha256(input.manifest()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void markFinished(StoryInput input, Settings settings, Path output) {
        try {
            WorkDir.writeAtomically(finishedRecord(input, settings), Json.write(new Finished(sha256(input.manifest()), output.toString(),
                    Files.size(output), Files.getLastModifiedTime(output).toMillis())));
        } catch (IOException e) {
            // without the record the story is merged again next time: slower, not wrong
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long t0) { return Math.round((System.nanoTime() - t0) / 1e6) / 1e3; }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }
}
