package shortsmith.publish;

import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Files only their owner may read (the sign-in, a record holding an upload session), written whole or not at all. */
final class Private {
    private Private() {}

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /**
     * Writes {@code text} to {@code target} through a temporary name created 0600 (so the secret is
     * never readable by others, not even for a moment), flushed and renamed ({@link WorkDir#publish}).
     */
    static void write(Path target, String text) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = WorkDir.partial(target);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(tmp, text);
            WorkDir.publish(tmp, target);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Whether anyone but the owner may read or write {@code file}. */
    static boolean exposed(Path file) {
        try {
            var perms = Files.getPosixFilePermissions(file);
            return perms.stream().anyMatch(p -> !OWNER_ONLY.contains(p) && p != PosixFilePermission.OWNER_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
