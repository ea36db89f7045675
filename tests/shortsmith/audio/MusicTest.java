package shortsmith.audio;

import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.media.Ffmpeg;
import shortsmith.media.Narration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Music from a folder (one track per story, stable, spread over a batch) and the demo pad that loops without a click. */
class MusicTest {
    static final Ffmpeg FFMPEG = Ffmpeg.locate(Settings.defaults());

    @Test
    void theDemoPadLoopsWithoutAClick(@TempDir Path dir) {
        Path pad = Soundtrack.demoMusic(FFMPEG, dir.resolve("pad.wav"));
        float[] x = Narration.load(FFMPEG, pad).mono();
        // A click is a kink: the second difference jumps far above what the music itself does.
        double[] d2 = new double[x.length - 2];
        for (int i = 1; i + 1 < x.length; i++) d2[i - 1] = Math.abs(x[i + 1] - 2 * x[i] + x[i - 1]);
        double[] sorted = d2.clone();
        Arrays.sort(sorted);
        double typical = sorted[(int) (0.999 * (sorted.length - 1))];
        int n = x.length;
        double atLoop = Math.max(Math.abs(x[1] - 2 * x[0] + x[n - 1]), Math.abs(x[0] - 2 * x[n - 1] + x[n - 2]));
        assertTrue(atLoop <= 2 * typical, "the loop point's kink " + atLoop + " against the pad's own 99.9th percentile " + typical);
        double worst = sorted[sorted.length - 1];
        assertTrue(worst <= 3 * typical, "no click anywhere in the pad (chord changes included): worst " + worst + ", typical " + typical);
        // And the jump itself is one the music makes anyway.
        double step = Math.abs(x[0] - x[n - 1]), steepest = 0;
        for (int i = 1; i < n; i++) steepest = Math.max(steepest, Math.abs(x[i] - x[i - 1]));
        assertTrue(step <= steepest, "the loop's step " + step + " against the steepest inside " + steepest);
        assertEquals(0, x.length % (Soundtrack.PAD_PERIOD * 48_000), "whole periods: " + x.length);
    }

    static Path folder(Path dir, String... names) throws Exception {
        Files.createDirectories(dir);
        for (String name : names) Files.write(dir.resolve(name), new byte[] {0});
        return dir;
    }

    @Test
    void aFolderGivesEachStoryItsOwnTrackTheSameEveryTimeAndWherever(@TempDir Path dir) throws Exception {
        Path music = folder(dir.resolve("music"), "a.mp3", "b.m4a", "c.wav", "d.flac", "e.ogg", "notes.txt", ".hidden.mp3");
        var tracks = MusicFolder.of(music);
        assertEquals(List.of("a.mp3", "b.m4a", "c.wav", "d.flac", "e.ogg"), tracks.tracks().stream().map(p -> p.getFileName().toString()).toList());
        Path first = tracks.pick("Lucy's kite");
        assertEquals(first, MusicFolder.of(music).pick("Lucy's kite"), "stable for a story");
        // The same folder elsewhere: the same file name.
        Path moved = folder(dir.resolve("elsewhere/music"), "e.ogg", "d.flac", "c.wav", "b.m4a", "a.mp3");
        assertEquals(first.getFileName(), MusicFolder.of(moved).pick("Lucy's kite").getFileName());
        // Different stories land on different tracks often enough: 40 titles over 5 tracks use all 5.
        var used = new HashSet<Path>();
        for (int i = 0; i < 40; i++) used.add(tracks.pick("story " + i));
        assertEquals(5, used.size(), used.toString());
        // Adding a track moves only the stories that now prefer it.
        Files.write(music.resolve("f.mp3"), new byte[] {0});
        var grown = MusicFolder.of(music);
        for (int i = 0; i < 40; i++) {
            Path before = tracks.pick("story " + i), after = grown.pick("story " + i);
            assertTrue(after.equals(before) || after.getFileName().toString().equals("f.mp3"), "story " + i + ": " + before + " → " + after);
        }
    }

    @Test
    void aBatchSpreadsItsStoriesOverTheTracksAndRepeatsOnlyWhenAllAreUsed(@TempDir Path dir) throws Exception {
        Path music = folder(dir.resolve("music"), "a.mp3", "b.mp3", "c.mp3");
        var tracks = MusicFolder.of(music);
        // Find three titles whose own first choices collide, the case hashing alone gets wrong.
        List<String> titles = new ArrayList<>();
        Path target = tracks.pick("story 0");
        for (int i = 0; titles.size() < 3; i++) if (tracks.pick("story " + i).equals(target)) titles.add("story " + i);
        var picks = tracks.pick(titles);
        assertEquals(3, new HashSet<>(picks).size(), "three stories, three tracks: " + picks);
        assertEquals(target, picks.getFirst(), "the first story keeps its own choice");
        assertEquals(picks, tracks.pick(titles), "the same batch, the same music");
        var six = tracks.pick(List.of("s1", "s2", "s3", "s4", "s5", "s6"));
        assertEquals(3, new HashSet<>(six.subList(0, 3)).size());
        assertEquals(3, new HashSet<>(six.subList(3, 6)).size(), "a second round uses every track again: " + six);
    }

    static Story story(String title, String music) {
        return new Story(title, "en", music, null, null, List.of(new Story.Scene("s1", "Hello.", "p", null, null, null, null, null, null)));
    }

    @Test
    void musicDirChoosesAStableTrackPerStoryAndDifferentOnesAcrossABatch(@TempDir Path dir) throws Exception {
        Path music = folder(dir.resolve("music"), "calm.mp3", "bright.mp3", "slow.mp3", "warm.mp3");
        var settings = Settings.of(Map.of("MUSIC", music.toString()));
        Path alone = Merge.musicFor(story("Lucy's kite", null), settings, null, false);
        assertTrue(Files.isRegularFile(alone) && alone.getParent().equals(music.toAbsolutePath()), alone.toString());
        assertEquals(alone, Merge.musicFor(story("Lucy's kite", null), settings, null, false));
        assertEquals(MusicFolder.of(music).pick("Lucy's kite"), alone);
        // --music DIR wins over MUSIC; --no-music over both.
        Path other = folder(dir.resolve("other"), "x.mp3");
        assertEquals(other.resolve("x.mp3").toAbsolutePath(), Merge.musicFor(story("Lucy's kite", null), settings, other.toString(), false));
        assertNull(Merge.musicFor(story("Lucy's kite", null), settings, null, true));

        List<Story> batch = new ArrayList<>();
        for (int i = 1; i <= 4; i++) batch.add(story("Story " + i, null));
        batch.add(story("Own file", dir.resolve("own.mp3").toString()));
        batch.add(null);   // a manifest that could not be read
        var picks = Merge.musicFor(batch, settings);
        assertEquals(4, new HashSet<>(picks.subList(0, 4)).size(), "four stories, four tracks: " + picks);
        assertEquals(dir.resolve("own.mp3").toAbsolutePath(), picks.get(4), "a story's own music file is its own");
        assertNull(picks.get(5));
        assertEquals(picks, Merge.musicFor(batch, settings), "stable across runs");
    }

    @Test
    void anEmptyMusicFolderIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
        Path empty = folder(dir.resolve("empty"), "readme.txt");
        var e = assertThrows(ShortsmithException.class, () -> Merge.checkMusic(FFMPEG, empty));
        assertTrue(e.getMessage().contains("holds no audio files") && e.getMessage().contains(empty.toString()), e.getMessage());
        var settings = Settings.of(Map.of("MUSIC", empty.toString()));
        var picks = Merge.musicFor(List.of(story("A", null)), settings);
        assertEquals(empty.toAbsolutePath(), picks.getFirst(), "left to the story's own check, so one bad folder fails only its stories");
    }
}
