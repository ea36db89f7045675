package shortsmith.audio;

import shortsmith.core.ShortsmithException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A folder of music tracks ({@code MUSIC=DIR}, {@code --music DIR}, a manifest's {@code "music"}):
 * one track per story, chosen by rendezvous hashing of the story's key (its title) with each
 * track's file name. A story gets the same track every run, wherever the folder lives; adding a
 * track moves only the stories that now rank it first. A batch spreads its stories over the
 * tracks: in batch order each story takes the best-ranked track no earlier story took, and only
 * when every track is taken do they repeat.
 *
 * <pre>jshell> MusicFolder.of(Path.of("music")).pick("Lucy's kite")</pre>
 */
public record MusicFolder(Path dir, List<Path> tracks) {

    /** The file kinds taken as tracks (by extension, case aside). */
    public static final Set<String> EXTENSIONS = Set.of("mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma", "aif", "aiff");

    public MusicFolder {
        tracks = List.copyOf(tracks);
        if (tracks.isEmpty()) throw new IllegalArgumentException("no tracks");
    }

    /** The audio files directly in {@code dir} (hidden files aside), in name order; an empty or unreadable folder is bad input. */
    public static MusicFolder of(Path dir) {
        List<Path> tracks;
        try (var files = Files.list(dir)) {
            tracks = files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> EXTENSIONS.contains(extension(f))).sorted(Comparator.comparing(f -> f.getFileName().toString())).toList();
        } catch (IOException e) {
            throw ShortsmithException.badInput("music folder " + dir + " cannot be read: " + e.getMessage());
        }
        if (tracks.isEmpty()) {
            throw ShortsmithException.badInput("music folder " + dir + " holds no audio files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + "); put tracks in it, give one file, or use --no-music");
        }
        return new MusicFolder(dir.toAbsolutePath(), tracks.stream().map(Path::toAbsolutePath).toList());
    }

    /** The track for a story with this key, alone: the one that ranks first for it. */
    public Path pick(String key) { return ranked(key).getFirst(); }

    /** Tracks for stories of one batch, in batch order: as different as the folder allows, each as near its own first choice as it can be. */
    public List<Path> pick(List<String> keys) {
        List<Path> picks = new ArrayList<>();
        Set<Path> taken = new HashSet<>();
        for (String key : keys) {
            if (taken.size() == tracks.size()) taken.clear();   // every track used: the next round repeats them
            Path choice = ranked(key).stream().filter(t -> !taken.contains(t)).findFirst().orElseThrow();
            taken.add(choice);
            picks.add(choice);
        }
        return List.copyOf(picks);
    }

    /** The tracks in this key's order of preference. */
    List<Path> ranked(String key) {
        return tracks.stream().sorted(Comparator.comparingLong((Path t) -> weight(key, t.getFileName().toString())).reversed()
                .thenComparing(t -> t.getFileName().toString())).toList();
    }

    private static long weight(String key, String track) {
        try {
            var md = MessageDigest.getInstance("SHA-256");
            md.update(key.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(track.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String extension(Path f) {
        String name = f.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
