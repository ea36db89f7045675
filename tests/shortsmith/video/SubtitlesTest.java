package shortsmith.video;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.WordTiming;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The subtitle files: cues made for reading (whole words, one line, long enough, not too fast), the same text in SRT and WebVTT. */
class SubtitlesTest {

    private static List<String> tokens(List<Subtitles.Cue> cues) {
        List<String> out = new ArrayList<>();
        for (var c : cues) for (String line : c.lines()) out.addAll(List.of(line.strip().split("\\s+")));
        return out;
    }

    @Test
    void aCueNeverSplitsAWord() {
        // Too wide for a burned-in line even at the smallest size, this word was hyphenated into two cues.
        var words = WordTiming.estimate("Der Donaudampfschifffahrtsgesellschaftskapitänsmützenhersteller kam heute früh in den Hafen.",
                new Narration.SpeechSpan(0.1, 4.5));
        var cues = Subtitles.cues(List.of(new Subtitles.Scene(0, 5, words)), "de");
        assertEquals(words.stream().map(Story.Word::word).toList(), tokens(cues), "every word whole, in order: " + cues);
        for (var c : cues) {
            assertEquals(1, c.lines().size(), "one line: " + c);
            assertTrue(c.lines().getFirst().length() <= Subtitles.MAX_LINE || !c.lines().getFirst().contains(" "),
                    "a cue longer than " + Subtitles.MAX_LINE + " characters holds one word: " + c);
        }
    }

    @Test
    void aCueStaysLongEnoughToReadWhereTheSpeechAllows() {
        // A short word before a long silence used to leave after 0.6 s.
        var words = List.of(new Story.Word("Hi.", 0.0, 0.2), new Story.Word("Bye", 1.7, 1.9), new Story.Word("now.", 1.9, 2.2));
        var cues = Subtitles.cues(List.of(new Subtitles.Scene(0, 3, words)), "en");
        assertEquals(List.of("Hi."), cues.getFirst().lines());
        assertTrue(cues.getFirst().end() - cues.getFirst().start() >= Subtitles.MIN_DURATION - 1e-9, cues.toString());
        assertTrue(cues.getFirst().end() <= 1.7, "and gone before the next words: " + cues);
    }

    @Test
    void cuesAreOneLineOfWholeWordsReadAtMostTwentyCharactersASecondInSyncWithTheWords() {
        var first = CaptionsTest.FAIR;
        var second = WordTiming.estimate("When night came, the kite was still there, calm, among the first stars. And Lucy smiled, because "
                + "tomorrow she would fly it again over the lake with her grandfather.", new Narration.SpeechSpan(0.2, 9.0));
        var scenes = List.of(new Subtitles.Scene(0, 6.8, first), new Subtitles.Scene(6.8, 9.6, second));
        var cues = Subtitles.cues(scenes, "en");
        List<String> all = new ArrayList<>(first.stream().map(Story.Word::word).toList());
        second.forEach(w -> all.add(w.word()));
        assertEquals(all, tokens(cues));
        int k = 0;
        for (int i = 0; i < cues.size(); i++) {
            var c = cues.get(i);
            String text = c.lines().getFirst();
            assertEquals(1, c.lines().size());
            assertTrue(text.length() <= Subtitles.MAX_LINE, c.toString());
            double d = c.end() - c.start();
            assertTrue(d >= Subtitles.MIN_DURATION - 1e-9, "long enough: " + c);
            assertTrue(text.length() / d <= Subtitles.MAX_CPS + 1.0, "readable: " + text.length() / d + " characters a second: " + c);
            // In sync: from its first word's onset until at least its last word's end, on the Short's timeline.
            int n = text.split(" ").length;
            var firstWord = k < first.size() ? first.get(k) : second.get(k - first.size());
            double offset = k < first.size() ? 0 : 6.8;
            int last = k + n - 1;
            var lastWord = last < first.size() ? first.get(last) : second.get(last - first.size());
            double lastOffset = last < first.size() ? 0 : 6.8;
            assertEquals(offset + firstWord.start(), c.start(), 1e-6, c.toString());
            assertTrue(c.end() >= lastOffset + lastWord.end() - 1e-6, c.toString());
            if (i + 1 < cues.size()) assertTrue(c.end() <= cues.get(i + 1).start() + 1e-9, "no overlap: " + c + " " + cues.get(i + 1));
            k += n;
        }
        assertTrue(cues.stream().anyMatch(c -> c.lines().getFirst().length() > 30), "lines are filled, not the burned-in breaks: " + cues);
    }

    @Test
    void srtAndVttSayTheSameText(@TempDir Path tmp) throws Exception {
        // The SRT turned the story's <i> into italics while the VTT showed it as written.
        String text = "<i>Tom</i> & <b>Jerry</b> say &amp; a<b <3 <font color=red>x</font>";
        var cues = List.of(new Subtitles.Cue(1.2345, 62.5, List.of(text)), new Subtitles.Cue(63, 64, List.of("¿sí?")));
        Files.writeString(tmp.resolve("a.srt"), Subtitles.srt(cues));
        Files.writeString(tmp.resolve("a.vtt"), Subtitles.vtt(cues));
        assertTrue(Subtitles.srt(cues).startsWith("1\n00:00:01,235 --> 00:01:02,500\n"), Subtitles.srt(cues));
        assertTrue(Subtitles.vtt(cues).startsWith("WEBVTT\n\n00:00:01.235 --> 00:01:02.500\n&lt;i&gt;Tom&lt;/i&gt; &amp; "), Subtitles.vtt(cues));
        // As a player reads them: ffmpeg decodes both to ASS; the text must be the story's, literally, in both.
        var ffmpeg = Ffmpeg.locate(Settings.defaults());
        List<String> decoded = new ArrayList<>();
        for (String f : List.of("a.srt", "a.vtt")) {
            var r = Proc.run(List.of(ffmpeg.ffmpeg().toString(), "-v", "error", "-y", "-i", f, f + ".ass"), tmp, Duration.ofSeconds(30));
            assertTrue(r.ok(), r.stderr());
            String line = Files.readAllLines(tmp.resolve(f + ".ass")).stream().filter(l -> l.startsWith("Dialogue:")).findFirst().orElseThrow();
            decoded.add(line.substring(line.indexOf(",,0,0,0,,") + 9).replace("\u2060", "").strip());
        }
        assertEquals(decoded.get(1), decoded.get(0), "SRT and VTT read alike");
        assertEquals(text, decoded.get(0), "and as the story wrote it, no markup");
    }
}
