// Captions and motion, explored. Open with:  ./jbang -i notebooks/captions-and-motion.jsh
// (headless, as the tests run it:           ./jbang notebooks/captions-and-motion.jsh)

import shortsmith.core.*;
import shortsmith.media.*;
import shortsmith.video.*;
import java.nio.file.*;
import java.util.*;
import javax.imageio.ImageIO;

var settings = Settings.loadWith(Map.of("VIDEO_SIZE", "360x640", "VIDEO_FPS", "25"));
var ffmpeg = Ffmpeg.locate(settings);
var dir = Files.createTempDirectory("notebook-captions");

// 1. A narration, and where the speech really starts and ends (read from the PCM in Java).
var text = "¿Hasta dónde podría subir su cometa? ¡Muy alto!";
var wav = dir.resolve("voice.wav");
Proc.run(List.of("espeak-ng", "-v", "es", "-w", wav.toString(), text), java.time.Duration.ofSeconds(30));
var narration = Narration.load(ffmpeg, wav);
System.out.println(narration + ", speech " + narration.speechSpan());

// 2. Word timings: the aligner's (espeak-ng's reference warped onto this narration) beside the
//    estimate (syllables and pauses spread over the speech span), which captions fall back to.
var aligned = Aligner.align(narration, text, "es");
var estimated = WordTiming.estimate(text, narration.speechSpan());
System.out.println(aligned);
for (int i = 0; i < estimated.size(); i++) {
    System.out.printf("%-10s aligned %5.2f s   estimated %5.2f s%n", estimated.get(i).word(), aligned.words().get(i).start(), estimated.get(i).start());
}
var words = aligned.words();

// 3. The karaoke captions as libass reads them (the first lines of the ASS file).
var font = Captions.font("");
var ass = Captions.ass(words, Settings.CaptionStyle.KARAOKE, settings.video().size(), narration.duration() + 0.5, font);
ass.lines().filter(l -> l.startsWith("Dialogue")).limit(3).forEach(System.out::println);

// 4. Motion: a zoom-in planned around a subject near the top right of a 404x718 source; the viewport
//    at the start, the middle and the end (sub-pixel), always holding the subject.
var move = Framing.plan(404, 718, 360.0 / 640, Saliency.Box.around(0.8, 0.2), Motion.ZOOM_IN);
for (double t : new double[]{0, 0.5, 1}) System.out.println("zoom-in at " + t + ": " + move.at(t));

// 5. Render the scene and grab its middle frame as a PNG.
var clip = new ClipEncoder(ffmpeg, settings, EncoderProfile.x264(settings)).encode(
        new ClipEncoder.Inputs("notebook", "kite", text, Motion.PAN_LEFT, Home.root().resolve("examples/photos/05-kite.jpg"), wav, null),
        dir.resolve("kite.mp4"), true, f -> {});
var png = dir.resolve("middle.png");
Proc.run(ffmpeg.command("-loglevel", "error", "-y", "-ss", String.valueOf(clip.duration() / 2), "-i", clip.file().toString(),
        "-frames:v", "1", png.toString()), java.time.Duration.ofMinutes(1));
var frame = ImageIO.read(png.toFile());
System.out.println("frame " + frame.getWidth() + "x" + frame.getHeight() + " saved as " + png);
