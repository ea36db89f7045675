package shortsmith;

import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ./jbang itself, where the machine is not the one it was written on: a $HOME that is not the
 * account's, JVM options from the environment, several first runs at once, no JDK 25.
 */
class LauncherTest {

    /** The account's home, as Java and JBang see it (the passwd entry), whatever $HOME says. */
    static Path accountHome() { return Path.of(System.getProperty("user.home")); }

    @Test
    void installWritesWhereItSaysAndReplacesAnotherAppsCommandOnlyWithForce(@TempDir Path home) throws Exception {
        // $HOME is not the account's home (containers, CI, sudo -E): JBang alone would write to the account's.
        Path accountBin = accountHome().resolve(".jbang/bin");
        List<String> before = listing(accountBin);
        Map<String, String> env = Map.of("HOME", home.toString());
        var install = TestSupport.jbang(TestSupport.repo(), env, null, "install");
        assertEquals(0, install.exitCode(), install.toString());
        Path bin = home.resolve(".jbang/bin");
        assertTrue(install.stderr().contains("installed") && install.stderr().contains(bin.toString()), install.stderr());
        for (String command : new String[] {"short", "encode", "merge", "jbang"}) {
            assertTrue(Files.isExecutable(bin.resolve(command)), command + " is not in " + bin + ", where the message says: " + install);
        }
        assertEquals(before, listing(accountBin), "nothing written in the account's own " + accountBin);

        // A command of another app with one of our names is left alone, and nothing is installed...
        Path theirs = bin.resolve("merge");
        Files.writeString(theirs, "#!/bin/sh\necho another merge\n");
        Files.delete(bin.resolve("encode"));
        var refused = TestSupport.jbang(TestSupport.repo(), env, null, "install");
        assertEquals(7, refused.exitCode(), refused.toString());
        assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
        assertTrue(refused.stderr().contains("merge") && refused.stderr().contains("--force"), refused.stderr());
        assertEquals("#!/bin/sh\necho another merge\n", Files.readString(theirs), "their command is left alone");
        assertFalse(Files.exists(bin.resolve("encode")), "nothing is installed when one would be replaced");
        // ...unless the user says so.
        var forced = TestSupport.jbang(TestSupport.repo(), env, null, "install", "--force");
        assertEquals(0, forced.exitCode(), forced.toString());
        assertTrue(Files.readString(theirs).contains("scripts/merge.java"), Files.readString(theirs));
        assertTrue(Files.isExecutable(bin.resolve("encode")));
    }

    @Test
    void errorsStayOneLineWhateverTheJvmPrintsBeforeMain(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Xss4m", "JDK_JAVA_OPTIONS", "-Dshortsmith.test=1");
        TestSupport.jbang(dir, Map.of(), null, "merge", "--version");   // a first run may build the script and say so
        var run = TestSupport.jbang(dir, env, null, "merge", "--check", dir.resolve("missing.mp4").toString());
        assertEquals(5, run.exitCode(), run.toString());
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
        assertTrue(run.stderr().startsWith("merge: "), run.stderr());
        // --debug shows what the JVM picked up (with the trace).
        var debug = TestSupport.jbang(dir, env, null, "merge", "--debug", "--check", dir.resolve("missing.mp4").toString());
        assertTrue(debug.stderr().contains("Picked up JAVA_TOOL_OPTIONS: -Xss4m"), debug.stderr());
        assertFalse(debug.stderr().contains("incubator"), debug.stderr());
    }

    @Test
    void theStderrFilterIsNeverTheJvmsChild(@TempDir Path dir) throws Exception {
        // encode with a piped stdin waits for the manifest: a JVM that lives while we look at its children.
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "encode")
                .directory(dir.toFile()).redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        Process run = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(cmdline(run.pid()).contains("encode.jar") && dir.resolve("err.txt").toString().equals(link(run.pid(), 2)))) {
                assertTrue(run.isAlive() && System.nanoTime() < deadline, "encode never started: " + Files.readString(dir.resolve("err.txt")));
                Thread.sleep(20);
            }
            Thread.sleep(1000);   // the filter has seen its end of file by now, and exited
            assertEquals(List.of(), children(run.pid()), "the JVM has no child: no filter, and no filter left a zombie");
        } finally {
            run.getOutputStream().close();
        }
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, run.exitValue(), Files.readString(dir.resolve("err.txt")));
    }

    @Test
    void firstRunsAtOnceShareJbangsCacheAndABrokenJarIsRebuilt(@TempDir Path dir) throws Exception {
        // Three clones with the same new script: JBang's jar cache is per user and keyed by content, so their first
        // builds meet in one folder. The script reaches the core package, so its build takes a few seconds.
        String stamp = Long.toString(System.nanoTime());
        String script = "///usr/bin/env jbang \"$0\" \"$@\" ; exit $?\n//JAVA 25+\n//SOURCES ../lib/shortsmith/core/*.java\n// " + stamp + "\n"
                + "class race" + stamp + " { public static void main(String... a) { System.out.println(shortsmith.core.ExitCode.OK); } }\n";
        List<Path> clones = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path clone = dir.resolve("clone" + i);
            for (String part : new String[] {"lib", ".jbang/lib"}) TestSupport.copyTree(TestSupport.repo().resolve(part), clone.resolve(part));
            Files.copy(TestSupport.repo().resolve("jbang"), clone.resolve("jbang"));
            Files.copy(TestSupport.repo().resolve("jbang-catalog.json"), clone.resolve("jbang-catalog.json"));
            Files.writeString(Files.createDirectories(clone.resolve("scripts")).resolve("race.java"), script);
            clones.add(clone);
        }
        Path jars = accountHome().resolve(".jbang/cache/jars");
        try {
            List<Process> runs = new ArrayList<>();
            for (Path clone : clones) runs.add(start(clone, dir.resolve(clone.getFileName() + ".log"), "scripts/race.java"));
            for (int i = 0; i < runs.size(); i++) {
                assertTrue(runs.get(i).waitFor(5, TimeUnit.MINUTES));
                String log = Files.readString(dir.resolve("clone" + i + ".log"));
                assertEquals(0, runs.get(i).exitValue(), "clone " + i + ": " + log);
                assertFalse(log.contains("Picked up"), "a first run (a build) says nothing of the JVM's options either: " + log);
            }
            // A jar left without its classes or Main-Class (what a broken build leaves): rebuilt, and it runs.
            Path jar;
            try (var s = Files.list(jars)) {
                jar = s.filter(p -> p.getFileName().toString().startsWith("race.java.")).findFirst().orElseThrow().resolve("race.jar");
            }
            Path manifestOnly = dir.resolve("broken");
            Files.createDirectories(manifestOnly.resolve("META-INF"));
            Files.writeString(manifestOnly.resolve("META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\nBuild-Jdk: 25\n");
            Files.delete(jar);
            var pack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jar").toString(), "cfm", jar.toString(),
                    manifestOnly.resolve("META-INF/MANIFEST.MF").toString(), "-C", manifestOnly.toString(), "META-INF").inheritIO().start();
            assertTrue(pack.waitFor(60, TimeUnit.SECONDS) && pack.exitValue() == 0);
            shortsmith.core.WorkDir.deleteTree(clones.get(1).resolve(".jbang/launch"));
            Process again = start(clones.get(1), dir.resolve("again.log"), "scripts/race.java");
            assertTrue(again.waitFor(5, TimeUnit.MINUTES));
            String log = Files.readString(dir.resolve("again.log"));
            assertEquals(0, again.exitValue(), log);
            assertTrue(log.contains("building it again"), log);
            assertFalse(log.contains("Picked up"), log);
        } finally {
            try (var s = Files.list(jars)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("race.java.")).toList()) shortsmith.core.WorkDir.deleteTree(p);
            }
        }
    }

    @Test
    void withoutAJdk25TheLauncherUsesOneJbangInstalledOrSaysWhatToInstall(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(canUnshare(), "needs root and mount namespaces (unshare -m) to hide /usr/lib/jvm");
        // A machine with only Java 17: /usr/lib/jvm shows just the JDK 17 (and its alternatives' names).
        Path jvm17 = Files.createDirectories(dir.resolve("jvm"));
        List<String> mounts = new ArrayList<>();
        try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path p : s.toList()) {
                if (Files.isSymbolicLink(p)) Files.createSymbolicLink(jvm17.resolve(p.getFileName()), Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p)) Files.copy(p, jvm17.resolve(p.getFileName()));
                else if (p.getFileName().toString().contains("17")) {
                    Files.createDirectories(jvm17.resolve(p.getFileName()));
                    mounts.add("mount --bind " + p + " " + jvm17.resolve(p.getFileName()));
                }
            }
        }
        Path temurin;
        try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
            temurin = s.filter(p -> p.getFileName().toString().startsWith("temurin-25")).findFirst().orElseThrow();
        }
        // 1. JBang has installed a JDK 25 before (in its own folder): the launcher finds and uses it.
        Path jbangDir = dir.resolve("jbang-home");
        Path installed = Files.createDirectories(jbangDir.resolve("cache/jdks/25"));
        String hide = String.join(" && ", mounts) + " && mount --bind " + temurin + " " + installed + " && mount --rbind " + jvm17 + " /usr/lib/jvm";
        var found = unshared(dir, jbangDir, hide, "merge", "--version");
        assertEquals(0, found.exitCode(), found.toString());
        // 2. None anywhere, and no network to fetch one: JBang is asked, then one line says what to install.
        Path empty = Files.createDirectories(dir.resolve("jbang-empty"));
        var missing = unshared(dir, empty, String.join(" && ", mounts) + " && mount --rbind " + jvm17 + " /usr/lib/jvm", "merge", "--version");
        assertEquals(4, missing.exitCode(), missing.toString());
        assertTrue(missing.stderr().contains("jbang jdk install 25"), "JBang was asked: " + missing.stderr());
        String last = missing.stderr().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.contains("JDK 25") && last.contains("JAVA_HOME"), last);
    }

    private static TestSupport.Run unshared(Path dir, Path jbangDir, String mounts, String... args) throws Exception {
        String command = mounts + " && exec env -u JAVA_HOME -u SHORTSMITH_HOME JBANG_DIR=" + jbangDir + " " + TestSupport.repo().resolve("jbang")
                + " " + String.join(" ", args);
        var pb = new ProcessBuilder("unshare", "-m", "bash", "-c", command).directory(dir.toFile());
        Path out = dir.resolve("unshared-out.txt"), err = dir.resolve("unshared-err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the launcher did not finish");
        return new TestSupport.Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static boolean canUnshare() {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Process start(Path clone, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(clone.resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(clone.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        // As in CI and containers: the JVM says "Picked up JAVA_TOOL_OPTIONS" on stderr, JBang's build included.
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Xss2m");
        return pb.start();
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline"));
        } catch (IOException e) {
            return "";
        }
    }

    private static String link(long pid, int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** The processes whose parent is {@code pid}, with their state ("1234 Z (cat)"). */
    private static List<String> children(long pid) throws IOException {
        List<String> found = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(rest[1]) == pid) found.add(p.getFileName() + " " + rest[0] + " " + stat.substring(stat.indexOf('('), stat.lastIndexOf(')') + 1));
            }
        }
        return found;
    }
}
