// Encoder profiles, explored. Open with:  ./jbang -i notebooks/encoder-profiles.jsh
// (headless, as the tests run it:          ./jbang notebooks/encoder-profiles.jsh)
// Read top to bottom; every value printed is a real measurement on this machine.

import shortsmith.core.*;
import shortsmith.media.*;
import shortsmith.video.*;
import java.nio.file.*;
import java.util.*;

// 1. Settings: .env and the environment, typed and validated. A small frame keeps this quick.
var settings = Settings.loadWith(Map.of("VIDEO_SIZE", "360x640", "VIDEO_FPS", "25"));
System.out.println("encoding settings: " + settings.encoding());

// 2. The profiles and the exact ffmpeg arguments each one adds (validated against ffmpeg -h encoder=…).
for (EncoderProfile p : List.of(EncoderProfile.x264(settings), EncoderProfile.nvenc(settings), EncoderProfile.lossless())) {
    System.out.println(p.name() + ": " + String.join(" ", p.videoArgs(25)));
}

// 3. The NVENC probe: a real tiny encode, not `ffmpeg -encoders`. Cached in ~/.cache/shortsmith.
var probe = NvencProbe.detect(settings, false);
System.out.println("NVENC h264: " + probe.encoders().get("h264_nvenc"));
System.out.println("auto picks: " + probe.decision());

// 4. Encode one real scene (a photo and Spanish narration) with two profiles…
var ffmpeg = Ffmpeg.locate(settings);
var dir = Files.createTempDirectory("notebook-profiles");
var wav = dir.resolve("voice.wav");
Proc.run(List.of("espeak-ng", "-v", "es", "-w", wav.toString(), "Una cometa roja sobre el mar."), java.time.Duration.ofSeconds(30));
var photo = Home.root().resolve("examples/photos/05-kite.jpg");
var scene = new ClipEncoder.Inputs("notebook", "kite", "Una cometa roja sobre el mar.", Motion.ZOOM_IN, photo, wav, null);
var x264 = new ClipEncoder(ffmpeg, settings, EncoderProfile.x264(settings)).encode(scene, dir.resolve("x264.mp4"), true, f -> {});
var reference = new ClipEncoder(ffmpeg, settings, EncoderProfile.lossless()).encode(scene, dir.resolve("lossless.mp4"), true, f -> {});
System.out.println(x264);

// 5. …and compare size and SSIM against the lossless render of the same frames.
var ssim = Proc.run(ffmpeg.command("-i", x264.file().toString(), "-i", reference.file().toString(), "-lavfi", "ssim", "-f", "null", "-"),
        java.time.Duration.ofMinutes(2)).stderr().lines().filter(l -> l.contains("SSIM")).findFirst().orElse("no SSIM");
System.out.printf("x264: %d kB, lossless: %d kB%n", Files.size(x264.file()) / 1000, Files.size(reference.file()) / 1000);
System.out.println(ssim.replaceFirst(".*SSIM", "SSIM"));

// 6. What the file is, as YouTube will see it.
System.out.println(Media.probe(ffmpeg, x264.file()).video().orElseThrow());
