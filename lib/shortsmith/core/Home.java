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

    /** The per-user cache folder: {@code $XDG_CACHE_HOME/shortsmith}, else {@code ~/.cache/shortsmith}. */
    public static Path cache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("shortsmith");
    }
}
