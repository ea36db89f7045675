package shortsmith.video;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The articles, prepositions and conjunctions (and possessive determiners, which lean on the next
 * word just as hard) of a language: a caption line that ends on one leaves the reader hanging
 * ("cups waited for / the"). Lists for English, Spanish, French, Italian, Portuguese, German and
 * Catalan; for another language, a word of one or two letters is taken for one, which holds for
 * most languages written with spaces (Latin, Cyrillic, Greek).
 *
 * <pre>jshell> FunctionWords.endsOnOne("the", "en")</pre>
 */
public final class FunctionWords {
    private FunctionWords() {}

    private static Set<String> words(String list) { return Set.copyOf(java.util.Arrays.asList(list.trim().split("\\s+"))); }

    static final Map<String, Set<String>> LISTS = Map.of(
            "en", words("""
                    a an the
                    about above across after against along amid among around as at before behind below beneath beside besides between
                    beyond by despite down during except for from in inside into like near of off on onto out outside over past per
                    since than through throughout till to toward towards under underneath unlike until up upon via with within without
                    and but or nor so yet because although though if unless while whereas whether that
                    my your his its our their this these those every each"""),
            "es", words("""
                    el la los las un una unos unas lo al del
                    a ante bajo cabe con contra de desde durante en entre hacia hasta mediante para por según sin so sobre tras
                    y e o u ni que pero mas sino porque pues aunque si como cuando mientras donde
                    mi mis tu tus su sus nuestro nuestra nuestros nuestras vuestro vuestra vuestros vuestras este esta estos estas ese esa esos esas cada"""),
            "fr", words("""
                    le la les l' un une des du au aux
                    à de d' en dans par pour sur sous avec sans chez vers entre contre depuis pendant avant après derrière devant parmi selon envers
                    et ou mais donc or ni car que qu' si comme quand lorsque puisque
                    mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ce cet cette ces chaque"""),
            "it", words("""
                    il lo la i gli le l' un uno una un'
                    di a da in con su per tra fra del dello della dei degli delle al allo alla ai agli alle dal dallo dalla dai dagli dalle
                    nel nello nella nei negli nelle sul sullo sulla sui sugli sulle col coi verso senza sopra sotto dopo prima contro durante
                    e ed o od ma che se come perché quando né però mentre
                    mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra nostri nostre vostro vostra vostri vostre questo questa questi queste quel quella quei quelle ogni"""),
            "pt", words("""
                    o a os as um uma uns umas
                    de do da dos das em no na nos nas por pelo pela pelos pelas para com sem sob sobre entre até desde ao aos à às num numa
                    durante contra perante após ante
                    e ou mas que se como porque quando nem pois embora enquanto
                    meu minha meus minhas teu tua teus tuas seu sua seus suas nosso nossa nossos nossas este esta estes estas esse essa esses essas cada"""),
            "de", words("""
                    der die das den dem des ein eine einen einem einer eines
                    an am auf aus bei beim bis durch für gegen hinter in im ins mit nach neben ohne seit über um unter von vom vor zu zum zur
                    zwischen während wegen trotz gegenüber entlang
                    und oder aber denn sondern dass ob weil wenn als wie sowie damit obwohl
                    mein meine meinen meinem meiner dein deine sein seine seinen seinem seiner ihr ihre ihren ihrem ihrer unser unsere euer eure
                    dieser diese dieses diesen diesem jeder jede jedes"""),
            "ca", words("""
                    el la els les l' un una uns unes es sa ses
                    a al als de d' del dels en amb per pel pels sense sobre sota cap fins des entre contra durant cap
                    i o però que si com quan ni perquè mentre
                    meu meva meus meves teu teva seu seva seus seves nostre nostra nostres aquest aquesta aquests aquestes cada"""));

    /** Scripts written with spaces between words, where a one- or two-letter word is most likely a function word. */
    private static final Set<Character.UnicodeScript> SPACED = Set.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.CYRILLIC,
            Character.UnicodeScript.GREEK);

    /** Whether {@code language} (a BCP-47 tag: {@code es}, {@code pt-BR}) has its own list here. */
    public static boolean hasList(String language) { return LISTS.containsKey(primary(language)); }

    /**
     * Whether a chunk or a line that ends with {@code word} ends on a function word of
     * {@code language}. A word followed by punctuation ends its phrase, so it never does.
     */
    public static boolean endsOnOne(String word, String language) {
        String w = word.strip();
        // Closing quotes and brackets after the word do not end a phrase; a comma or a full stop does.
        String bare = w.replaceAll("[\"'»”’)\\]]+$", "");
        if (bare.isEmpty() || bare.matches(".*[.,;:!?…—–]$")) return false;
        bare = bare.replaceAll("^[\"'«“‘(\\[¿¡]+", "").toLowerCase(Locale.ROOT);
        bare = Normalizer.normalize(bare, Normalizer.Form.NFC).replace('’', '\'');
        if (bare.isEmpty()) return false;
        var list = LISTS.get(primary(language));
        if (list != null) return list.contains(bare);
        return bare.codePointCount(0, bare.length()) <= 2 && bare.codePoints().allMatch(cp -> Character.isLetter(cp) && SPACED.contains(Character.UnicodeScript.of(cp)));
    }

    private static String primary(String language) {
        if (language == null) return "";
        return language.toLowerCase(Locale.ROOT).split("[-_]")[0];
    }
}
