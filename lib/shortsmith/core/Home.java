package shortsmith.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the toolkit lives and where it keeps caches. */
public final class Home {
    private Home() {}

    /**
     * The repository root: {@code SHORTSMITH_HOME} (set by ./jbang), else the nearest folder above
     * the current one that holds {@code jbang-catalog.json} and {@code lib/shortsmith}.
     */
    public static Path root() {
        String env = System.getenv("SHORTSMITH_HOME");
        if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("jbang-catalog.json")) && Files.isDirectory(p.resolve("lib/shortsmith"))) {
                return p;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    /**
     * The per-user cache folder: {@code $XDG_CACHE_HOME/shortsmith}, else {@code $HOME/.cache/shortsmith},
     * else the account's home (Java's {@code user.home}, which is the passwd entry and ignores
     * {@code $HOME}: in a container, in CI or under {@code sudo -E} they differ, and the caller's
     * {@code $HOME} is the one meant). A relative {@code XDG_CACHE_HOME} is ignored, as the XDG
     * specification says.
     */
    public static Path cache() { return cache(System.getenv()); }

    static Path cache(java.util.Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg).resolve("shortsmith");
        String home = env.get("HOME");
        Path base = home != null && !home.isBlank() && Path.of(home).isAbsolute() ? Path.of(home) : Path.of(System.getProperty("user.home"));
        return base.resolve(".cache").resolve("shortsmith");
    }

    /**
     * The system's temporary folder: {@code $TMPDIR} when it names a folder (Java's
     * {@code java.io.tmpdir} is /tmp whatever it says), else {@code java.io.tmpdir}.
     */
    public static Path temp() {
        String tmp = System.getenv("TMPDIR");
        if (tmp != null && !tmp.isBlank() && Path.of(tmp).isAbsolute() && Files.isDirectory(Path.of(tmp))) return Path.of(tmp);
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Where limits shared by this user's processes live: one rate ledger per paid service
     * ({@link ServiceKey#fileName()}) and one lock file per NVENC session.
     */
    public static Path limits() { return cache().resolve("limits"); }
}
