package shortsmith.providers;

import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A generated file (an image, a narration) and the record beside it of what determined it
 * ({@code ID.asset.json}: provider, model, prompt or text, voice, size, seed, hashed into
 * {@code key}). A story run again finds its assets by key and calls no provider.
 */
record Asset(Path file, String key, String provider, String model, long bytes, String sha256) {

    /** The hash of everything that determines an asset. */
    static String key(Object... parts) {
        try {
            var md = MessageDigest.getInstance("SHA-256");
            for (Object p : parts) {
                md.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The asset of {@code sceneId} in {@code folder} made for {@code key}, if its file is still there
     * and is exactly the file the record describes (size and hash): a record never vouches for a
     * file that is incomplete or was changed.
     */
    static Optional<Asset> find(Path folder, String sceneId, String key) {
        Path record = folder.resolve(sceneId + ".asset.json");
        if (!Files.isRegularFile(record)) return Optional.empty();
        try {
            Asset a = Json.MAPPER.readValue(record.toFile(), Asset.class);
            if (!a.key().equals(key) || a.file() == null || !Files.isRegularFile(a.file())) return Optional.empty();
            if (a.sha256() == null) return Optional.of(a);   // a record from before hashes were kept: its file is trusted as before
            // The record's size is not trusted: no asset of ours is larger than a download may be.
            if (a.bytes() > Http.MAX_DOWNLOAD || Files.size(a.file()) != a.bytes()) return Optional.empty();
            var md = MessageDigest.getInstance("SHA-256");
            try (var in = new java.security.DigestInputStream(Files.newInputStream(a.file()), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest()).equals(a.sha256()) ? Optional.of(a) : Optional.empty();
        } catch (IOException | RuntimeException | java.security.NoSuchAlgorithmException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes {@code bytes} as the scene's asset (extension from its content), durably, then the
     * record of what made it: the record is written only once the file is complete on disk.
     */
    static Asset save(Path folder, String sceneId, byte[] bytes, String key, String provider, String model) {
        Path file = folder.resolve(sceneId + "." + extension(bytes));
        WorkDir.writeAtomically(file, bytes);
        // An older asset of this scene in another format would shadow the new one.
        for (String ext : List.of("png", "jpg", "webp", "wav", "mp3", "flac", "ogg")) {
            Path other = folder.resolve(sceneId + "." + ext);
            if (!other.equals(file)) WorkDir.deleteQuietly(other);
        }
        var asset = new Asset(file, key, provider, model, bytes.length, sha256(bytes));
        WorkDir.writeAtomically(folder.resolve(sceneId + ".asset.json"), Json.write(asset));
        return asset;
    }
    /** The file type from its first bytes (providers' content types are not always right). */
    static String extension(byte[] b) {
        if (starts(b, 0x89, 'P', 'N', 'G')) return "png";
        if (starts(b, 0xFF, 0xD8)) return "jpg";
        if (b.length > 12 && starts(b, 'R', 'I', 'F', 'F') && b[8] == 'W' && b[9] == 'E' && b[10] == 'B') return "webp";
        if (starts(b, 'R', 'I', 'F', 'F')) return "wav";
        if (starts(b, 'f', 'L', 'a', 'C')) return "flac";
        if (starts(b, 'O', 'g', 'g', 'S')) return "ogg";
        if (starts(b, 'I', 'D', '3') || starts(b, 0xFF, 0xFB) || starts(b, 0xFF, 0xF3)) return "mp3";
        return "bin";
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if ((b[i] & 0xFF) != magic[i]) return false;
        return true;
    }
}
