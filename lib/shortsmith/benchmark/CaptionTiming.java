package shortsmith.benchmark;

import shortsmith.core.Settings;
import shortsmith.core.Story;
import shortsmith.media.Aligner;
import shortsmith.media.Espeak;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;
import shortsmith.media.Proc;
import shortsmith.media.WordTiming;
import shortsmith.video.Captions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * How far the highlighted caption word is from the spoken one. The narration comes from Festival,
 * an independent synthesizer that reports where each word starts (not espeak-ng, which the aligner
 * uses as its reference), in English and Italian, at two paces; the estimate (syllables over the
 * speech span) and the offline aligner are measured side by side on the same words. A third row
 * checks espeak-ng's own narration: how far each karaoke highlight is from its word event.
 */
public final class CaptionTiming {
    private CaptionTiming() {}

    /** Onset errors over every word of the set: median, 90th percentile, worst, and the share within 100 ms. */
    public record Row(String narration, String method, int words, double medianMs, double p90Ms, double maxMs, double within100) {}

    /** Sentences none of the aligner's tuning used. */
    static final List<String> ENGLISH = List.of(
            "The lighthouse keeper wrote one line in his diary every night, even when nothing happened.",
            "At the edge of the forest, a fox stopped, listened, and slipped back into the trees.",
            "Three hundred people waited outside the theatre, but the doors never opened.",
            "My grandmother kept every letter in a tin box under her bed.",
            "The river froze so hard that winter that the children skated all the way to town.",
            "Nobody noticed the clock had stopped until the guests began to leave.",
            "He climbed the stairs slowly, counting each step, and knocked twice.",
            "When the rain finally stopped, the whole valley smelled of wet stone.");
    static final List<String> ITALIAN = List.of(
            "Il guardiano del faro scriveva una riga nel diario ogni sera, anche quando non succedeva niente.",
            "Al margine del bosco, una volpe si fermò, ascoltò, e tornò tra gli alberi.",
            "Trecento persone aspettavano davanti al teatro, ma le porte non si aprirono mai.",
            "Mia nonna teneva tutte le lettere in una scatola sotto il letto.",
            "Quell'inverno il fiume gelò così tanto che i bambini pattinarono fino al paese.",
            "Nessuno si accorse che l'orologio si era fermato finché gli ospiti non partirono.",
            "Salì le scale lentamente, contando ogni gradino, e bussò due volte.",
            "Quando la pioggia finalmente smise, tutta la valle profumava di pietra bagnata.");

    /** The packages Festival and the voices need, for the message when they are missing. */
    public static final String INSTALL = "apt-get install festival festvox-kallpc16k festvox-itapc16k";

    /** Whether Festival with both voices is installed. */
    public static boolean festivalAvailable() {
        return Files.isDirectory(Path.of("/usr/share/festival/voices/english/kal_diphone"))
                && Files.isDirectory(Path.of("/usr/share/festival/voices/italian/pc_diphone"))
                && Proc.run(List.of("festival", "--version"), Duration.ofSeconds(20)).ok();
    }

    public static List<Row> measure(Ffmpeg ffmpeg, Settings settings, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Row> rows = new ArrayList<>();
        for (var set : List.of(new Set("English (Festival kal)", "en", "(voice_kal_diphone)", ENGLISH),
                new Set("Italian (Festival pc, lp)", "it", null, ITALIAN))) {
            List<Double> estimate = new ArrayList<>(), aligned = new ArrayList<>();
            int n = 0;
            for (String text : set.sentences()) {
                for (double stretch : new double[] {1.0, 1.25}) {
                    String voice = set.voice() != null ? set.voice() : n % 2 == 0 ? "(voice_pc_diphone)" : "(voice_lp_diphone)";
                    var reference = festival(text, voice, stretch, dir.resolve("festival-" + set.language() + "-" + n++ + ".wav"));
                    var narration = Narration.load(ffmpeg, reference.wav());
                    var words = WordTiming.tokens(text);
                    if (reference.onsets().size() != words.size()) continue;   // Festival split a word its own way: not comparable
                    var guessed = WordTiming.estimate(text, narration.speechSpan());
                    var result = Aligner.align(narration, text, set.language());
                    for (int i = 0; i < words.size(); i++) {
                        double truth = reference.onsets().get(i);
                        estimate.add(Math.abs(guessed.get(i).start() - truth) * 1000);
                        // A narration the aligner refuses is captioned by the estimate: that is what the user sees.
                        aligned.add(Math.abs((result.ok() ? result.words() : guessed).get(i).start() - truth) * 1000);
                    }
                }
            }
            rows.add(row(set.name(), "estimate (syllables over the speech span)", estimate));
            rows.add(row(set.name(), "aligned (espeak-ng reference, MFCC, DTW)", aligned));
        }
        rows.add(engineRow(settings));
        return rows;
    }

    private record Set(String name, String language, String voice, List<String> sentences) {}

    record Reference(Path wav, List<Double> onsets) {}

    /** Festival speaks {@code text} to {@code wav} and says where each word starts. */
    static Reference festival(String text, String voice, double stretch, Path wav) throws IOException {
        Path script = Files.createTempFile("festival", ".scm");
        try {
            String scm = voice + "\n(Parameter.set 'Duration_Stretch " + stretch + ")\n"
                    + "(set! utt (utt.synth (eval (list 'Utterance 'Text \"" + text.replace("\"", "") + "\"))))\n"
                    + "(utt.save.wave utt \"" + wav.toAbsolutePath() + "\" 'riff)\n"
                    + "(mapcar (lambda (w) (format t \"%f\\n\" (item.feat w \"word_start\"))) (utt.relation.items utt 'Word))\n";
            // Festival reads Latin-1.
            Files.write(script, scm.getBytes(StandardCharsets.ISO_8859_1));
            var r = Proc.run(List.of("festival", "--batch", script.toString()), Duration.ofMinutes(2));
            if (!r.ok() || !Files.isRegularFile(wav)) throw new IOException("festival failed: " + r.stderr());
            List<Double> onsets = new ArrayList<>();
            for (String line : r.stdout().strip().split("\n")) onsets.add(Double.parseDouble(line.strip()));
            return new Reference(wav, onsets);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** espeak-ng's own narration: the karaoke highlight of each word against its word event, at the Short's frame rate. */
    static Row engineRow(Settings settings) {
        var font = Captions.font(settings.clips().captionFont());
        List<Double> errors = new ArrayList<>();
        for (String text : List.of(ENGLISH.get(0), ENGLISH.get(1), ITALIAN.get(0), ITALIAN.get(1))) {
            String language = ENGLISH.contains(text) ? "en" : "it";
            var speech = Espeak.speak(text, language, 175);
            List<Story.Word> words = speech.wordTimes(text);
            var spec = new Captions.Spec(Settings.CaptionStyle.KARAOKE, settings.captions(), language, settings.video().size(), settings.video().fps(), font);
            String ass = Captions.ass(words, spec, speech.seconds() + 0.5, null);
            List<Double> starts = ass.lines().filter(l -> l.startsWith("Dialogue")).map(l -> seconds(l.split(",")[1])).toList();
            double[] events = speech.onsets(WordTiming.tokens(text));
            for (double e : events) errors.add(starts.stream().mapToDouble(s -> Math.abs(s - e) * 1000).min().orElse(Double.NaN));
        }
        return row("espeak-ng (its own word events)", "engine: karaoke highlight against the event", errors);
    }

    private static double seconds(String assTime) {
        String[] p = assTime.split(":");
        return Integer.parseInt(p[0]) * 3600 + Integer.parseInt(p[1]) * 60 + Double.parseDouble(p[2]);
    }

    static Row row(String narration, String method, List<Double> errors) {
        var sorted = new ArrayList<>(errors);
        Collections.sort(sorted);
        double within = sorted.stream().filter(e -> e <= 100).count() / (double) sorted.size();
        return new Row(narration, method, sorted.size(), sorted.get(sorted.size() / 2), sorted.get((int) Math.floor(0.9 * (sorted.size() - 1))),
                sorted.getLast(), within);
    }
}
