package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Espeak;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.WordTiming;
import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The caption figures ({@link CaptionReport}) on the stories the issue names: both demos as
 * {@code short --demo} narrates them (espeak-ng's own word events at 175 words a minute), the
 * benchmark's scene set (the Spanish demo spoken by espeak-ng at 160, words estimated from the
 * speech span, at 768×1344 and 25 fps), and three stories written for this test and never tuned on.
 */
class CaptionFiguresTest {

    /** Stories written for this measurement only: nothing in the chunker was adjusted to them. */
    static final Map<String, List<String>> UNTUNED = Map.of(
            "en", List.of("Marta has worked the night shift at the bakery for eleven years, and she still loves the smell of the first loaf.",
                    "At three in the morning the city is quiet. A taxi passes, a cat crosses the street, and the ovens hum.",
                    "She shapes the dough by hand, because the machine never gets it right. Her regulars say they can taste the difference.",
                    "When the sun comes up, the shelves are full and the door opens. Then she goes home and sleeps until noon."),
            "de", List.of("Am Ende der Halbinsel steht ein alter Leuchtturm, den seit zwanzig Jahren niemand mehr betreten hat.",
                    "Die Kinder aus dem Dorf erzählen sich Geschichten über ein Licht, das in stürmischen Nächten plötzlich wieder brennt.",
                    "Eines Abends nahm Jonas seine Taschenlampe und ging allein über die Felsen bis zur verrosteten Tür.",
                    "Drinnen fand er keinen Geist, sondern eine Katze, die ihn mit großen gelben Augen ansah."),
            "pt", List.of("Todos os domingos, a praça da cidade se enche de barracas coloridas e de vozes que anunciam frutas frescas.",
                    "O senhor Antônio vende queijos há mais de trinta anos e conhece cada cliente pelo nome.",
                    "Quando começa a chover, todos correm para debaixo das lonas, rindo e segurando as sacolas.",
                    "No fim da tarde, a praça fica vazia outra vez, mas o cheiro de pão e de café ainda está no ar."));

    /** A story narrated by espeak-ng's library as {@code tts} does, each scene with its word events and its clip's length. */
    static Story narrated(String title, String language, List<String> texts, Settings settings) {
        List<Story.Scene> scenes = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            var speech = Espeak.speak(texts.get(i), language, 175);
            scenes.add(scene("s" + (i + 1), texts.get(i), speech.wordTimes(texts.get(i)), speech.seconds(), settings));
        }
        return new Story(title, language, null, null, null, scenes);
    }

    private static Story.Scene scene(String id, String text, List<Story.Word> words, double narration, Settings settings) {
        int fps = settings.video().fps();
        double clip = Math.ceil((narration + settings.clips().tail()) * fps - 1e-6) / fps;
        return new Story.Scene(id, text, null, null, null, null, words, null, null).withVideo("clip.mp4", clip);
    }

    static Story demo(String language) {
        return Story.read(TestSupport.repo().resolve("examples/demo-" + language + "/story.json"));
    }

    private static CaptionReport measured(String name, Story story, Settings settings) {
        var r = CaptionReport.measure(story, settings);
        System.out.println("  " + name + ": " + r);
        assertEquals(0, r.untimedScenes(), name);
        assertEquals(0, r.orphanLines(), name + ": " + r);
        assertEquals(0, r.neverLit(), name + ": " + r);
        assertEquals(0, r.splitWords(), name + ": " + r);
        assertEquals(0, r.shortCues(), name + ": " + r);
        assertTrue(r.longestCueLine() <= Subtitles.MAX_LINE, name + ": " + r);
        assertTrue(r.twoLineChunks() > 0 && r.chunks() < r.words() / 2, name + ": chunks hold several words: " + r);
        return r;
    }

    @Test
    void bothDemosHaveNoOrphanLineNoUnlitWordAndNoChunkEndingOnAFunctionWord() {
        var settings = Settings.defaults();
        for (String language : List.of("en", "es")) {
            var demo = demo(language);
            var story = narrated(demo.title(), language, demo.scenes().stream().map(Story.Scene::text).toList(), settings);
            var r = measured("demo-" + language, story, settings);
            assertEquals(0, r.functionWordEnds(), r.toString());
            assertTrue(r.fastCues() <= 2 && r.fastestCharsPerSecond() <= 21, r.toString());
        }
    }

    @Test
    void theBenchmarksScenesToo(@TempDir Path tmp) {
        // As Benchmark.scenes and captionsFor make them: espeak-ng at 160 words a minute, words estimated from the speech span.
        var settings = Settings.of(Map.of("VIDEO_SIZE", "768x1344", "VIDEO_FPS", "25"));
        var ffmpeg = Ffmpeg.locate(settings);
        var demo = demo("es");
        List<Story.Scene> scenes = new ArrayList<>();
        for (var s : demo.scenes()) {
            Path wav = tmp.resolve(s.id() + ".wav");
            var r = Proc.run(List.of("espeak-ng", "-v", "es", "-s", "160", "-w", wav.toString(), s.text()), Duration.ofSeconds(60));
            assertTrue(r.ok(), r.stderr());
            var narration = Narration.load(ffmpeg, wav);
            scenes.add(scene(s.id(), s.text(), WordTiming.estimate(s.text(), narration.speechSpan()), narration.duration(), settings));
        }
        var r = measured("benchmark", new Story("benchmark", "es", null, null, null, scenes), settings);
        assertEquals(0, r.functionWordEnds(), r.toString());
    }

    @Test
    void storiesNobodyTunedOn() {
        var settings = Settings.defaults();
        for (var e : UNTUNED.entrySet()) measured("untuned-" + e.getKey(), narrated("untuned", e.getKey(), e.getValue(), settings), settings);
    }
}
