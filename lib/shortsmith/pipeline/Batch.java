package shortsmith.pipeline;

import shortsmith.audio.Merge;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.core.Writes;
import shortsmith.media.CpuTime;
import shortsmith.media.Ffmpeg;
import shortsmith.media.KeptWords;
import shortsmith.providers.ImageStage;
import shortsmith.providers.SpeechStage;
import shortsmith.publish.Publisher;
import shortsmith.video.ClipEncoder;
import shortsmith.video.EncodeStage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Many stories in one run with one schedule ({@code short a.json b.json}, {@code short --batch DIR}):
 * every story's pictures, narrations and clips go into one {@link Machine}, in story order, so the
 * narration lane never idles between stories and the machine's limits hold for the whole batch.
 * Each story is merged as soon as its own clips are done, and its Short and report are written then.
 * A story that fails does not stop the others. Run again, a finished Short is kept when its file is
 * unchanged and a single-story run would make it from the same clips and soundtrack (its own
 * stages decide: see {@link #madeFrom}); the rest resume from what their work folders hold.
 *
 * <pre>jshell> Batch.run(List.of(Path.of("a.json"), Path.of("b.json")), Settings.load(), false, Progress.stderr(List.of()))</pre>
 */
public final class Batch {
    private Batch() {}

    /**
     * What became of one story: {@code made}, {@code kept} (finished before, unchanged) or
     * {@code failed}, and why; with {@code --publish}, its video's URL and what publishing did
     * ({@code published}, {@code kept}, {@code queued} for the next run by a daily limit, {@code failed}).
     */
    public record StoryResult(String manifest, String title, String output, String outcome, double start, double wall, Double criticalPath,
                              Map<String, String> failures, String video, String published) {
        StoryResult(String manifest, String title, String output, String outcome, double start, double wall, Double criticalPath,
                    Map<String, String> failures) {
            this(manifest, title, output, outcome, start, wall, criticalPath, failures, null, null);
        }

        StoryResult with(Publisher.Result p) {
            var f = new TreeMap<>(failures);
            if (p.outcome().equals("failed")) f.put("publish", p.message());
            return new StoryResult(manifest, title, output, outcome, start, wall, criticalPath, f, p.url(), p.outcome());
        }
    }

    /**
     * The batch: its wall time, the lower bound (the narration lane's busy time over the whole batch,
     * then the last story's last clip and merge; or the CPU work ÷ cores when larger), the efficiency
     * (bound ÷ wall), each story, and every span on one clock (scenes named {@code story/scene}).
     */
    public record Report(double wall, double narrationBusy, double lastClip, double lastMerge, double cpuSeconds, int cores, double bound,
                         String binds, String summary, double efficiency, List<StoryResult> stories, List<Pipeline.Span> spans) {
        public int exitCode() {
            if (stories.stream().anyMatch(s -> s.outcome().equals("failed"))) return 1;
            // Rendered, but YouTube refused or a daily limit queued an upload: the provider's code.
            return stories.stream().anyMatch(s -> "failed".equals(s.published()) || "queued".equals(s.published())) ? 6 : 0;
        }

        /** The whole batch as a timing report, for the Gantt chart. */
        public Pipeline.Report timeline() {
            return new Pipeline.Report("batch of " + stories.size(), null, wall, narrationBusy + lastClip + lastMerge, efficiency, narrationBusy, lastClip,
                    lastMerge, cpuSeconds, cores, 0, 1, bound, binds, summary, spans, Map.of());
        }
    }

    /**
     * The story manifests of a batch folder, in name order: every {@code *.json} in it that is a JSON
     * object with {@code "scenes"}. Anything else there (a Short's {@code NAME.report.json}, a
     * {@code *.youtube.json}, any other JSON) is skipped, and {@code note} says so; a file that is
     * not JSON at all is kept, so the run names it as a broken manifest.
     */
    public static List<Path> manifestsIn(Path dir, java.util.function.Consumer<String> note) {
        if (!Files.isDirectory(dir)) throw ShortsmithException.badInput(dir + " is not a folder: give --batch a folder of story manifests");
        List<Path> found;
        try (var files = Files.list(dir)) {
            found = files.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot list " + dir + ": " + e.getMessage());
        }
        List<Path> stories = new ArrayList<>();
        for (Path f : found) {
            com.fasterxml.jackson.databind.JsonNode json;
            try {
                json = Json.MAPPER.readTree(f.toFile());
            } catch (IOException e) {
                stories.add(f);   // broken: the run says why, as for any manifest it cannot read
                continue;
            }
            if (json != null && json.isObject() && json.has("scenes")) stories.add(f);
            else note.accept("skipped " + f.getFileName() + ": not a story manifest (no \"scenes\")");
        }
        if (stories.isEmpty()) throw ShortsmithException.badInput(dir + " holds no story manifests (*.json with \"scenes\")");
        return stories;
    }

    /**
     * Where a story of a batch is written: the manifest's {@code output}, else NAME.mp4 beside the
     * manifest, claimed for the story (see {@link Writes#claim}: it never replaces the manifest, an
     * input, or a file the story did not write).
     */
    static Path outputOf(StoryInput input, Settings settings) {
        String name = input.manifest().getFileName().toString().replaceFirst("\\.json$", "");
        return input.output(settings, null, input.manifest().toAbsolutePath().resolveSibling(name + ".mp4"));
    }

    public static Report run(List<Path> manifests, Settings settings, boolean force, Progress progress) throws InterruptedException {
        return run(manifests, settings, force, false, progress, null);
    }

    /**
     * The batch. With {@code resendUnanswered}, every story's paid requests on record as sent and
     * never answered are sent once more. Each Short is published by {@code publisher} (or none) as
     * soon as it is written, while the next stories render; a Short whose {@code short.finished.json}
     * names its video is neither rendered nor uploaded again. Every story's YouTube metadata is
     * checked before anything renders.
     */
    public static Report run(List<Path> manifests, Settings settings, boolean force, boolean resendUnanswered, Progress progress,
                             Publisher publisher) throws InterruptedException {
        long t0 = System.nanoTime();
        double cpu0 = CpuTime.now();
        int n = manifests.size();
        StoryResult[] results = new StoryResult[n];
        Pipeline.Result[] made = new Pipeline.Result[n];
        StoryInput[] inputs = new StoryInput[n];
        Path[] outputs = new Path[n];
        Map<Path, Path> workedBy = new java.util.HashMap<>();
        var machine = Machine.of(settings);
        var kept = new java.util.HashSet<Integer>();
        Story[] stories = new Story[n];   // for the music: a folder's tracks are spread over the whole batch
        for (int i = 0; i < n; i++) {
            Path manifest = manifests.get(i);
            try {
                inputs[i] = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
                // Two stories in one work folder would wait for each other's lock and take each other's pictures.
                Path work = inputs[i].workDir(settings).root().toAbsolutePath().normalize(), first = workedBy.putIfAbsent(work, manifest);
                if (first != null) {
                    throw ShortsmithException.badInput(manifest.getFileName() + ": its work folder " + work + " is also " + first
                            + "'s in this batch" + (settings.clips().workDir().isBlank() ? "; give it its own \"work_dir\""
                            : " (WORK_DIR names one folder for every story: unset it for a batch)"));
                }
                outputs[i] = outputOf(inputs[i], settings);
            } catch (ShortsmithException e) {
                results[i] = new StoryResult(manifest.toString(), inputs[i] == null ? null : inputs[i].story().title(), null, "failed", 0, 0, null,
                        Map.of("manifest", e.getMessage()));
                progress.note("short: " + manifest.getFileName() + ": " + e.getMessage());
                inputs[i] = null;
                continue;
            }
            if (publisher != null) {
                try {
                    publisher.metadata(itemOf(inputs[i], outputs[i]), i);
                } catch (ShortsmithException e) {
                    results[i] = new StoryResult(manifest.toString(), inputs[i].story().title(), null, "failed", 0, 0, null, Map.of("publish", e.getMessage()));
                    progress.note("short: " + e.getMessage());
                    inputs[i] = null;
                    continue;
                }
            }
            stories[i] = inputs[i].story();
        }
        List<Path> musics = Merge.musicFor(java.util.Arrays.asList(stories), settings);
        for (int i = 0; i < n; i++) {
            if (inputs[i] == null) continue;
            Path manifest = manifests.get(i);
            if (!force && finished(inputs[i], settings, machine, outputs[i], musics.get(i))) {
                results[i] = new StoryResult(manifest.toString(), inputs[i].story().title(), outputs[i].toString(), "kept", 0, 0, null, Map.of());
                progress.note("short: " + manifest.getFileName() + ": " + outputs[i].getFileName() + " is finished and unchanged: kept");
                if (publisher != null) kept.add(i);
                else inputs[i] = null;
                continue;
            }
            machine.expectNarrations(i, inputs[i].story().scenes().size());
        }
        List<Thread> threads = new ArrayList<>();
        for (int i : kept) {
            int order = i;
            StoryInput input = inputs[i];
            inputs[i] = null;
            // Finished before: only its upload may be missing (a daily limit last time); the record says.
            String video = recordedVideo(input, settings);
            if (video != null) {
                results[order] = new StoryResult(results[order].manifest(), results[order].title(), results[order].output(), "kept", 0, 0, null, Map.of(),
                        video, "kept");
                continue;
            }
            Path output = outputs[order];
            threads.add(Thread.ofVirtual().name("publish-" + i).start(() -> {
                try {
                    results[order] = results[order].with(publish(publisher, input, output, settings, order, progress));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int i = 0; i < n; i++) {
            if (inputs[i] == null) continue;
            int order = i;
            StoryInput input = inputs[i];
            threads.add(Thread.ofVirtual().name("story-" + i).start(() -> {
                double start = seconds(t0);
                try {
                    results[order] = make(input, outputs[order], musics.get(order), settings, force, resendUnanswered, progress, machine, order, start, made, publisher);
                } catch (InterruptedException e) {
                    results[order] = new StoryResult(input.manifest().toString(), input.story().title(), outputs[order].toString(), "failed", start,
                            seconds(t0) - start, null, Map.of("story", "interrupted"));
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : threads) t.join();
        return report(seconds(t0), CpuTime.now() - cpu0, List.of(results), made);
    }

    /**
     * One story on a machine it shares with other stories over time (a cluster worker's), at place
     * {@code order} in its lanes: read, kept when its Short is finished and unchanged, else made, and
     * its Short and report written beside its manifest as in a batch. The story's own failures (a
     * manifest that cannot be read, scenes that fail) are in the result; an interrupt is thrown.
     */
    public static StoryResult runOne(Path manifest, Settings settings, boolean force, Progress progress, Machine machine, int order)
            throws InterruptedException {
        StoryInput input;
        Path output;
        try {
            input = StoryInput.resolve(List.of(manifest.toString()), System.in, true);
            output = outputOf(input, settings);
        } catch (ShortsmithException e) {
            progress.note("short: " + manifest.getFileName() + ": " + e.getMessage());
            return new StoryResult(manifest.toString(), null, null, "failed", 0, 0, null, Map.of("manifest", e.getMessage()));
        }
        Path music = Merge.musicFor(input.story(), settings, null, false);
        if (!force && finished(input, settings, machine, output, music)) {
            progress.note("short: " + manifest.getFileName() + ": " + output.getFileName() + " is finished and unchanged: kept");
            return new StoryResult(manifest.toString(), input.story().title(), output.toString(), "kept", 0, 0, null, Map.of());
        }
        machine.expectNarrations(order, input.story().scenes().size());
        return make(input, output, music, settings, force, false, progress, machine, order, 0, null, null);
    }

    /**
     * Makes one story whose manifest is read (its narrations counted into the machine), started
     * {@code start} s into the run, its result kept in {@code made} if given, its Short published by
     * {@code publisher} (if any) in this thread as soon as it is written; never throws for its own failure.
     */
    private static StoryResult make(StoryInput input, Path output, Path music, Settings settings, boolean force, boolean resendUnanswered, Progress progress,
                                    Machine machine, int order,
                                    double start, Pipeline.Result[] made, Publisher publisher) throws InterruptedException {
        String name = name(input.manifest());
        long t0 = System.nanoTime();
        try (var turn = machine.turnOf(order)) {   // ended before queuing its work: the later stories need not wait for it
            var view = progress.within(name, input.story().scenes().stream().map(Story.Scene::id).toList());
            var result = Pipeline.run(input, settings, new Pipeline.Options(output, music, force, resendUnanswered), view, machine, order);
            if (made != null) made[order] = result;
            Map<String, String> failures = new TreeMap<>();
            result.failures().forEach((id, e) -> failures.put(id, e.getMessage()));
            WorkDir.writeAtomically(reportOf(output), Json.write(result.report()));
            if (failures.isEmpty()) markFinished(input, settings, machine, output, music);
            view.note(failures.isEmpty() ? "✓ " + output.getFileName() + " written" : "✗ " + failures.size() + " scene(s) failed");
            var story = new StoryResult(input.manifest().toString(), input.story().title(), output.toString(),
                    failures.isEmpty() ? "made" : "failed", start, result.report().wall(), result.report().criticalPath(), failures);
            // Uploaded here, in the story's own thread, while the next stories render.
            return failures.isEmpty() && publisher != null ? story.with(publish(publisher, input, output, settings, order, view)) : story;
        } catch (RuntimeException e) {
            // Whatever went wrong with this story, the others go on; the summary names it.
            String why = e instanceof ShortsmithException ? e.getMessage() : e.toString();
            progress.note("short: " + name + ": " + why);
            return new StoryResult(input.manifest().toString(), input.story().title(), output.toString(), "failed", start,
                    seconds(t0), null, Map.of("story", why));
        }
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
    public static Path reportOf(Path output) { return Writes.beside(output, ".report.json"); }

    private static String name(Path manifest) { return manifest.getFileName().toString().replaceFirst("\\.json$", ""); }

    /**
     * The record that a story's Short is finished: the file as written (size, modification time,
     * inode) and {@code madeFrom}, the key of everything it was made from (see {@link #madeFrom}).
     */
    record Finished(String output, Writes.Stamp file, String madeFrom, String video) {}

    private static Publisher.Item itemOf(StoryInput input, Path output) {
        return Publisher.Item.ofStory(input.story(), output);
    }

    /** Publishes a finished story's Short; its video is then recorded in short.finished.json, so a rerun neither renders nor uploads it. */
    private static Publisher.Result publish(Publisher publisher, StoryInput input, Path output, Settings settings, int order, Progress progress)
            throws InterruptedException {
        var r = publisher.publish(itemOf(input, output), order, progress);
        if (r.url() != null) {
            Path record = finishedRecord(input, settings);
            try {
                var f = Json.MAPPER.readValue(record.toFile(), Finished.class);
                WorkDir.writeAtomically(record, Json.write(new Finished(f.output(), f.file(), f.madeFrom(), r.url())));
            } catch (IOException | RuntimeException e) {
                // the record beside the Short (NAME.youtube.json) still keeps it from being uploaded twice
            }
        }
        if (r.failure() != null) progress.note("short: " + r.message());
        else progress.note("short: " + output.getFileName() + " " + r.outcome() + ": " + r.url());
        return r;
    }

    /** The video short.finished.json names for this story, when its Short is unchanged. */
    private static String recordedVideo(StoryInput input, Settings settings) {
        try {
            return Json.MAPPER.readValue(finishedRecord(input, settings).toFile(), Finished.class).video();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Path finishedRecord(StoryInput input, Settings settings) { return input.workDir(settings).root().resolve("short.finished.json"); }

    /**
     * Whether the story's Short is finished and unchanged: the file is the one recorded, and a
     * single-story run would make nothing again (see {@link #madeFrom}) and join the same clips
     * under the same soundtrack.
     */
    static boolean finished(StoryInput input, Settings settings, Machine machine, Path output, Path music) throws InterruptedException {
        Path record = finishedRecord(input, settings);
        try {
            if (!Files.isRegularFile(record) || !Files.isRegularFile(output)) return false;
            var f = Json.MAPPER.readValue(record.toFile(), Finished.class);
            if (f == null || !output.toString().equals(f.output()) || !Writes.Stamp.of(output).equals(f.file())) return false;
            return madeFrom(input, settings, machine, output, music).map(key -> key.equals(f.madeFrom())).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;   // whatever cannot be checked is made again: slower, never stale
        }
    }

    private static void markFinished(StoryInput input, Settings settings, Machine machine, Path output, Path music) throws InterruptedException {
        try {
            var made = madeFrom(input, settings, machine, output, music);
            if (made.isEmpty()) return;
            WorkDir.writeAtomically(finishedRecord(input, settings), Json.write(new Finished(output.toString(), Writes.Stamp.of(output), made.get(), null)));
        } catch (IOException | RuntimeException e) {
            // without the record the story is merged again next time: slower, not wrong
        }
    }

    /**
     * The key of what a single-story run ({@link Pipeline}) would make this story's Short from now,
     * decided by that run's own stages; empty when it would make anything first: a picture or a
     * narration that is not cached for the current request (the prompt, the text, the provider's
     * settings), word times not yet kept, or a clip that is not current for its picture,
     * narration, text, words and settings. The key covers the title, the output, each clip as the
     * file it is (size, time, inode) and the soundtrack the merge would use (kept under a key of the
     * narrations, the music's content and the audio settings; built now if it was deleted).
     */
    static Optional<String> madeFrom(StoryInput input, Settings settings, Machine machine, Path output, Path music) throws InterruptedException, IOException {
        WorkDir work = input.workDir(settings);
        Story story = input.story().withWorkDir(work.root().toString());
        var quiet = new Progress(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false, List.of());
        var images = new ImageStage(work, settings, machine.imageProvider, machine.imageRate, false, quiet);
        var speech = new SpeechStage(work, settings, machine.speechProvider, story.language(), false, quiet).timingWordsLater();
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        var encoder = new ClipEncoder(ffmpeg, settings, EncodeStage.threadsFor(machine.profile, machine.clipsAtOnce));
        List<String> parts = new ArrayList<>(List.of("short-finished-v2", story.title(), output.toString()));
        for (Story.Scene s : story.scenes()) {
            if (!images.ready(s) || !speech.ready(s)) return Optional.empty();
            Path audio = speech.narrationFor(s);
            Story.Scene scene = s.withImage(images.imageFor(s).toString()).withAudio(audio.toString(), s.words(), s.timing());
            if (scene.words() == null && KeptWords.read(KeptWords.fileOf(work, s.id()), audio, s.text()).isEmpty()) return Optional.empty();
            story = story.with(scene);
            Path clip = work.clip(s.id());
            if (!encoder.isCurrent(EncodeStage.inputsFor(story, scene, work, ffmpeg), clip)) return Optional.empty();
            var c = Writes.Stamp.of(clip);
            parts.add(s.id() + " " + c.bytes() + " " + c.modified() + " " + c.inode());
        }
        var soundtrack = Merge.soundtrackAhead(ffmpeg, settings, work, encoder, story, music);
        if (soundtrack.isEmpty()) return Optional.empty();
        parts.add(soundtrack.get().file().getFileName().toString());
        return Optional.of(ClipEncoder.hash(parts));
    }

    private static double seconds(long t0) { return Math.round((System.nanoTime() - t0) / 1e6) / 1e3; }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }
}
