package shortsmith.media;

import shortsmith.core.Story;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WordMatchTest {

    @Test
    void punctuationSplitWordsAndSlipsCostOnlyWhereTheyAre() {
        var timed = List.of(new WordMatch.Timed("Hola", 0.10, 0.40), new WordMatch.Timed(",", 0.40, 0.40), new WordMatch.Timed("que", 0.55, 0.70),
                new WordMatch.Timed("tall", 0.70, 1.00), new WordMatch.Timed("a", 1.20, 1.25), new WordMatch.Timed("donde", 1.25, 1.60));
        var m = WordMatch.onto("¡Hola, ¿qué tal? ¿Adónde?", timed);
        assertEquals(List.of("¡Hola,", "¿qué", "tal?", "¿Adónde?"), m.words().stream().map(Story.Word::word).toList());
        assertEquals(List.of(0.10, 0.55, 0.70, 1.20), m.words().stream().map(Story.Word::start).toList());
        assertEquals(1.0, m.agreement(), 1e-9, "every script letter found (accents folded, the extra l costs the speech, not the script)");
    }

    @Test
    void aNumberReadOutAsWordsSitsBetweenItsNeighboursAndOtherSpeechAgreesLittle() {
        var timed = List.of(new WordMatch.Timed("en", 0.0, 0.2), new WordMatch.Timed("mil", 0.3, 0.5), new WordMatch.Timed("novecientos", 0.5, 1.1),
                new WordMatch.Timed("llegó", 1.4, 1.8));
        var m = WordMatch.onto("En 1999 llegó.", timed);
        assertEquals(0.0, m.words().get(0).start());
        double number = m.words().get(1).start();
        assertTrue(number >= 0.2 && number <= 0.5, "1999 is placed where the number is read: " + m.words());
        assertEquals(1.4, m.words().get(2).start());

        var unrelated = WordMatch.onto("Mañana lloverá en la costa.", List.of(new WordMatch.Timed("the", 0, 0.2), new WordMatch.Timed("cat", 0.2, 0.5)));
        assertTrue(unrelated.agreement() < 0.3, "agreement " + unrelated.agreement());
    }
    @Test
    void aServicesTimesThatCannotBeRealTimeNothing() {
        var timed = new java.util.ArrayList<>(List.of(new WordMatch.Timed("Hola", 0.10, 0.40), new WordMatch.Timed("mundo", Double.NaN, 0.9),
                new WordMatch.Timed("mundo", -3, 0.9), new WordMatch.Timed("mundo", 0.9, 0.5), new WordMatch.Timed("mundo", 0.5, 0.9)));
        timed.add(1, null);
        var m = WordMatch.onto("Hola mundo.", timed);
        assertEquals(List.of(new Story.Word("Hola", 0.10, 0.40), new Story.Word("mundo.", 0.5, 0.9)), m.words());
        var none = WordMatch.onto("Hola.", List.of(new WordMatch.Timed("Hola", Double.NaN, Double.NaN)));
        assertNull(none.words(), "nothing usable: no times, so the words are timed otherwise");
    }
}
