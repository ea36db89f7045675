package shortsmith.testing;

import shortsmith.concurrency.Ticker;
import shortsmith.core.Home;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the tests share: the repository, running ./jbang as a user would, and a fake clock. */
public final class TestSupport {
    private TestSupport() {}

    public static Path repo() { return Home.root(); }

    /** The result of one ./jbang run. */
    public record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() { return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr; }
    }

    /** Runs {@code ./jbang args…} in {@code cwd} with extra environment, feeding {@code stdin}. */
    public static Run jbang(Path cwd, Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        return jbangAt(repo(), cwd, env, stdin, args);
    }

    public static Run jbang(String... args) throws IOException, InterruptedException {
        return jbang(repo(), Map.of(), null, args);
    }

    public static Run jbangAt(Path root, Path cwd, Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("jbang-out", ".txt");
        Path err = Files.createTempFile("jbang-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("./jbang " + String.join(" ", args) + " did not finish in 10 minutes");
        }
        var run = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    /** Copies a folder tree (a repository or a story with its work folder) for a test to change. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    /** A clock that only moves when someone sleeps on it: timing logic without real waiting. */
    public static final class FakeTicker implements Ticker {
        private long now;
        public final List<Duration> sleeps = new ArrayList<>();

        public synchronized long nanoTime() { return now; }

        public synchronized void sleep(Duration d) {
            sleeps.add(d);
            if (d.isPositive()) now += d.toNanos();
        }

        public synchronized void advance(Duration d) { now += d.toNanos(); }
    }
}
