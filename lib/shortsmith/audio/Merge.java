package shortsmith.audio;

import shortsmith.video.Subtitles;

import shortsmith.video.EncodeStage;

import shortsmith.concurrency.Parallel;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.StoryInput;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Mp4Boxes;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.SpeechTrim;
import shortsmith.video.ClipEncoder;
import shortsmith.video.EncoderProfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The merge: a story's clips joined without re-encoding their video, under one soundtrack built
 * from the lossless narration (see {@link Soundtrack}), as a YouTube-ready MP4 with the moov atom
 * first. A clip whose stream parameters differ from the others' is re-encoded to match them, with
 * a warning, so a copy-join never produces a broken file.
 */
public final class Merge {
    private Merge() {}

    /** What to merge into: {@code music} null = none. */
    public record Options(Path output, Path music) {}

    /** The story with its output filled in, the report of the file, and any warnings. */
    /** The story with its output filled in, the report of the file, the subtitle files beside it, and any warnings. */
    public record Result(Story story, Path output, MediaReport report, List<Path> subtitles, List<String> warnings) {}

    /**
     * One scene's part: its clip, its narration, the part of the narration the clip plays (a clip
     * encode made plays the speech trimmed; a clip of the user's own, all of it from its start)
     * and the clip's exact video length.
     */
    record Part(Story.Scene scene, Path clip, Path narration, SpeechTrim trim, Media media, double seconds) {}

    /**
     * The music a merge uses: --no-music, else --music, else the manifest's, else MUSIC; null =
     * none. A folder gives one of its tracks, the story's own ({@link MusicFolder#pick(String)}).
     */
    public static Path musicFor(Story story, Settings settings, String musicOption, boolean noMusic) {
        if (noMusic) return null;
        Path m = configuredMusic(story, settings, musicOption);
        return m != null && Files.isDirectory(m) ? MusicFolder.of(m).pick(story.title()) : m;
    }

    /**
     * The music of each story of a batch (null for none, or where {@code stories} holds null):
     * stories that draw on the same folder get different tracks while the folder has enough
     * ({@link MusicFolder#pick(List)}), in batch order.
     */
    public static List<Path> musicFor(List<Story> stories, Settings settings) {
        List<Path> picks = new ArrayList<>();
        Map<Path, List<Integer>> byFolder = new LinkedHashMap<>();
        for (int i = 0; i < stories.size(); i++) {
            Path m = stories.get(i) == null ? null : configuredMusic(stories.get(i), settings, null);
            picks.add(m);
            if (m != null && Files.isDirectory(m)) byFolder.computeIfAbsent(m.normalize(), k -> new ArrayList<>()).add(i);
        }
        byFolder.forEach((dir, members) -> {
            MusicFolder folder;
            try {
                folder = MusicFolder.of(dir);
            } catch (ShortsmithException e) {
                return;   // the folder stays: each of its stories fails alone, saying why (checkMusic)
            }
            var tracks = folder.pick(members.stream().map(i -> stories.get(i).title()).toList());
            for (int k = 0; k < members.size(); k++) picks.set(members.get(k), tracks.get(k));
        });
        return java.util.Collections.unmodifiableList(picks);
    }

    private static Path configuredMusic(Story story, Settings settings, String musicOption) {
        String m = musicOption != null ? musicOption : story.music() != null ? story.music() : settings.audio().music();
        return m == null || m.isBlank() ? null : Path.of(m).toAbsolutePath();
    }

    public static Result run(StoryInput input, Settings settings, Options options, Consumer<String> note) throws InterruptedException {
        WorkDir work = input.workDir(settings);
        try (var lock = work.lock("merge", note)) {
            return runLocked(input, settings, options, note, work);
        }
    }

    private static Result runLocked(StoryInput input, Settings settings, Options options, Consumer<String> note, WorkDir work)
            throws InterruptedException {
        Ffmpeg ffmpeg = Ffmpeg.locate(settings);
        Story story = input.story().withWorkDir(work.root().toString());
        if (!input.sceneIds().isEmpty()) throw ShortsmithException.usage("merge joins the whole story: give no scene ids");
        Path output = options.output().toAbsolutePath();
        checkWritable(output);
        Path music = options.music();
        if (music != null) checkMusic(ffmpeg, music);

        encodeStaleClips(ffmpeg, settings, story, work, note);
        List<Part> parts = parts(ffmpeg, story, work);
        int fps = settings.video().fps();
        List<String> warnings = new ArrayList<>();
        List<Path> videos = conform(ffmpeg, settings, work, parts, warnings, note);

        Path scratch = WorkDir.scratch(work.root(), "merge");   // private: a user's own folder or another merge is never touched
        Prepared soundtrack;
        Path partial = WorkDir.partial(output);
        try {
            // The concat list states each clip's video length: the demuxer would otherwise offset
            // the next clip by the longest stream, and AAC's padding makes the audio a little longer.
            var list = new StringBuilder("ffconcat version 1.0\n");
            for (int i = 0; i < parts.size(); i++) {
                list.append("file '").append(videos.get(i).toAbsolutePath().toString().replace("'", "'\\''")).append("'\n");
                list.append(String.format(Locale.ROOT, "duration %.6f%n", parts.get(i).seconds()));
            }
            Path concat = scratch.resolve("clips.ffconcat");
            Files.writeString(concat, list);

            note.accept("merge: " + parts.size() + " clips joined by stream copy; narration joined as PCM"
                    + (music == null ? "" : ", music " + music.getFileName() + " ducked under it"));
            var segments = parts.stream().map(p -> new Soundtrack.Segment(p.scene().id(), p.narration(), p.trim(),
                    Math.round(p.seconds() * Soundtrack.RATE))).toList();
            soundtrack = soundtrack(ffmpeg, settings, work, segments, music);

            // The video and the finished audio track are both copied: nothing is encoded here.
            List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y",
                    "-f", "concat", "-safe", "0", "-i", "file:" + concat, "-i", "file:" + soundtrack.file(),
                    "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
                    // The rate the track was encoded at (AAC averages less than it is given): else a copy declares the average.
                    "-b:a", settings.encoding().audioBitrate(),
                    "-map_metadata", "-1", "-metadata", "title=" + story.title(), "-metadata:s:a:0", "language=" + iso639(story.language())));
            cmd.addAll(Mp4Boxes.MUX_ARGS);   // both streams at 0, no edit list (YouTube asks for none)
            cmd.addAll(List.of("-f", "mp4", "file:" + partial));
            var r = Proc.run(cmd, Duration.ofMinutes(30));
            if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "merge: ffmpeg failed writing " + output + ": " + r.lastErrorLine());
            WorkDir.publish(partial, output);
        } catch (IOException e) {
            throw ShortsmithException.output("merge: cannot write " + scratch + ": " + e.getMessage(), e);
        } finally {
            WorkDir.deleteQuietly(partial);
            WorkDir.deleteTree(scratch);
        }
        var report = MediaReport.of(ffmpeg, output, soundtrack.loudness());
        // The same captions as a track YouTube takes beside the video: NAME.srt and NAME.vtt.
        List<Subtitles.Scene> scenes = new ArrayList<>();
        double offset = 0;
        for (Part p : parts) {
            scenes.add(new Subtitles.Scene(offset, p.seconds(), p.trim().shift(EncodeStage.inputsFor(story, p.scene(), work, ffmpeg).words())));
            offset += p.seconds();
        }
        var subtitles = Subtitles.writeBeside(output, Subtitles.cues(scenes, story.language()));
        note.accept("merge: captions as a track beside it: " + subtitles.stream().map(f -> f.getFileName().toString()).toList());
        double expected = parts.stream().mapToDouble(Part::seconds).sum();
        if (Math.abs(report.duration() - expected) > 1.0 / fps + 0.03) {
            warnings.add(String.format(Locale.ROOT, "%s lasts %.3f s, the clips %.3f s", output.getFileName(), report.duration(), expected));
        }
        return new Result(story.withOutput(output.toString()), output, report, subtitles, List.copyOf(warnings));
    }

    /**
     * A clip in the work folder that was not made from its scene's current picture, narration,
     * text, words and settings (the narration was made again, the text changed) would ship old
     * captions over new speech: it is encoded again first, with one line saying so. A clip of the
     * user's own (outside the work folder) is taken as it is.
     */
    static void encodeStaleClips(Ffmpeg ffmpeg, Settings settings, Story story, WorkDir work, Consumer<String> note) throws InterruptedException {
        record Stale(ClipEncoder encoder, ClipEncoder.Inputs inputs) {}
        List<Stale> stale = new ArrayList<>();
        for (Story.Scene s : story.scenes()) {
            Path clip = clipOf(s, work);
            if (clip == null || !Files.isRegularFile(clip) || !clip.toAbsolutePath().normalize().startsWith(work.clips())) continue;
            var encoder = new ClipEncoder(ffmpeg, settings, profileNamed(ClipEncoder.profileOf(clip, s.id()).orElse("x264"), settings));
            var inputs = EncodeStage.inputsFor(story, s, work, ffmpeg);
            if (!encoder.isCurrent(inputs, clip)) stale.add(new Stale(encoder, inputs));
        }
        if (stale.isEmpty()) return;
        note.accept("merge: the clip" + (stale.size() == 1 ? " of " : "s of ") + stale.stream().map(st -> st.inputs().sceneId()).toList()
                + (stale.size() == 1 ? " is" : " are") + " out of date (picture, narration, text or settings changed since encode); encoding "
                + (stale.size() == 1 ? "it" : "them") + " again");
        Parallel.map(stale, Runtime.getRuntime().availableProcessors(),
                st -> st.encoder().encode(st.inputs(), work.clip(st.inputs().sceneId()), true, f -> {}));
    }

    /** The Short's finished audio track (AAC, encoded once) and its loudness, measured on that track. */
    public record Prepared(Path file, Soundtrack.Loudness loudness) {}

    /**
     * The finished audio track for these narrations at these clip lengths with this music: built
     * (see {@link Soundtrack}), brought to the loudness target and encoded to AAC once, then kept in
     * the work folder under a key of everything that determines it. {@code short} calls it as soon
     * as the last narration exists, under the clip encodes, so after the last clip the merge only
     * copies streams; called again with the same inputs it returns the kept track at once.
     */
    public static Prepared soundtrack(Ffmpeg ffmpeg, Settings settings, WorkDir work, List<Soundtrack.Segment> segments, Path music) {
        var parts = new ArrayList<String>(List.of("soundtrack-v4", settings.audio().toString(), settings.encoding().audioBitrate(),
                music == null ? "no music" : ClipEncoder.digest(music)));
        segments.forEach(s -> parts.add(ClipEncoder.digest(s.narration()) + "@" + s.trim() + "@" + s.samples()));
        String key = ClipEncoder.hash(parts).substring(0, 24);
        Path dir = work.root().resolve("soundtrack"), file = dir.resolve(key + ".m4a"), meta = dir.resolve(key + ".json");
        if (Files.isRegularFile(file) && Files.isRegularFile(meta)) {
            try {
                return new Prepared(file, Json.MAPPER.readValue(meta.toFile(), Soundtrack.Loudness.class));
            } catch (IOException e) {
                // an unreadable record: make it again
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path scratch = WorkDir.scratch(work.root(), "soundtrack");
        Path partial = WorkDir.partial(file);
        try {
            var mix = Soundtrack.build(ffmpeg, segments, music, settings.audio(), scratch);
            encodeAac(ffmpeg, settings, mix.wav(), mix.normaliseFilter(ffmpeg, settings.audio()), partial);
            var measured = MediaReport.loudness(ffmpeg, partial);
            WorkDir.publish(partial, file);
            WorkDir.writeAtomically(meta, Json.write(measured));
            return new Prepared(file, measured);
        } finally {
            WorkDir.deleteQuietly(partial);
            WorkDir.deleteTree(scratch);
        }
    }

    /**
     * The soundtrack of a story whose narrations all exist, built before its clips are: each clip
     * lasts its narration plus the tail, known from the narration alone. {@code encode} of a whole
     * story runs this under its clips, {@code short} as soon as the last narration is made; the
     * merge then finds the track ready. Nothing when a narration is missing.
     */
    public static Optional<Prepared> soundtrackAhead(Ffmpeg ffmpeg, Settings settings, WorkDir work, ClipEncoder encoder,
                                                     List<Story.Scene> scenes, Function<Story.Scene, Path> narration, Path music) {
        if (music != null && !Files.isRegularFile(music)) return Optional.empty();   // the merge names it
        List<Soundtrack.Segment> segments = new ArrayList<>();
        for (Story.Scene s : scenes) {
            Path audio = narration.apply(s);
            if (audio == null || !Files.isRegularFile(audio)) return Optional.empty();
            SpeechTrim trim = SpeechTrim.of(Narration.load(ffmpeg, audio));
            segments.add(new Soundtrack.Segment(s.id(), audio, trim, Math.round(encoder.clipSeconds(trim) * Soundtrack.RATE)));
        }
        return Optional.of(soundtrack(ffmpeg, settings, work, segments, music));
    }

    /** {@link #soundtrackAhead} for a story as the work folder holds it. */
    public static Optional<Prepared> soundtrackAhead(Ffmpeg ffmpeg, Settings settings, WorkDir work, ClipEncoder encoder, Story story, Path music) {
        return soundtrackAhead(ffmpeg, settings, work, encoder, story.scenes(), s -> narrationOf(s, work), music);
    }

    /**
     * The mix as AAC-LC, 48 kHz stereo, in an MP4 without an edit list: the encoder's priming is
     * then played, so as many samples are dropped from the start of the mix (21 ms, inside the
     * first scene's lead-in) and the audio lines up with the picture to the sample.
     */
    private static void encodeAac(Ffmpeg ffmpeg, Settings settings, Path wav, String filter, Path output) {
        List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + wav,
                "-af", "atrim=start_sample=" + Mp4Boxes.AAC_PRIMING + ",asetpts=PTS-STARTPTS," + filter,
                "-c:a", "aac", "-profile:a", "aac_low", "-b:a", settings.encoding().audioBitrate(), "-ar", "48000", "-ac", "2"));
        cmd.addAll(Mp4Boxes.MUX_ARGS);
        cmd.addAll(List.of("-f", "mp4", "file:" + output));
        var r = Proc.run(cmd, Duration.ofMinutes(30));
        if (!r.ok()) throw new ShortsmithException(ExitCode.FAILED, "ffmpeg failed encoding the soundtrack: " + r.lastErrorLine());
    }

    /** Each scene's clip and narration, probed (in parallel), checked to belong to this story. */
    static List<Part> parts(Ffmpeg ffmpeg, Story story, WorkDir work) throws InterruptedException {
        List<Story.Scene> scenes = story.scenes();
        for (Story.Scene s : scenes) {
            Path clip = clipOf(s, work);
            if (clip == null) throw ShortsmithException.badInput("scene " + s.id() + ": no clip; run encode first");
            if (!Files.isRegularFile(clip)) throw ShortsmithException.badInput("scene " + s.id() + ": clip " + clip + " does not exist; run encode");
            Path audio = narrationOf(s, work);
            if (audio == null || !Files.isRegularFile(audio)) {
                throw ShortsmithException.badInput("scene " + s.id() + ": narration " + (audio == null ? "missing" : audio + " does not exist")
                        + "; the merge builds the soundtrack from it (run tts)");
            }
        }
        return Parallel.map(scenes, 8, s -> {
            Path clip = clipOf(s, work);
            boolean ours = clip.toAbsolutePath().normalize().startsWith(work.clips());
            Media m = ours ? ClipEncoder.probe(ffmpeg, clip) : Media.probe(ffmpeg, clip);
            var v = m.video().orElseThrow(() -> ShortsmithException.badInput("scene " + s.id() + ": clip " + clip + " has no video stream"));
            String owner = ClipEncoder.storyOfTag(m.tags().get("comment"));
            if (owner != null && !owner.equals(story.title())) {
                throw ShortsmithException.badInput("scene " + s.id() + ": clip " + clip + " belongs to the story \"" + owner
                        + "\", not \"" + story.title() + "\"; encode this story's scenes again");
            }
            double seconds = v.frames() > 0 ? v.frames() / rate(v.frameRate()) : v.duration();
            Path audio = narrationOf(s, work);
            Narration narration = Narration.load(ffmpeg, audio);
            return new Part(s, clip, audio, ours ? SpeechTrim.of(narration) : SpeechTrim.whole(narration), m, seconds);
        });
    }

    private static Path clipOf(Story.Scene s, WorkDir work) {
        if (s.video() != null) return Path.of(s.video());
        Path p = work.clip(s.id());
        return Files.isRegularFile(p) ? p : null;
    }

    private static Path narrationOf(Story.Scene s, WorkDir work) {
        return s.audio() != null ? Path.of(s.audio()) : work.audioOf(s.id()).orElse(null);
    }

    static double rate(String fraction) {
        String[] p = fraction.split("/");
        return p.length == 2 ? Double.parseDouble(p[0]) / Double.parseDouble(p[1]) : Double.parseDouble(fraction);
    }

    /**
     * The files to join: the clips themselves when every video stream has the same parameters
     * (extradata included), else the odd ones re-encoded to match the most common kind.
     */
    static List<Path> conform(Ffmpeg ffmpeg, Settings settings, WorkDir work, List<Part> parts, List<String> warnings,
                              Consumer<String> note) throws InterruptedException {
        Map<String, List<Part>> kinds = new LinkedHashMap<>();
        for (Part p : parts) kinds.computeIfAbsent(p.media().video().orElseThrow().joinKey(), k -> new ArrayList<>()).add(p);
        List<Path> files = new ArrayList<>(parts.stream().map(Part::clip).toList());
        if (kinds.size() == 1) return files;

        var common = kinds.values().stream().max(java.util.Comparator.comparingInt(List::size)).orElseThrow();
        var odd = parts.stream().filter(p -> !common.contains(p)).toList();
        var model = common.getFirst().media().video().orElseThrow();
        EncoderProfile profile = profileOf(common.getFirst(), settings);
        String message = "warning: " + odd.stream().map(p -> p.scene().id()).toList() + " differ from the other clips ("
                + model.codec() + " " + model.profile() + " " + model.width() + "x" + model.height() + "); re-encoding "
                + (odd.size() == 1 ? "it" : "them") + " with " + profile.name() + " so the join stays a stream copy";
        note.accept(message);
        warnings.add(message);
        Map<Part, Path> redone = reencode(ffmpeg, settings, work, odd, model, profile);
        if (redone.values().stream().allMatch(f -> Media.probe(ffmpeg, f).video().orElseThrow().joinKey().equals(model.joinKey()))) {
            for (int i = 0; i < parts.size(); i++) files.set(i, redone.getOrDefault(parts.get(i), files.get(i)));
            return files;
        }
        // The common clips were made with other settings than today's: bring every clip to today's profile.
        String all = "warning: the clips' encoder settings cannot be reproduced; re-encoding every clip with " + profile.name();
        note.accept(all);
        warnings.add(all);
        var everything = reencode(ffmpeg, settings, work, parts, model, profile);
        return parts.stream().map(everything::get).toList();
    }

    /** The profile a clip was made with, from the record encode wrote beside it; else today's x264. */
    private static EncoderProfile profileOf(Part p, Settings settings) {
        return profileNamed(ClipEncoder.profileOf(p.clip(), p.scene().id()).orElse("x264"), settings);
    }

    private static EncoderProfile profileNamed(String name, Settings settings) {
        return switch (name) {
            case "nvenc" -> EncoderProfile.nvenc(settings);
            case "lossless" -> EncoderProfile.lossless();
            default -> EncoderProfile.x264(settings);
        };
    }

    private static Map<Part, Path> reencode(Ffmpeg ffmpeg, Settings settings, WorkDir work, List<Part> parts, Media.Stream model,
                                            EncoderProfile profile) throws InterruptedException {
        int fps = (int) Math.round(rate(model.frameRate()));
        var results = Parallel.map(parts, 1, p -> {
            Path out = work.clips().resolve(p.scene().id() + ".conformed.mp4");
            Path partial = WorkDir.partial(out);
            List<String> cmd = new ArrayList<>(ffmpeg.command("-loglevel", "error", "-y", "-i", "file:" + p.clip().toAbsolutePath(),
                    "-map", "0:v:0", "-vf", "scale=" + model.width() + ":" + model.height() + ":flags=bicubic,fps=" + fps));
            cmd.addAll(profile.videoArgs(fps));
            cmd.addAll(List.of("-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
                    "-video_track_timescale", String.valueOf(fps * 1000), "-an"));
            cmd.addAll(Mp4Boxes.MUX_ARGS);
            cmd.addAll(List.of("-f", "mp4", "file:" + partial));
            var r = Proc.run(cmd, Duration.ofMinutes(30));
            if (!r.ok()) {
                WorkDir.deleteQuietly(partial);
                throw new ShortsmithException(ExitCode.FAILED, "scene " + p.scene().id() + ": re-encoding " + p.clip() + " failed: "
                        + r.lastErrorLine());
            }
            WorkDir.publish(partial, out);
            return Map.entry(p, out);
        });
        var map = new LinkedHashMap<Part, Path>();
        results.forEach(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }

    /** Fails before any work when the output cannot be written there. */
    public static void checkWritable(Path output) {
        Path dir = output.getParent();
        if (Files.isDirectory(output)) throw ShortsmithException.usage("output " + output + " is a folder: give a file name such as short.mp4");
        if (dir == null || !Files.isDirectory(dir)) throw ShortsmithException.output("output folder " + dir + " does not exist; create it first", null);
        Path probe = WorkDir.partial(output);
        try {
            Files.deleteIfExists(Files.createFile(probe));
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + output + " (" + (e instanceof java.nio.file.AccessDeniedException
                    ? "permission denied" : e.getMessage()) + "); choose another -o or fix the folder's permissions", e);
        }
    }

    /** Fails before any work when the music is missing or has no audio. */
    public static void checkMusic(Ffmpeg ffmpeg, Path music) {
        if (Files.isDirectory(music)) MusicFolder.of(music);   // says what is wrong with the folder
        if (!Files.isRegularFile(music)) throw ShortsmithException.badInput("music " + music + " does not exist; fix --music or MUSIC, or use --no-music");
        Media m;
        try {
            m = Media.probe(ffmpeg, music);
        } catch (ShortsmithException e) {
            throw ShortsmithException.badInput("music " + music + " is not an audio file ffmpeg can read; use --no-music or another file");
        }
        if (m.audio().isEmpty()) throw ShortsmithException.badInput("music " + music + " has no audio stream; use --no-music or another file");
    }

    /** The ISO 639-2 code MP4 language tags use ("spa" for es), so the file says what it speaks (publish reads it); "und" for none. */
    static String iso639(String language) {
        try {
            String code = java.util.Locale.forLanguageTag(language == null ? "" : language).getISO3Language();
            return code.isBlank() ? "und" : code;
        } catch (java.util.MissingResourceException e) {
            return "und";
        }
    }
}
