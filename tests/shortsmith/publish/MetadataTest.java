package shortsmith.publish;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** YouTube's metadata limits and defaults, where the sign-in is kept, and what a quota refusal says. */
class MetadataTest {
    static Metadata of(String youtubeJson, Metadata.Flags flags) throws Exception {
        return Metadata.of(youtubeJson == null ? null : Json.MAPPER.readTree(youtubeJson), "Una cometa roja", "es", flags);
    }

    static String refusal(String youtubeJson, Metadata.Flags flags) {
        var e = assertThrows(ShortsmithException.class, () -> of(youtubeJson, flags));
        assertEquals(ExitCode.USAGE, e.exitCode());
        return e.getMessage();
    }

    @Test
    void defaultsArePrivateDisclosedShortsInTheStorysLanguage() throws Exception {
        var r = of(null, Metadata.Flags.none()).resource();
        assertEquals(Map.of("title", "Una cometa roja", "description", "#Shorts", "defaultLanguage", "es", "defaultAudioLanguage", "es"), r.get("snippet"));
        assertEquals(Map.of("privacyStatus", "private", "selfDeclaredMadeForKids", false, "containsSyntheticMedia", true), r.get("status"));
    }

    @Test
    void flagsWinOverTheManifestsYoutubeObject() throws Exception {
        var flags = new Metadata.Flags("Otro título", null, null, null, "unlisted", null, true, false, null);
        var m = of("{\"title\": \"Del manifiesto\", \"privacy\": \"public\", \"tags\": [\"cometas\", \"viento fuerte\"], \"category\": \"education\"}", flags);
        assertEquals("Otro título", m.title());
        assertEquals("unlisted", m.privacy());
        assertTrue(m.madeForKids());
        assertFalse(m.syntheticMedia());
        assertEquals(List.of("cometas", "viento fuerte"), m.tags());
        assertEquals("27", m.categoryId());
    }

    @Test
    void theTitleIsAtMost100CharactersWithoutAngleBrackets() throws Exception {
        assertEquals("ñ".repeat(100), of("{\"title\": \"" + "ñ".repeat(100) + "\"}", Metadata.Flags.none()).title(), "100 characters, 200 bytes: allowed");
        assertTrue(refusal("{\"title\": \"" + "x".repeat(101) + "\"}", Metadata.Flags.none()).contains("title has 101 characters"));
        assertTrue(refusal("{\"title\": \"a <b>\"}", Metadata.Flags.none()).contains("title contains < or >"));
    }

    @Test
    void theDescriptionIsAtMost5000BytesInUtf8() throws Exception {
        of("{\"description\": \"" + "a".repeat(5000) + "\"}", Metadata.Flags.none());
        assertTrue(refusal("{\"description\": \"" + "ñ".repeat(2501) + "\"}", Metadata.Flags.none()).contains("5002 bytes"));
    }

    @Test
    void tagsCountCommasAndTheQuotesAroundATagWithASpace() throws Exception {
        // 50 tags of 9 characters: 450 + 49 commas = 499, allowed.
        var tags = Collections.nCopies(50, "\"abcdefghi\"");
        of("{\"tags\": " + tags + "}", Metadata.Flags.none());
        assertEquals(499, Metadata.tagsLength(Collections.nCopies(50, "abcdefghi")));
        // One of them with a space: 9 + 2 quotes → 501, refused.
        var spaced = new java.util.ArrayList<>(Collections.nCopies(49, "abcdefghi"));
        spaced.add("abcd efgh");
        assertEquals(501, Metadata.tagsLength(spaced));
        assertTrue(refusal(null, new Metadata.Flags(null, null, spaced, null, null, null, null, null, null)).contains("501 characters"));
    }

    @Test
    void aPublishTimeNeedsAPrivateVideoInTheFuture() throws Exception {
        var at = Instant.now().plus(Duration.ofDays(2));
        var m = of(null, new Metadata.Flags(null, null, null, null, null, at, null, null, null));
        assertEquals(at.toString(), ((Map<?, ?>) m.resource().get("status")).get("publishAt"));
        assertTrue(refusal(null, new Metadata.Flags(null, null, null, null, "public", at, null, null, null)).contains("privacy is public"));
        assertTrue(refusal("{\"privacy\": \"unlisted\", \"publish_at\": \"2099-01-01T10:00:00Z\"}", Metadata.Flags.none()).contains("privacy is unlisted"));
        assertTrue(refusal("{\"publish_at\": \"2001-01-01T10:00:00Z\"}", Metadata.Flags.none()).contains("not in the future"));
        assertTrue(refusal("{\"publish_at\": \"2099-01-01 10:00\"}", Metadata.Flags.none()).contains("ISO-8601"));
    }

    @Test
    void anUnknownFieldOrAWrongTypeIsNamed() throws Exception {
        assertTrue(refusal("{\"privacy_status\": \"public\"}", Metadata.Flags.none()).contains("unknown fields [privacy_status]"));
        assertTrue(refusal("{\"made_for_kids\": \"no\"}", Metadata.Flags.none()).contains("made_for_kids must be true or false"));
        assertTrue(refusal("{\"category\": \"cats\"}", Metadata.Flags.none()).contains("category \"cats\""));
    }

    @Test
    void theSignInIsKeptUnderXdgConfigHomeElseHomeNotUserHome() {
        assertEquals(Path.of("/x/shortsmith/youtube-token.json"), OAuth.tokenFile(Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.config/shortsmith/youtube-token.json"), OAuth.tokenFile(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.config/shortsmith/youtube-token.json"), OAuth.tokenFile(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/h")),
                "a relative XDG_CONFIG_HOME is ignored, as the XDG spec says");
    }

    @Test
    void aSignInOthersMayReadIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("youtube-token.json");
        Private.write(file, Json.write(new OAuth.SignIn("c", "1//refresh-abc", "s", "now")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("1//refresh-abc", OAuth.load(file).orElseThrow().refreshToken());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        var e = assertThrows(ShortsmithException.class, () -> OAuth.load(file));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        assertFalse(e.getMessage().contains("refresh-abc"));
    }

    @Test
    void aQuotaRefusalSaysWhichQuotaAndWhenItComesBack() {
        var la = ZoneId.of("America/Los_Angeles");
        var at = ZonedDateTime.of(2026, 12, 6, 20, 30, 0, 0, la).withZoneSameInstant(ZoneId.of("Europe/Madrid"));
        assertEquals("in 3 h 30 min (09:00 here)", Quota.untilReset(at));
        var videos = Quota.exceeded("videos.insert", "quotaExceeded");
        assertTrue(videos.getMessage().contains("videos.insert quota") && videos.getMessage().contains("midnight Pacific time"), videos.getMessage());
        assertTrue(videos.stopsUploads());
        var units = Quota.exceeded("captions.insert", "quotaExceeded");
        assertTrue(units.getMessage().contains("10,000 units") && units.getMessage().contains("400"), units.getMessage());
        assertFalse(units.stopsUploads(), "the units bucket does not stop uploads: videos.insert has its own");
    }
}
