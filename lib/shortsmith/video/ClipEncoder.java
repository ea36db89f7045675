package shortsmith.video;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Motion;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Media;
import shortsmith.media.Mp4Boxes;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.SpeechTrim;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders one scene to a clip: the image fitted to the frame and moved by a sub-pixel Ken Burns
 * move rendered in Java, captions burned in by libass, the narration as AAC, encoded with one
 * {@link EncoderProfile}. Every clip of a story gets identical stream parameters, so the merge
 * joins them without re-encoding. Output goes to a temporary name and is renamed when complete; a
 * clip whose inputs and settings are unchanged is not rendered again.
 */
public final class ClipEncoder {
    /** Bumped whenever the rendering changes, so cached clips are redone. */
    static final String RENDER_VERSION = "5";

    private final Ffmpeg ffmpeg;
    private final Settings settings;
    private final EncoderProfile profile;

    public ClipEncoder(Ffmpeg ffmpeg, Settings settings, EncoderProfile profile) {
        this.ffmpeg = ffmpeg;
        this.settings = settings;
        this.profile = profile;
    }

    public EncoderProfile profile() { return profile; }

    /**
     * Whether this clip renders while others do: x264 given one thread means as many clips as cores
     * are encoding ({@link EncodeStage#threadsFor}), so each renders its frames on its own thread.
     */
    private boolean rendersBesideOthers() { return profile instanceof EncoderProfile.X264 x && x.threads() == 1; }

    public Ffmpeg ffmpeg() { return ffmpeg; }

    /**
     * What a clip is made from. {@code words} may be null: then they are estimated. The story's
     * title is written into the clip, so the merge can refuse clips of another story. {@code turn}
     * is the scene's place in the story (0 first): scenes with no motion named take turns.
     */
    public record Inputs(String story, String sceneId, String text, Motion motion, Path image, Path audio, List<Story.Word> words,
                         Story.Focus focus, int turn, String language, String hook, Story.Captions captions) {
        /** Inputs with no focus of their own: the subject is found in the picture. {@code motion} null: chosen from the picture. */
        public Inputs(String story, String sceneId, String text, Motion motion, Path image, Path audio, List<Story.Word> words) {
            this(story, sceneId, text, motion, image, audio, words, null);
        }

        /**
         * Inputs of a story's first scene whose captions know no language (function words fall back
         * to short words), with the settings' look and no hook.
         */
        public Inputs(String story, String sceneId, String text, Motion motion, Path image, Path audio, List<Story.Word> words,
                      Story.Focus focus) {
            this(story, sceneId, text, motion, image, audio, words, focus, 0, null, null, null);
        }

        /** The captions of this clip: the settings' look with the story's own, in the story's language. */
        Captions.Spec captionSpec(Settings settings) { return Captions.Spec.of(settings, language, captions); }

        /** Whether anything is drawn over the picture: captions, or the hook. */
        boolean drawsText(Settings settings) {
            return settings.clips().captionStyle() != Settings.CaptionStyle.NONE || (hook != null && !hook.isBlank());
        }
    }

    /**
     * A finished clip: its planned move ({@code plan}, as {@code encode --explain} shows it), and
     * anything the viewer will miss that the user should know (a soft upscale, glyphs the font lacks).
     */
    public record Clip(String sceneId, Path file, double duration, int frames, String profile, boolean cached, String plan,
                       List<String> warnings) {
        Clip withWarnings(List<String> w) { return new Clip(sceneId, file, duration, frames, profile, cached, plan, w); }
    }

    /** Told how far the render is (0…1). */
    @FunctionalInterface
    public interface Listener {
        void progress(double fraction);
    }

    /** The record beside each clip that says what it was made from. */
    record Sidecar(String key, double duration, int frames, String profile, String plan, List<String> warnings) {}

    /** A scene failure that names the scene and what to fix. */
    public static ShortsmithException sceneError(String sceneId, ExitCode code, String message) {
        return new ShortsmithException(code, "scene " + sceneId + ": " + message);
    }

    public Clip encode(Inputs in, Path output, boolean force, Listener listener) throws InterruptedException {
        var size = settings.video().size();
        int fps = settings.video().fps();
        Narration narration = loadNarration(in);
        SpeechTrim trim = SpeechTrim.of(narration);   // the clip plays the speech, not the engine's padding
        int frames = frames(trim.seconds());
        double duration = (double) frames / fps;
        String key = key(in);
        Path sidecarFile = sidecar(output, in.sceneId());
        var spec = in.captionSpec(settings);
        var font = spec.font();
        String shownText = (settings.clips().captionStyle() == Settings.CaptionStyle.NONE ? "" : in.text()) + (in.hook() == null ? "" : " " + in.hook());
        String missing = shownText.isBlank() ? null : Captions.missingGlyphs(in.sceneId(), shownText, font);
        List<String> warnings = new ArrayList<>();
        if (missing != null) warnings.add(missing);
        if (!force) {
            var current = current(in, output, key);
            if (current.isPresent()) {
                var kept = new ArrayList<>(current.get().warnings());
                warnings.stream().filter(w -> !kept.contains(w)).forEach(kept::add);
                return current.get().withWarnings(List.copyOf(kept));
            }
        }

        List<Story.Word> words = trim.shift(in.words() != null && !in.words().isEmpty() ? in.words()
                : shortsmith.media.WordTiming.estimate(in.text(), narration.speechSpan()));
        String ass;
        try {
            ass = Captions.ass(words, spec, duration, in.hook());
        } catch (ShortsmithException e) {
            throw sceneError(in.sceneId(), e.exitCode(), e.getMessage());
        }

        var staged = stage(in, duration);
        var picture = staged.picture();
        if (picture.upscale() > 1.5) {
            warnings.add(String.format(Locale.ROOT, "scene %s: the picture is %dx%d and is upscaled %.1fx to fill %s; it will look soft "
                    + "(give one at least %dx%d)", in.sceneId(), picture.width(), picture.height(), picture.upscale(), size,
                    (int) Math.ceil(picture.width() * picture.upscale() / 1.5), (int) Math.ceil(picture.height() * picture.upscale() / 1.5)));
        }
        var plan = staged.plan();
        if (plan.warning() != null) warnings.add("scene " + in.sceneId() + ": " + plan.warning());
        var renderer = KenBurns.of(staged.source(), size.width(), size.height(), !rendersBesideOthers());

        Path partial = null;
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
            partial = WorkDir.partial(output);
            runEncoder(in, trim, renderer, plan.move(), frames, duration, ass, font, partial, listener);
            WorkDir.publish(partial, output);
            WorkDir.writeAtomically(sidecarFile, Json.write(new Sidecar(key, duration, frames, profile.name(), plan.explain(), List.copyOf(warnings))));
            probe(ffmpeg, output);   // now, under the other clips, rather than in the merge after the last one
            return new Clip(in.sceneId(), output, duration, frames, profile.name(), false, plan.explain(), List.copyOf(warnings));
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write into " + output.toAbsolutePath().getParent() + ": " + e.getMessage(), e);
        } finally {
            if (partial != null) WorkDir.deleteQuietly(partial);
        }
    }

    private void runEncoder(Inputs in, SpeechTrim trim, KenBurns renderer, Framing.Move move, int frames, double duration, String ass,
                            Captions.CaptionFont font, Path partial, Listener listener) throws InterruptedException {
        var size = settings.video().size();
        int fps = settings.video().fps();
        String d = String.format(Locale.ROOT, "%.6f", duration);
        // The narration's speech (see SpeechTrim) resampled to 48 kHz stereo and padded to the clip's exact length;
        // its first AAC frame's worth dropped, as the file carries no edit list to hide the encoder's priming.
        String audio = "[1:a]" + trim.filter() + ",aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=" + d
                + ",atrim=end=" + d + ",atrim=start_sample=" + Mp4Boxes.AAC_PRIMING + ",asetpts=PTS-STARTPTS[a]";
        List<String> cmd = new ArrayList<>(List.of(ffmpeg.ffmpeg().toString(), "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", size.toString(), "-framerate", String.valueOf(fps), "-i", "pipe:0",
                "-i", "file:" + in.audio().toAbsolutePath(),
                "-filter_complex", audio, "-map", "0:v", "-map", "[a]"));
        cmd.addAll(profile.videoArgs(fps));
        cmd.addAll(List.of("-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
                "-video_track_timescale", String.valueOf(fps * 1000),
                "-metadata", "comment=" + clipTag(in.story(), in.sceneId()),
                // The clip's own sound is for watching the clip alone: the Short's soundtrack is encoded once, in
                // the merge, from the lossless narrations. So the fast coder: less than half of twoloop's CPU.
                "-c:a", "aac", "-aac_coder", "fast", "-b:a", settings.encoding().audioBitrate(), "-ar", "48000", "-ac", "2",
                // No -frames:v: the pipe ends after the last frame, and stopping at a frame count would cut the
                // sound short whenever the frames arrive faster than the audio is encoded.
                "-progress", "pipe:1", "-nostats"));
        cmd.addAll(Mp4Boxes.MUX_ARGS);
        cmd.addAll(List.of(
                "-f", "mp4", "file:" + partial.toAbsolutePath()));
        // Captions are burned in here, on the frames ffmpeg receives: it only encodes.
        CaptionOverlay captions = in.drawsText(settings) ? CaptionOverlay.of(ass, size.width(), size.height(), fps, font.file()) : null;
        Process p;
        try {
            p = Proc.startPiped(cmd, partial.toAbsolutePath().getParent());
        } catch (RuntimeException e) {
            if (captions != null) captions.close();
            throw e;
        }
        var stderr = new Proc.Collector(p.getErrorStream());
        Proc.Collector stdout = new Proc.Collector(p.getInputStream());
        // Two frame buffers: one is rendered while the other is written to ffmpeg.
        var free = new java.util.concurrent.ArrayBlockingQueue<byte[]>(2);
        var full = new java.util.concurrent.ArrayBlockingQueue<byte[]>(2);
        free.add(new byte[renderer.frameBytes()]);
        free.add(new byte[renderer.frameBytes()]);
        byte[] end = new byte[0];
        var writeFailure = new java.util.concurrent.atomic.AtomicReference<IOException>();
        Thread writer = Thread.ofPlatform().name("frames-" + in.sceneId()).start(() -> {
            try (OutputStream pipe = p.getOutputStream()) {
                for (byte[] f; (f = full.take()) != end; ) {
                    // After a failure keep taking frames, so the renderer never waits on a full queue.
                    if (writeFailure.get() == null) {
                        try {
                            pipe.write(f);
                        } catch (IOException e) {
                            writeFailure.set(e);   // ffmpeg stopped reading: its own message says why
                        }
                    }
                    free.put(f);
                }
            } catch (IOException e) {
                writeFailure.compareAndSet(null, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            for (int k = 0; k < frames && writeFailure.get() == null; k++) {
                byte[] frame = free.take();
                renderer.render(move, frames == 1 ? 0 : (double) k / (frames - 1), frame);
                if (captions != null) captions.drawOnto(frame, k);
                full.put(frame);
                if (k % 5 == 0 || k == frames - 1) listener.progress((k + 1.0) / frames);
            }
            full.put(end);
            writer.join();
        } catch (InterruptedException | RuntimeException e) {
            p.destroyForcibly();
            writer.interrupt();
            throw e;
        } finally {
            if (captions != null) captions.close();
        }
        int exit = p.waitFor();
        String errors = stderr.text();
        String report = stdout.text();
        // Ctrl-C ended ffmpeg under us: the run is stopping, not the encoder failing (the next run renders the clip).
        if ((exit != 0 || writeFailure.get() != null) && shortsmith.core.Shutdown.stopping()) throw new InterruptedException("stopping");
        if (exit != 0 || writeFailure.get() != null) {
            throw new EncodeFailure(in.sceneId(), profile, errors.isBlank() && writeFailure.get() != null ? writeFailure.get().getMessage() : errors);
        }
        // ffmpeg's own count of the frames it wrote (-progress), checked against what was asked.
        var written = java.util.regex.Pattern.compile("(?m)^frame=(\\d+)$").matcher(report).results()
                .map(m -> Integer.parseInt(m.group(1))).reduce((a, b) -> b).orElse(-1);
        if (written != frames) throw sceneError(in.sceneId(), ExitCode.FAILED, "expected " + frames + " frames, ffmpeg wrote " + written);
    }

    /**
     * How many frames a clip of {@code speechSeconds} of trimmed narration has: the narration plus
     * CLIP_TAIL to the nearest whole frame, never fewer frames than the narration needs.
     */
    public int frames(double speechSeconds) {
        int fps = settings.video().fps();
        return (int) Math.max(Math.ceil(speechSeconds * fps - 1e-6), Math.round((speechSeconds + settings.clips().tail()) * fps));
    }

    /** How long the clip of this narration lasts, known before it is rendered (the soundtrack is built from it). */
    public double clipSeconds(Path narration) { return clipSeconds(SpeechTrim.of(Narration.load(ffmpeg, narration))); }

    /** How long the clip of a narration trimmed so lasts. */
    public double clipSeconds(SpeechTrim trim) { return (double) frames(trim.seconds()) / settings.video().fps(); }

    private static Path sidecar(Path clip, String sceneId) { return clip.resolveSibling(sceneId + ".json"); }

    /** What ffprobe says of a clip encode made, kept beside it (NAME.probe.json) until the clip changes. */
    public static Media probe(Ffmpeg ffmpeg, Path clip) {
        String name = clip.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        return Media.probeKept(ffmpeg, clip, clip.resolveSibling(name + ".probe.json"));
    }

    /**
     * Whether {@code clip} was made from exactly these inputs with this encoder's settings: the same
     * picture, narration, text, words, motion, size, captions and profile. A clip that is not (the
     * narration was made again, the text changed) must not be joined into a Short.
     */
    public boolean isCurrent(Inputs in, Path clip) { return current(in, clip, key(in)).isPresent(); }

    private Optional<Clip> current(Inputs in, Path output, String key) {
        Path sidecarFile = sidecar(output, in.sceneId());
        if (!Files.isRegularFile(output) || !Files.isRegularFile(sidecarFile)) return Optional.empty();
        try {
            Sidecar old = Json.MAPPER.readValue(sidecarFile.toFile(), Sidecar.class);
            return old != null && key.equals(old.key()) ? Optional.of(new Clip(in.sceneId(), output, old.duration(), old.frames(), old.profile(), true,
                    old.plan(), old.warnings() == null ? List.of() : old.warnings()))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();   // an unreadable sidecar only means: render again
        }
    }

    /** The profile a clip in a work folder was made with (nvenc, x264, lossless), from the record beside it. */
    public static Optional<String> profileOf(Path clip, String sceneId) {
        try {
            Path sidecarFile = sidecar(clip, sceneId);
            if (!Files.isRegularFile(sidecarFile)) return Optional.empty();
            return Optional.ofNullable(Json.MAPPER.readValue(sidecarFile.toFile(), Sidecar.class)).map(Sidecar::profile);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The tag each clip carries in its MP4 comment: which story and scene it belongs to. */
    public static String clipTag(String story, String sceneId) { return "shortsmith scene=" + sceneId + " story=" + story; }

    /** The story named by a clip's tag, or null when the clip has none (made elsewhere). */
    public static String storyOfTag(String comment) {
        if (comment == null || !comment.startsWith("shortsmith scene=")) return null;
        int at = comment.indexOf(" story=");
        return at < 0 ? null : comment.substring(at + 7);
    }

    /** ffmpeg failed while encoding; NVENC failures are told apart so the story can fall back. */
    public static final class EncodeFailure extends ShortsmithException {
        private final NvencProbe.Reason nvencReason;

        EncodeFailure(String sceneId, EncoderProfile profile, String stderr) {
            super(ExitCode.FAILED, "scene " + sceneId + ": " + profile.name() + " encode failed: " + NvencProbe.classify(stderr).message());
            this.nvencReason = profile instanceof EncoderProfile.Nvenc ? NvencProbe.classify(stderr).reason() : null;
        }

        /** The NVENC failure class, or null when the profile was not NVENC. */
        public NvencProbe.Reason nvencReason() { return nvencReason; }
    }

    private Narration loadNarration(Inputs in) {
        if (in.audio() == null) throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "no narration: run tts first or set \"audio\"");
        if (!Files.isRegularFile(in.audio())) throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "audio " + in.audio() + " does not exist");
        Narration n;
        try {
            n = Narration.load(ffmpeg, in.audio());
        } catch (ShortsmithException e) {
            throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "audio " + in.audio() + " is not readable audio");
        }
        if (n.duration() < 0.05) throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "audio " + in.audio() + " is empty");
        return n;
    }

    /**
     * The render alone, without ffmpeg: {@code frames} frames of this scene's move at this encoder's
     * size with its captions burned in (words estimated), rendered on the calling thread's core after
     * a warm-up, in milliseconds a frame, and whether the move is a pan (a one-to-one slide) or a
     * zoom. With NVENC the render is what limits a clip, so the benchmark reports it.
     */
    public RenderSpeed renderSpeed(Inputs in, int frames) {
        var size = settings.video().size();
        int fps = settings.video().fps();
        var narration = loadNarration(in);
        var trim = SpeechTrim.of(narration);
        double duration = (double) frames(trim.seconds()) / fps;
        var staged = stage(in, duration);
        var move = staged.plan().move();
        var renderer = KenBurns.of(staged.source(), size.width(), size.height(), false);   // one thread: one core's figure
        var spec = in.captionSpec(settings);
        var font = spec.font();
        String ass = Captions.ass(trim.shift(shortsmith.media.WordTiming.estimate(in.text(), narration.speechSpan())), spec, duration, in.hook());
        byte[] frame = new byte[renderer.frameBytes()];
        try (var captions = CaptionOverlay.of(ass, size.width(), size.height(), fps, font.file())) {
            for (int k = 0; k < 20; k++) {   // the JIT's warm-up, not timed
                renderer.render(move, k / 20.0, frame);
                captions.drawOnto(frame, k);
            }
            long t0 = System.nanoTime();
            for (int k = 0; k < frames; k++) {
                renderer.render(move, frames == 1 ? 0 : (double) k / (frames - 1), frame);
                captions.drawOnto(frame, k * (int) Math.round(duration * fps) / Math.max(1, frames));   // spread over the clip's captions
            }
            return new RenderSpeed((System.nanoTime() - t0) / 1e6 / frames, move instanceof Framing.Move.Pan, KenBurns.VECTOR_API);
        }
    }

    /** One scene's render alone: milliseconds a frame, whether its move is a pan, and whether the Vector API drew it. */
    public record RenderSpeed(double millisPerFrame, boolean pan, boolean vectorApi) {}

    /**
     * A decoded picture: the source the moves play over, where the picture lies on it ({@code area},
     * pixels: all of it for {@code FIT=cover}), the picture's own size, and how much it was enlarged
     * to fill the frame.
     */
    record Picture(KenBurns.Yuv420 source, Framing.Viewport area, int width, int height, double upscale) {}

    /**
     * A scene ready to render: its picture, the planned move, and the source the move plays over:
     * the picture itself, or, when the move passes the picture's right or bottom edge to bring a
     * subject cut there inward, the picture carried on past that edge ({@link KenBurns.Yuv420#extended}).
     */
    record Staged(Picture picture, Framing.Plan plan, KenBurns.Yuv420 source) {}

    /** The scene's picture decoded and its move planned, for a clip of {@code seconds}. */
    Staged stage(Inputs in, double seconds) {
        var size = settings.video().size();
        int sw = even(size.width() * Motion.MARGIN), sh = even(size.height() * Motion.MARGIN);
        var picture = decodeImage(in, sw, sh);
        var plan = plan(in, picture, seconds);
        int[] over = plan.overhang();
        if (over[0] == 0 && over[1] == 0) return new Staged(picture, plan, picture.source());
        // Two pixels more than the views reach, for the resampling's right and lower neighbours.
        var extended = picture.source().extended(over[0] == 0 ? 0 : even(over[0] + 2), over[1] == 0 ? 0 : even(over[1] + 2));
        return new Staged(picture, plan, extended);
    }

    /** The image file's size, from its header (PNG, JPEG) or ffprobe. */
    private shortsmith.media.PictureHeader header(Inputs in) {
        if (in.image() == null) throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "no image: run gen-images first or set \"image\"");
        if (!Files.isRegularFile(in.image())) throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "image " + in.image() + " does not exist");
        // PNG and JPEG headers are read here; anything else is asked of ffprobe.
        return shortsmith.media.PictureHeader.read(in.image()).orElseGet(() -> {
            try {
                var stream = Media.probePicture(ffmpeg, in.image()).video().orElseThrow(() -> ShortsmithException.badInput("no picture in it"));
                return new shortsmith.media.PictureHeader(stream.width(), stream.height(), stream.pixFmt());
            } catch (ShortsmithException e) {
                throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "image " + in.image() + " cannot be decoded (" + e.getMessage() + ")");
            }
        });
    }

    /** The filter that fills what the picture does not cover: its own colours (transparent parts black), blurred and darkened; or one colour. */
    private String fill() {
        var background = settings.clips().background();
        return background.equals("blur")
                ? "premultiply=inplace=1,boxblur=luma_radius=min(w\\,h)/20:luma_power=2,colorchannelmixer=rr=0.55:gg=0.55:bb=0.55,format=rgb24"
                : "format=rgb24,drawbox=c=0x" + background.substring(1) + ":t=fill";
    }

    /**
     * The picture decoded to BT.709 yuv420p, large enough that the widest view covers the frame
     * {@link Motion#MARGIN} times over. With {@code FIT=cover} it keeps its own shape (nothing is
     * cropped here: the move chooses what to show). With {@code contain-blur} it is shown whole,
     * fitted to the frame (the tightest view) and centred on a canvas {@code sw × sh} filled with
     * its own blurred copy, so every view, which holds the whole picture, has room to move over the
     * fill. Transparency is composited onto a blurred, darkened copy of the picture (or
     * {@code BACKGROUND}), not black. ffmpeg applies a JPEG's EXIF orientation itself (autorotate);
     * a test guards that.
     */
    Picture decodeImage(Inputs in, int sw, int sh) {
        var header = header(in);
        int iw = Math.max(1, header.width()), ih = Math.max(1, header.height());
        var clips = settings.clips();
        boolean alpha = header.pixFmt().matches(".*(a|pal8).*") && !header.pixFmt().startsWith("yuvj") && !header.pixFmt().equals("gray");
        String graph;
        Framing.Viewport area = null;
        if (clips.fit() == Settings.Fit.CONTAIN_BLUR) {
            // Fitted to the tightest view (the frame's size on this canvas), centred.
            double k = Math.min(sw / Motion.MARGIN / iw, sh / Motion.MARGIN / ih);
            int fw = Math.max(2, (int) Math.floor(iw * k / 2) * 2), fh = Math.max(2, (int) Math.floor(ih * k / 2) * 2);
            int ox = (sw - fw) / 2, oy = (sh - fh) / 2;
            area = new Framing.Viewport(ox, oy, fw, fh);
            graph = "[0:v]format=rgba,split[a][b];[a]scale=" + sw + ":" + sh + ":force_original_aspect_ratio=increase:flags=bicubic,crop=" + sw + ":" + sh
                    + "," + fill() + "[bg];[b]scale=" + fw + ":" + fh + ":flags=bicubic[fg];"
                    + "[bg][fg]overlay=" + ox + ":" + oy + ":format=auto,";
        } else if (alpha) {
            graph = "[0:v]format=rgba,scale=" + sw + ":" + sh + ":force_original_aspect_ratio=increase:force_divisible_by=2:flags=bicubic,format=rgba,split[a][b];"
                    + "[a]" + fill() + "[bg];[bg][b]overlay=format=auto,";
        } else {
            graph = "[0:v]scale=" + sw + ":" + sh + ":force_original_aspect_ratio=increase:force_divisible_by=2:flags=bicubic,";
        }
        var source = decode(in, graph);
        if (area == null) area = new Framing.Viewport(0, 0, source.width(), source.height());
        double upscale = clips.fit() == Settings.Fit.CONTAIN_BLUR
                ? Math.min((double) settings.video().size().width() / iw, (double) settings.video().size().height() / ih)
                : (double) Math.min(source.width(), source.height()) / Motion.MARGIN / Math.min(iw, ih);
        return new Picture(source, area, iw, ih, upscale);
    }

    /** Runs {@code graph} (which ends in a comma) on the scene's image: one BT.709 yuv420p frame. */
    private KenBurns.Yuv420 decode(Inputs in, String graph) {
        graph += "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[out]";
        // image2 without patterns: a '%' in a file name is just a character. y4m carries the size it chose.
        var cmd = ffmpeg.command("-loglevel", "error", "-f", "image2", "-pattern_type", "none", "-i", "file:" + in.image().toAbsolutePath(),
                "-filter_complex", graph, "-map", "[out]", "-frames:v", "1", "-f", "yuv4mpegpipe", "-strict", "-1", "pipe:1");
        Process p = Proc.start(cmd);
        var err = new Proc.Collector(p.getErrorStream());
        byte[] raw;
        try (var out = p.getInputStream()) {
            raw = out.readAllBytes();
            p.waitFor();
            String errors = err.text();
            if (p.exitValue() != 0 || raw.length < 32) {
                throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "image " + in.image() + " cannot be decoded ("
                        + (errors.isBlank() ? "no picture in it" : Media.firstLine(errors)) + ")");
            }
        } catch (IOException e) {
            throw sceneError(in.sceneId(), ExitCode.BAD_INPUT, "image " + in.image() + " cannot be read: " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ShortsmithException(ExitCode.INTERRUPTED, "interrupted", e);
        }
        return y4m(raw);
    }

    /** The one frame of a YUV4MPEG2 stream: "YUV4MPEG2 W… H… …\nFRAME\n" then the planes. */
    static KenBurns.Yuv420 y4m(byte[] raw) {
        int eol = 0;
        while (eol < raw.length && raw[eol] != '\n') eol++;
        String header = new String(raw, 0, eol, java.nio.charset.StandardCharsets.US_ASCII);
        var w = java.util.regex.Pattern.compile(" W(\\d+)").matcher(header);
        var h = java.util.regex.Pattern.compile(" H(\\d+)").matcher(header);
        if (!w.find() || !h.find()) throw new IllegalStateException("not a y4m stream: " + header);
        int width = Integer.parseInt(w.group(1)), height = Integer.parseInt(h.group(1));
        int frame = eol + 1;
        while (frame < raw.length && raw[frame] != '\n') frame++;
        return KenBurns.Yuv420.fromRaw(java.util.Arrays.copyOfRange(raw, frame + 1, frame + 1 + width * height * 3 / 2), width, height);
    }

    /**
     * The scene's move: around the manifest's {@code focus} when it names one, else around the
     * subject found in the picture; the scene's own motion when it names one, else its turn's; over
     * a clip of {@code seconds}.
     */
    Framing.Plan plan(Inputs in, Picture p, double seconds) {
        var area = p.area();
        int cw = p.source().width(), ch = p.source().height();
        boolean whole = settings.clips().fit() == Settings.Fit.CONTAIN_BLUR;
        Saliency.Box subject;
        String source;
        if (in.focus() != null) {
            subject = Saliency.Box.around((area.x() + in.focus().x() * area.width()) / cw, (area.y() + in.focus().y() * area.height()) / ch);
            source = "the manifest's focus";
        } else {
            // Only the picture is looked at, not the fill around a contained one.
            var found = Saliency.subject(whole ? p.source().crop(area) : p.source());
            subject = found.map(b -> new Saliency.Box((area.x() + b.x0() * area.width()) / cw, (area.y() + b.y0() * area.height()) / ch,
                    (area.x() + b.x1() * area.width()) / cw, (area.y() + b.y1() * area.height()) / ch)).orElse(null);
            source = subject == null ? "nothing stands out" : "found in the picture";
        }
        var size = settings.video().size();
        var stage = whole ? Framing.Stage.contain(cw, ch, area) : Framing.Stage.coverWithFill(cw, ch);
        return Framing.plan(stage, (double) size.width() / size.height(), subject, source, in.motion(), in.turn(), seconds);
    }

    /** What determines the clip: any change means a new render. */
    String key(Inputs in) {
        // The thread count changes with how many clips run at once, not what the clip is.
        EncoderProfile identity = profile instanceof EncoderProfile.X264 x ? x.withThreads(0) : profile;
        return hash(List.of(RENDER_VERSION, SpeechTrim.class.getSimpleName() + "@" + SpeechTrim.KEEP_BEFORE + "/" + SpeechTrim.KEEP_AFTER,
                in.story(), digest(in.image()), digest(in.audio()), in.text(),
                // With no motion named, the scene's place in the story chooses its move.
                in.motion() == null ? "turn " + in.turn() : in.motion().id(),
                String.valueOf(in.focus()), String.valueOf(in.words()), settings.video().toString(), settings.clips().toString(),
                String.valueOf(identity.videoArgs(settings.video().fps())), settings.encoding().audioBitrate(),
                // The captions' look (the story's own over the settings'), language and hook: a changed style renders again.
                in.captionSpec(settings).look().toString(), String.valueOf(in.language()), String.valueOf(in.hook())));
    }

    /** The SHA-256 of parts joined unambiguously (hex). */
    public static String hash(List<String> parts) {
        try {
            var md = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of a file's content (hex), "none" when there is no file. */
    public static String digest(Path file) {
        if (file == null || !Files.isRegularFile(file)) return "none";
        try (var in = Files.newInputStream(file)) {
            var md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            return "unreadable";
        }
    }

    private static int even(double v) { return (int) Math.ceil(v / 2) * 2; }
}
