package shortsmith.media;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * espeak-ng as a library, through Java's foreign function API: the narration's samples and, from
 * the engine's own word events, exactly when each word starts (milliseconds into the audio). The
 * command line gives only the audio; the library says where every word is, so captions need no
 * guessing. One synthesis at a time: the library keeps global state from one text to the next, so
 * the same text can come out slightly differently after other texts: word times about 10 ms apart,
 * lengths up to about 3 % apart from the command line's (which speaks one text per process), and a
 * dash before a word may get a word event of its own. Neither Cancel, a voice change, Initialize
 * nor a throwaway text in between resets it. Each narration's word times are the events of its own
 * synthesis, so captions are exact whatever the drift.
 *
 * <pre>jshell> Espeak.speak("Una cometa roja.", "es", 175)</pre>
 */
public final class Espeak {
    private Espeak() {}

    /** A narration: 16-bit mono PCM at {@code sampleRate}, and where each word of the text starts. */
    public record Speech(byte[] wav, int sampleRate, List<WordStart> words) {
        public double seconds() { return (wav.length - 44) / 2.0 / sampleRate; }

        /** The samples, −1 to 1. */
        public float[] mono() {
            var pcm = ByteBuffer.wrap(wav, 44, wav.length - 44).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
            float[] mono = new float[pcm.remaining()];
            for (int i = 0; i < mono.length; i++) mono[i] = pcm.get(i) / 32768f;
            return mono;
        }

        /**
         * Each word's onset in seconds ({@code text}'s words split at white space): the first word
         * event inside it. A word espeak-ng does not voice (a lone dash) starts where the previous one does.
         */
        public double[] onsets(List<WordTiming.Token> tokens) {
            double[] starts = new double[tokens.size()];
            for (int t = 0; t < tokens.size(); t++) {
                starts[t] = Double.NaN;
                for (var e : words) {
                    if (e.start() < tokens.get(t).end() && e.start() + Math.max(1, e.length()) > tokens.get(t).start()) {
                        starts[t] = e.seconds();
                        break;
                    }
                }
                if (Double.isNaN(starts[t])) starts[t] = t == 0 ? 0 : starts[t - 1];
            }
            return starts;
        }

        /** The text's words at espeak-ng's own word events, each ending at its last voiced 10 ms. */
        public List<shortsmith.core.Story.Word> wordTimes(String text) {
            var tokens = WordTiming.tokens(text);
            return WordTiming.words(tokens, onsets(tokens), seconds(), WordTiming.voiced(mono(), sampleRate));
        }
    }

    /** A word event: the word's characters in the text ({@code start}, {@code length}, code points from 0) and its time. */
    public record WordStart(int start, int length, double seconds) {}

    private static final int AUDIO_OUTPUT_SYNCHRONOUS = 2, POS_CHARACTER = 1, CHARS_UTF8 = 1, ENDPAUSE = 0x1000;
    private static final int EVENT_LIST_TERMINATED = 0, EVENT_WORD = 1, EVENT_SIZE = 40, RATE = 1;

    private static final Object LOCK = new Object();
    private static MethodHandle synth, setVoice, setParameter;
    private static int sampleRate;
    /** What the callback gathers during one synthesis. */
    private static ByteArrayOutputStream samples;
    private static List<WordStart> events;

    private static void load() {
        if (synth != null) return;
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup("libespeak-ng.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            throw ShortsmithException.environment("libespeak-ng.so.1 is not installed: apt-get install espeak-ng (it brings libespeak-ng1)");
        }
        var initialize = linker.downcallHandle(lib.find("espeak_Initialize").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        var setCallback = linker.downcallHandle(lib.find("espeak_SetSynthCallback").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        synth = linker.downcallHandle(lib.find("espeak_Synth").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS));
        setVoice = linker.downcallHandle(lib.find("espeak_SetVoiceByName").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        setParameter = linker.downcallHandle(lib.find("espeak_SetParameter").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try {
            sampleRate = (int) initialize.invokeExact(AUDIO_OUTPUT_SYNCHRONOUS, 200, MemorySegment.NULL, 0);
            if (sampleRate <= 0) throw ShortsmithException.environment("espeak-ng could not start (no espeak-ng-data?): apt-get install espeak-ng");
            var callback = MethodHandles.lookup().findStatic(Espeak.class, "callback",
                    MethodType.methodType(int.class, MemorySegment.class, int.class, MemorySegment.class));
            var stub = linker.upcallStub(callback, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS), Arena.global());
            setCallback.invokeExact(stub);
        } catch (ShortsmithException e) {
            synth = null;
            throw e;
        } catch (Throwable t) {
            synth = null;
            throw new IllegalStateException("cannot start espeak-ng's library", t);
        }
    }

    /** Called by espeak-ng with each block of samples and the events that fall in it. */
    private static int callback(MemorySegment wav, int count, MemorySegment eventList) {
        if (!wav.equals(MemorySegment.NULL) && count > 0) {
            samples.writeBytes(wav.reinterpret(2L * count).toArray(ValueLayout.JAVA_BYTE));
        }
        if (!eventList.equals(MemorySegment.NULL)) {
            MemorySegment e = eventList.reinterpret(Long.MAX_VALUE);
            for (long at = 0; ; at += EVENT_SIZE) {
                int type = e.get(ValueLayout.JAVA_INT, at);
                if (type == EVENT_LIST_TERMINATED) break;
                if (type == EVENT_WORD) {
                    events.add(new WordStart(e.get(ValueLayout.JAVA_INT, at + 8) - 1, e.get(ValueLayout.JAVA_INT, at + 12),
                            e.get(ValueLayout.JAVA_INT, at + 16) / 1000.0));
                }
            }
        }
        return 0;
    }

    /** Speaks {@code text} with {@code voice} at {@code wordsPerMinute} (80–450). */
    public static Speech speak(String text, String voice, int wordsPerMinute) {
        synchronized (LOCK) {
            load();
            samples = new ByteArrayOutputStream();
            events = new ArrayList<>();
            try (var arena = Arena.ofConfined()) {
                int voiceError = (int) setVoice.invokeExact(arena.allocateFrom(voice));
                if (voiceError != 0) {
                    throw new ShortsmithException(ExitCode.BAD_INPUT, "espeak-ng has no voice '" + voice
                            + "'; set TTS_VOICE to one of `espeak-ng --voices`, or the story's language");
                }
                int ignored = (int) setParameter.invokeExact(RATE, Math.max(80, Math.min(450, wordsPerMinute)), 0);
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                MemorySegment buffer = arena.allocate(utf8.length + 1);
                buffer.copyFrom(MemorySegment.ofArray(utf8));
                int error = (int) synth.invokeExact(buffer, (long) utf8.length + 1, 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE,
                        MemorySegment.NULL, MemorySegment.NULL);
                if (error != 0) throw new ShortsmithException(ExitCode.FAILED, "espeak-ng could not speak the text (error " + error + ")");
                return new Speech(Wav.mono16(samples.toByteArray(), sampleRate), sampleRate, List.copyOf(events));
            } catch (ShortsmithException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("espeak-ng failed", t);
            }
        }
    }
}
