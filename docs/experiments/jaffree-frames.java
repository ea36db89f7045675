///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//DEPS com.github.kokorin.jaffree:jaffree:2024.08.29
//DEPS org.slf4j:slf4j-nop:2.0.16
//DESCRIPTION Measures feeding 1080x1920 frames to ffmpeg: Jaffree's FrameInput (NUT over TCP) against a raw yuv420p pipe.

import com.github.kokorin.jaffree.ffmpeg.FFmpeg;
import com.github.kokorin.jaffree.ffmpeg.Frame;
import com.github.kokorin.jaffree.ffmpeg.FrameInput;
import com.github.kokorin.jaffree.ffmpeg.FrameProducer;
import com.github.kokorin.jaffree.ffmpeg.NullOutput;
import com.github.kokorin.jaffree.ffmpeg.Stream;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.util.List;

/**
 * Why the encoder pipes raw frames instead of using Jaffree (the README's Dependencies section).
 * Both ways hand ffmpeg the same number of 1080x1920 frames and ask for yuv420p, with no encoder
 * (-f null), so only the transport and the conversion are measured. Jaffree takes BufferedImages
 * (BGR, twice the bytes of yuv420p) and sends them as NUT over a TCP socket; the toolkit's
 * renderer writes yuv420p straight into ffmpeg's stdin.
 *
 * Run: ./jbang docs/experiments/jaffree-frames.java [FRAMES] [RUNS]
 */
class jaffree_frames {
    static final int W = 1080, H = 1920, FPS = 30;

    public static void main(String... args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        for (int run = 1; run <= runs; run++) {
            System.out.printf("run %d: raw pipe %.2f s, Jaffree FrameInput %.2f s (%d frames)%n", run, pipe(frames), jaffree(frames), frames);
        }
    }

    static double pipe(int frames) throws Exception {
        byte[] frame = new byte[W * H * 3 / 2];
        for (int i = 0; i < frame.length; i++) frame[i] = (byte) (i * 31);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", W + "x" + H,
                "-framerate", String.valueOf(FPS), "-i", "pipe:0", "-pix_fmt", "yuv420p", "-f", "null", "-").inheritIO()
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        try (OutputStream in = p.getOutputStream()) {
            for (int k = 0; k < frames; k++) in.write(frame);
        }
        if (p.waitFor() != 0) throw new IllegalStateException("ffmpeg failed");
        return (System.nanoTime() - t0) / 1e9;
    }

    static double jaffree(int frames) {
        var image = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        var producer = new FrameProducer() {
            int k;

            public List<Stream> produceStreams() {
                return List.of(new Stream().setType(Stream.Type.VIDEO).setTimebase((long) FPS).setWidth(W).setHeight(H));
            }

            public Frame produce() { return k < frames ? Frame.createVideoFrame(0, k++, image) : null; }
        };
        long t0 = System.nanoTime();
        FFmpeg.atPath().addInput(FrameInput.withProducer(producer)).addArguments("-pix_fmt", "yuv420p")
                .addOutput(new NullOutput()).execute();
        return (System.nanoTime() - t0) / 1e9;
    }
}
