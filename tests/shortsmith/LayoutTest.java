package shortsmith;

import org.junit.jupiter.api.Test;
import shortsmith.testing.TestSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The house stays as drawn: each package uses only what its package-info says it may, the arrows
 * point one way, and each script compiles exactly the packages its imports need (so encode never
 * compiles the benchmark or carries XChart).
 */
class LayoutTest {
    static final Path LIB = TestSupport.repo().resolve("lib/shortsmith");
    static final Pattern USES = Pattern.compile("shortsmith\\.([a-z]+)\\.[A-Z]");

    /** Package → the packages its sources name (imports and fully qualified uses). */
    static Map<String, Set<String>> actualUses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (String pkg : packages()) {
            Set<String> used = new TreeSet<>();
            try (var files = Files.list(LIB.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).toList()) {
                    USES.matcher(Files.readString(f)).results().map(m -> m.group(1)).filter(p -> !p.equals(pkg)).forEach(used::add);
                }
            }
            uses.put(pkg, used);
        }
        return uses;
    }

    static Set<String> packages() throws IOException {
        try (var dirs = Files.list(LIB)) {
            return new TreeSet<>(dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList());
        }
    }

    /** What a package's package-info declares under "May use:". */
    static Set<String> declared(String pkg) throws IOException {
        Path info = LIB.resolve(pkg).resolve("package-info.java");
        assertTrue(Files.isRegularFile(info), pkg + " has no package-info.java saying what lives there");
        var m = Pattern.compile("May use: ([^.]*)\\.").matcher(Files.readString(info));
        assertTrue(m.find(), info + " lacks a 'May use: ….' line");
        String list = m.group(1).strip();
        if (list.startsWith("nothing")) return Set.of();
        if (list.startsWith("every other")) {
            var all = new TreeSet<>(packages());
            all.remove(pkg);
            return all;
        }
        return new TreeSet<>(java.util.Arrays.asList(list.split(",\\s*")));
    }

    @Test
    void everyPackageUsesOnlyWhatItsPackageInfoAllowsAndTheArrowsPointOneWay() throws Exception {
        var uses = actualUses();
        assertTrue(uses.keySet().containsAll(Set.of("core", "concurrency", "media", "video", "audio", "providers", "pipeline", "benchmark")), uses.toString());
        for (var e : uses.entrySet()) {
            Set<String> allowed = declared(e.getKey());
            var extra = new TreeSet<>(e.getValue());
            extra.removeAll(allowed);
            assertTrue(extra.isEmpty(), e.getKey() + " uses " + extra + " but its package-info allows only " + allowed);
        }
        // No cycles: a package never reaches itself through the arrows.
        for (String start : uses.keySet()) {
            var seen = new TreeSet<String>();
            var todo = new ArrayDeque<>(uses.get(start));
            while (!todo.isEmpty()) {
                String p = todo.pop();
                assertNotEquals(start, p, "a cycle through " + start + ": " + uses);
                if (seen.add(p)) todo.addAll(uses.getOrDefault(p, Set.of()));
            }
        }
        assertEquals(Set.of(), uses.get("core"), "core stands on nothing");
    }

    @Test
    void eachScriptCompilesExactlyThePackagesItsImportsNeed() throws Exception {
        var uses = actualUses();
        Path scripts = TestSupport.repo().resolve("scripts");
        try (var files = Files.list(scripts)) {
            for (Path script : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(script);
                var sources = new TreeSet<String>();
                Pattern.compile("(?m)^//SOURCES ../lib/shortsmith/([a-z]+)/\\*\\.java$").matcher(text).results()
                        .forEach(m -> sources.add(m.group(1)));
                var needed = new TreeSet<String>();
                var todo = new ArrayDeque<String>();
                USES.matcher(text).results().forEach(m -> todo.add(m.group(1)));
                while (!todo.isEmpty()) {
                    String p = todo.pop();
                    if (needed.add(p)) todo.addAll(uses.getOrDefault(p, Set.of()));
                }
                assertEquals(needed, sources, script.getFileName() + ": //SOURCES should name exactly the packages its imports reach");
                if (!script.getFileName().toString().equals("benchmark.java")) {
                    assertFalse(sources.contains("benchmark"), script + " compiles the benchmark");
                }
            }
        }
        // XChart is the benchmark's alone.
        try (var files = Files.walk(LIB)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (Files.readString(f).contains("//DEPS org.knowm.xchart")) assertTrue(f.startsWith(LIB.resolve("benchmark")), f.toString());
            }
        }
    }
}
