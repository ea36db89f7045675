package shortsmith.video;

import shortsmith.core.ShortsmithException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * libass as a library, through Java's foreign function API: an ASS script rendered to the bitmaps
 * ffmpeg's {@code subtitles} filter would blend, set up as that filter does (the caption font added
 * to the library, fontconfig for anything it lacks). Rendering in process lets a clip composite
 * captions only where they are and only re-render when they change, instead of ffmpeg copying and
 * blending every frame. One renderer per clip; close it when done.
 *
 * <pre>jshell> try (var r = Libass.open(ass, 768, 1344, font)) { r.render(1500).images() }</pre>
 */
final class Libass implements AutoCloseable {
    /** One bitmap: {@code alpha} is {@code w × h} coverage (0–255), {@code rgba} its colour with ASS's transparency in the low byte. */
    record Image(int x, int y, int w, int h, byte[] alpha, int rgba) {
        @Override
        public String toString() { return String.format("Image[%dx%d at %d,%d, #%08x]", w, h, x, y, rgba); }
    }

    /** What {@link #render} found at a time: the images, and whether they differ from the previous call's. */
    record Frame(List<Image> images, boolean changed) {}

    private static final int FONTPROVIDER_AUTODETECT = 1;
    // struct ass_image { int w, h, stride; unsigned char *bitmap; uint32_t color; int dst_x, dst_y; struct ass_image *next; int type; }
    private static final long W = 0, H = 4, STRIDE = 8, BITMAP = 16, COLOR = 24, DST_X = 28, DST_Y = 32, NEXT = 40, IMAGE_SIZE = 56;

    private static MethodHandle libraryInit, libraryDone, setMessageCallback, addFont, rendererInit, rendererDone, setFrameSize,
            setFonts, readMemory, freeTrack, renderFrame;
    private static MemorySegment quiet;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment library, renderer, track, detectChange;
    private boolean closed;

    private Libass(MemorySegment library, MemorySegment renderer, MemorySegment track) {
        this.library = library;
        this.renderer = renderer;
        this.track = track;
        this.detectChange = arena.allocate(ValueLayout.JAVA_INT);
    }

    /** A renderer of {@code ass} at {@code width × height} with {@code font} (a TrueType or OpenType file). */
    static Libass open(String ass, int width, int height, Path font) {
        load();
        try {
            var library = (MemorySegment) libraryInit.invokeExact();
            if (library.equals(MemorySegment.NULL)) throw new IllegalStateException("ass_library_init failed");
            setMessageCallback.invokeExact(library, quiet, MemorySegment.NULL);   // errors surface as missing captions in the tests, not as chatter
            try (var scratch = Arena.ofConfined()) {
                byte[] fontBytes = Files.readAllBytes(font);
                var data = scratch.allocate(fontBytes.length);
                data.copyFrom(MemorySegment.ofArray(fontBytes));
                addFont.invokeExact(library, scratch.allocateFrom(font.getFileName().toString()), data, fontBytes.length);
                var renderer = (MemorySegment) rendererInit.invokeExact(library);
                if (renderer.equals(MemorySegment.NULL)) throw new IllegalStateException("ass_renderer_init failed");
                setFrameSize.invokeExact(renderer, width, height);
                setFonts.invokeExact(renderer, MemorySegment.NULL, MemorySegment.NULL, FONTPROVIDER_AUTODETECT, MemorySegment.NULL, 1);
                byte[] script = ass.getBytes(StandardCharsets.UTF_8);
                var buffer = scratch.allocate(script.length + 1);
                buffer.copyFrom(MemorySegment.ofArray(script));
                var track = (MemorySegment) readMemory.invokeExact(library, buffer, (long) script.length, MemorySegment.NULL);
                if (track.equals(MemorySegment.NULL)) throw new IllegalStateException("libass could not read the captions");
                return new Libass(library, renderer, track);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libass failed", t);
        }
    }

    /** The captions at {@code millis} into the clip (copied out of libass, so they outlive the next call). */
    synchronized Frame render(long millis) {
        if (closed) throw new IllegalStateException("closed");
        try {
            var first = (MemorySegment) renderFrame.invokeExact(renderer, track, millis, detectChange);
            boolean changed = detectChange.get(ValueLayout.JAVA_INT, 0) != 0;
            List<Image> images = new ArrayList<>();
            for (var at = first; !at.equals(MemorySegment.NULL); ) {
                var image = at.reinterpret(IMAGE_SIZE);
                int w = image.get(ValueLayout.JAVA_INT, W), h = image.get(ValueLayout.JAVA_INT, H), stride = image.get(ValueLayout.JAVA_INT, STRIDE);
                byte[] alpha = new byte[w * h];
                if (w > 0 && h > 0) {
                    var bitmap = image.get(ValueLayout.ADDRESS, BITMAP).reinterpret((long) stride * (h - 1) + w);
                    for (int row = 0; row < h; row++) MemorySegment.copy(bitmap, ValueLayout.JAVA_BYTE, (long) row * stride, alpha, row * w, w);
                    images.add(new Image(image.get(ValueLayout.JAVA_INT, DST_X), image.get(ValueLayout.JAVA_INT, DST_Y), w, h, alpha,
                            image.get(ValueLayout.JAVA_INT, COLOR)));
                }
                at = image.get(ValueLayout.ADDRESS, NEXT);
            }
            return new Frame(List.copyOf(images), changed);
        } catch (Throwable t) {
            throw new IllegalStateException("libass failed to render", t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            freeTrack.invokeExact(track);
            rendererDone.invokeExact(renderer);
            libraryDone.invokeExact(library);
        } catch (Throwable t) {
            throw new IllegalStateException("libass failed to close", t);
        } finally {
            arena.close();
        }
    }

    private static void ignore(int level, MemorySegment format, MemorySegment args, MemorySegment data) {}

    private static synchronized void load() {
        if (renderFrame != null) return;
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = null;
        for (String name : List.of("libass.so.9", "libass.so", "libass.9.dylib", "libass.dylib")) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                break;
            } catch (IllegalArgumentException e) {
                // try the next name
            }
        }
        if (lib == null) throw ShortsmithException.environment("libass is not installed: apt-get install libass9 (ffmpeg's captions library)");
        var a = ValueLayout.ADDRESS;
        var i = ValueLayout.JAVA_INT;
        var find = lib;
        java.util.function.BiFunction<String, FunctionDescriptor, MethodHandle> handle =
                (name, fd) -> linker.downcallHandle(find.find(name).orElseThrow(() -> ShortsmithException.environment(
                        "this libass has no " + name + ": install libass 0.15 or newer")), fd);
        libraryInit = handle.apply("ass_library_init", FunctionDescriptor.of(a));
        libraryDone = handle.apply("ass_library_done", FunctionDescriptor.ofVoid(a));
        setMessageCallback = handle.apply("ass_set_message_cb", FunctionDescriptor.ofVoid(a, a, a));
        addFont = handle.apply("ass_add_font", FunctionDescriptor.ofVoid(a, a, a, i));
        rendererInit = handle.apply("ass_renderer_init", FunctionDescriptor.of(a, a));
        rendererDone = handle.apply("ass_renderer_done", FunctionDescriptor.ofVoid(a));
        setFrameSize = handle.apply("ass_set_frame_size", FunctionDescriptor.ofVoid(a, i, i));
        setFonts = handle.apply("ass_set_fonts", FunctionDescriptor.ofVoid(a, a, a, i, a, i));
        readMemory = handle.apply("ass_read_memory", FunctionDescriptor.of(a, a, a, ValueLayout.JAVA_LONG, a));
        freeTrack = handle.apply("ass_free_track", FunctionDescriptor.ofVoid(a));
        try {
            quiet = linker.upcallStub(MethodHandles.lookup().findStatic(Libass.class, "ignore",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(i, a, a, a), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        renderFrame = handle.apply("ass_render_frame", FunctionDescriptor.of(a, a, a, ValueLayout.JAVA_LONG, a));
    }
}
