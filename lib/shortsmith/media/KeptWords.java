package shortsmith.media;

import shortsmith.core.Json;
import shortsmith.core.Story;
import shortsmith.core.WorkDir;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A scene's word times as kept in the work folder ({@code audio/ID.words.json}): where they came
 * from, and the narration (its SHA-256) and text they belong to, so a narration that did not change
 * keeps its timings and one that did is timed again.
 *
 * <pre>jshell> KeptWords.read(work.audio().resolve("s1.words.json"), Path.of("s1.wav"), "Hola.")</pre>
 */
public record KeptWords(Story.Timing timing, String audioSha256, String text, List<Story.Word> words, String note) {

    /** Where scene {@code sceneId}'s word times are kept. */
    public static Path fileOf(WorkDir work, String sceneId) { return work.audio().resolve(sceneId + ".words.json"); }

    /** The word times for {@code text} spoken in {@code audio} as {@code timing}. */
    public static KeptWords of(Story.Timing timing, Path audio, String text, List<Story.Word> words) {
        return new KeptWords(timing, sha256(audio), text, List.copyOf(words), null);
    }

    /**
     * Times {@code text} in {@code audio} with {@code aligner}, or, when that fails, estimates them
     * (and {@code note} says why); keeps the result in {@code file} so the narration is not timed again.
     */
    public static KeptWords time(Path file, Path audio, Narration narration, String text, String language, WordAligner aligner)
            throws InterruptedException {
        var aligned = aligner.align(audio, narration, text, language);
        KeptWords kept = aligned.ok()
                ? of(Story.Timing.ALIGNED, audio, text, aligned.words())
                : new KeptWords(Story.Timing.ESTIMATED, sha256(audio), text, WordTiming.estimate(text, narration.speechSpan()),
                        "captions estimated: " + aligned.problem());
        kept.write(file);
        return kept;
    }

    /** The largest kept file read (8 MiB; a Short's word times take a few kB): anything larger is not one of ours. */
    static final long MAX_BYTES = 8L << 20;

    /**
     * The kept times when they belong to this {@code audio} and {@code text} and every one is usable
     * ({@link Story.Word#problem}); empty when the file is absent, unreadable, damaged (a null word,
     * a time missing, not a number, negative or reversed), too large, or for another narration:
     * the words are then timed again.
     */
    public static Optional<KeptWords> read(Path file, Path audio, String text) {
        if (!Files.isRegularFile(file) || audio == null || !Files.isRegularFile(audio)) return Optional.empty();
        try {
            if (Files.size(file) > MAX_BYTES) return Optional.empty();
            JsonNode node = Json.MAPPER.readTree(file.toFile());
            var kept = node == null || !node.isObject() ? null : Json.MAPPER.treeToValue(node, KeptWords.class);
            if (kept == null || kept.words() == null || kept.timing() == null || !text.equals(kept.text()) || Story.Word.problemOf(kept.words()) != null
                    || !sha256(audio).equals(kept.audioSha256())) {
                return Optional.empty();
            }
            return Optional.of(kept);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();   // an older or damaged file: the words are timed again
        }
    }

    /** Writes the file under a temporary name, then renames it. */
    public void write(Path file) { WorkDir.writeAtomically(file, Json.write(this)); }

    static String sha256(Path file) {
        try (var in = Files.newInputStream(file)) {
            var digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unreadable";
        }
    }
}
