package shortsmith.cluster;

import shortsmith.core.Shutdown;
import shortsmith.core.ShortsmithException;
import shortsmith.core.WorkDir;
import shortsmith.media.Proc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL server of its own, in a temporary folder, on a free loopback port, with a user and
 * password of its own (scram-sha-256 over TCP): for the cluster's tests, its benchmark, and for
 * trying the cluster on one machine. Debian's {@code postgresql} package (or {@code initdb} and
 * {@code pg_ctl} on PATH); run as root, the server runs as the {@code postgres} user, since
 * PostgreSQL refuses root. Closing it stops the server and deletes the folder (so does the JVM's end).
 *
 * <pre>jshell> var pg = LocalPostgres.start("shortsmith", "a password", false); pg.settings()</pre>
 */
public final class LocalPostgres implements AutoCloseable {
    private final Path folder, bin;
    private final boolean asPostgres;
    private final int port;
    private final String user, password;
    private volatile boolean stopped;

    private LocalPostgres(Path folder, Path bin, boolean asPostgres, int port, String user, String password) {
        this.folder = folder;
        this.bin = bin;
        this.asPostgres = asPostgres;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /**
     * Makes and starts the server. {@code durable} false turns fsync off (tests: nothing here must
     * survive a power cut); the benchmark keeps PostgreSQL's defaults.
     */
    public static LocalPostgres start(String user, String password, boolean durable) throws IOException {
        Path bin = serverBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path folder = Files.createTempDirectory("shortsmith-postgres-");
        if (root) owned(folder);
        Path pw = folder.resolve("password");
        Files.writeString(pw, password + "\n");
        if (root) owned(pw);
        IOException last = null;
        var pg = (LocalPostgres) null;
        try {
            run(bin, root, Duration.ofMinutes(2), "initdb", "-D", folder.resolve("data").toString(), "-U", user, "--pwfile=" + pw,
                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions");
            Files.delete(pw);
            // A free port can be taken by someone else before the server binds it: try a few.
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = freePort();
                pg = new LocalPostgres(folder, bin, root, port, user, password);
                try {
                    List<String> options = new ArrayList<>(List.of("-p", String.valueOf(port), "-k", folder.toString(), "-c", "listen_addresses=127.0.0.1"));
                    if (!durable) options.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
                    run(bin, root, Duration.ofMinutes(2), "pg_ctl", "-D", folder.resolve("data").toString(), "-l", folder.resolve("server.log").toString(),
                            "-w", "-t", "60", "-o", String.join(" ", options), "start");
                    var started = pg;
                    Shutdown.onStop(started::close);
                    return started;
                } catch (ShortsmithException e) {
                    last = new IOException(e.getMessage(), e);
                }
            }
            throw last;
        } catch (IOException | RuntimeException e) {
            WorkDir.deleteTree(folder);
            throw e;
        }
    }

    /** jdbc:postgresql://127.0.0.1:PORT/postgres */
    public String url() { return "jdbc:postgresql://127.0.0.1:" + port + "/postgres"; }

    public int port() { return port; }

    /** QUEUE_URL, QUEUE_USER and QUEUE_PASSWORD for this server. */
    public Map<String, String> settings() { return Map.of("QUEUE_URL", url(), "QUEUE_USER", user, "QUEUE_PASSWORD", password); }

    /** The server's own log. */
    public Path log() { return folder.resolve("server.log"); }

    /** Stops the server at once (no checkpoint: nothing here is kept) and deletes its folder. */
    @Override
    public synchronized void close() {
        if (stopped) return;
        stopped = true;
        // Not through Proc: this also runs while the JVM stops, when Proc starts nothing new.
        List<String> command = new ArrayList<>();
        if (asPostgres) command.addAll(List.of("runuser", "-u", "postgres", "--"));
        command.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", folder.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
        try {
            var p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // pg_ctl is gone: the server cannot be stopped from here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WorkDir.deleteTree(folder);
    }

    /** The newest PostgreSQL server of Debian's packages, else initdb on PATH. */
    static Path serverBinaries() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (var versions = Files.list(debian)) {
                var newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(v -> v.getFileName().toString().matches("\\d+") ? Integer.parseInt(v.getFileName().toString()) : 0));
                if (newest.isPresent()) return newest.get().resolve("bin");
            } catch (IOException ignored) {
                // looked for on PATH below
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "initdb"))) return Path.of(dir);
        }
        throw ShortsmithException.environment("the PostgreSQL server is not installed: run 'apt-get install postgresql' (./jbang test does it when it can)");
    }

    private static void run(Path bin, boolean asPostgres, Duration timeout, String tool, String... args) {
        List<String> command = new ArrayList<>();
        if (asPostgres) command.addAll(List.of("runuser", "-u", "postgres", "--"));
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        var r = Proc.run(command, timeout);
        if (!r.ok()) throw ShortsmithException.environment(tool + " failed: " + (r.timedOut() ? "timed out" : r.lastErrorLine()));
    }

    /** Root makes the folder; the server, run as postgres, must own it. */
    private static void owned(Path p) throws IOException {
        var postgres = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(p, postgres);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() { return "LocalPostgres[" + url() + ", " + folder + (stopped ? ", stopped" : "") + "]"; }
}
