package shortsmith;

import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.testing.StoryFixture;
import shortsmith.testing.TestSupport;
import shortsmith.video.NvencProbe;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The scripts as users run them: through ./jbang, in a shell, with real settings and tools. */
class ScriptsTest {

    @Test
    void detectNvencJsonReportsTheRealProbe() throws Exception {
        TestSupport.jbang("detect-nvenc", "--json");   // the first run may build the script and probe
        var run = TestSupport.jbang("detect-nvenc", "--json");
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode json = Json.MAPPER.readTree(run.stdout());
        var h264 = json.get("encoders").get("h264_nvenc");
        String expected = h264.get("available").asBoolean() ? "nvenc" : "x264";
        assertEquals(expected, json.get("decision").get("encoder").asText());
        assertEquals("", run.stderr().strip(), "nothing but the report on a warm run");
    }

    @Test
    void aScriptWritesToTheCallersOwnStderrNotThroughTheLaunchersFilter(@TempDir Path dir) throws Exception {
        // The launcher starts the JVM with the Vector API and its stderr through a filter that drops the JVM's
        // warning about it; main then takes the caller's stderr back, so a terminal stays a terminal.
        Path story = StoryFixture.story(dir.resolve("s"), "Una escena que tarda un poco en codificarse.");
        Path err = dir.resolve("stderr.txt");
        var pb = new ProcessBuilder(TestSupport.repo().resolve("jbang").toString(), "encode", "story.json", "--profile", "x264")
                .directory(story.getParent().toFile()).redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(err.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(StoryFixture.SMALL);
        Process run = pb.start();
        Path fd2 = Path.of("/proc/" + run.pid() + "/fd/2");
        String seen = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (run.isAlive() && System.nanoTime() < deadline) {
            try {
                seen = Files.readSymbolicLink(fd2).toString();
                if (Files.readString(Path.of("/proc/" + run.pid() + "/cmdline")).contains("encode.jar") && seen.equals(err.toString())) break;
            } catch (java.io.IOException ended) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(err.toString(), seen, "the encoding JVM's stderr is the file it was given, not the filter's pipe");
        assertTrue(run.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, run.exitValue(), Files.readString(err));
        assertFalse(Files.readString(err).contains("WARNING"), Files.readString(err));
    }

    @Test
    void detectNvencHumanReportAndRequire() throws Exception {
        var run = TestSupport.jbang("detect-nvenc");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.stdout().contains("decision"), run.stdout());
        var require = TestSupport.jbang("detect-nvenc", "--require");
        boolean works = run.stdout().contains("h264_nvenc  listed by the build: yes; real encode: works");
        assertEquals(works ? 0 : 3, require.exitCode(), require.toString());
    }

    @Test
    void aBadSettingIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        var run = TestSupport.jbang(dir, Map.of("FFMPEG_ENCODER", "gpu"), null, "detect-nvenc", "--json");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("", run.stdout());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("FFMPEG_ENCODER=gpu"));
        assertTrue(run.stderr().contains("allowed: nvenc, x264, auto"));
        assertFalse(run.stderr().contains("\tat "), "no stack trace without --debug");

        var debug = TestSupport.jbang(dir, Map.of("FFMPEG_ENCODER", "gpu"), null, "detect-nvenc", "--debug");
        assertEquals(2, debug.exitCode());
        assertTrue(debug.stderr().contains("\tat "), "--debug shows the stack trace");
    }

    @Test
    void aDotenvInTheCurrentFolderIsRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "FFMPEG_ENCODER=x264\n");
        var run = TestSupport.jbang(dir, Map.of(), null, "detect-nvenc", "--json");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("FFMPEG_ENCODER=x264", Json.MAPPER.readTree(run.stdout()).get("decision").get("why").asText());
    }

    @Test
    void aMissingFfmpegIsOneLineNamingThePath(@TempDir Path dir) throws Exception {
        var run = TestSupport.jbang(dir, Map.of("FFMPEG_BIN", "/nonexistent/ffmpeg"), null, "detect-nvenc");
        assertEquals(ExitCode.ENVIRONMENT.code(), run.exitCode(), run.toString());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("FFMPEG_BIN=/nonexistent/ffmpeg"), run.stderr());
    }

    @Test
    void aBadOptionIsAUsageError() throws Exception {
        var run = TestSupport.jbang("detect-nvenc", "--sessions", "many");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
    }

    @Test
    void everyCatalogAliasNamesAScriptThatDeclaresJava25() throws Exception {
        JsonNode aliases = Json.MAPPER.readTree(TestSupport.repo().resolve("jbang-catalog.json").toFile()).get("aliases");
        assertTrue(aliases.size() >= 2);
        for (var it = aliases.fields(); it.hasNext(); ) {
            var alias = it.next();
            Path script = TestSupport.repo().resolve(alias.getValue().get("script-ref").asText());
            assertTrue(Files.isRegularFile(script), alias.getKey() + " → " + script);
            assertTrue(Files.readString(script).contains("\n//JAVA 25+\n"), script + " lacks //JAVA 25+");
            assertTrue(Files.readString(TestSupport.repo().resolve("README.md")).contains(alias.getKey()), "README lacks " + alias.getKey());
        }
    }

    /**
     * The launch cache is rebuilt when a lib source, a script or a dependency changes. Runs in a copy
     * of the repository, so the real cache is not touched.
     */
    @Test
    void theLaunchCacheFollowsSourceAndDependencyChanges(@TempDir Path copy) throws Exception {
        Path repo = TestSupport.repo();
        for (String dir : new String[] {"lib", "scripts"}) TestSupport.copyTree(repo.resolve(dir), copy.resolve(dir));
        Files.copy(repo.resolve("jbang"), copy.resolve("jbang"));
        Files.copy(repo.resolve("jbang-catalog.json"), copy.resolve("jbang-catalog.json"));
        TestSupport.copyTree(repo.resolve(".jbang/lib"), copy.resolve(".jbang/lib"));
        Files.createFile(copy.resolve(".jbang/tools.ok"));
        Map<String, String> env = Map.of("FFMPEG_ENCODER", "x264");

        var first = TestSupport.jbangAt(copy, copy, env, null, "detect-nvenc", "--json");
        assertEquals(0, first.exitCode(), first.toString());
        assertEquals(1, launchFiles(copy).size());
        String firstLaunch = Files.readString(launchFiles(copy).getFirst());

        // A lib change shows in the output of the next run.
        Path probe = copy.resolve("lib/shortsmith/video/NvencProbe.java");
        Files.writeString(probe, Files.readString(probe).replace("\"FFMPEG_ENCODER=x264\"", "\"FFMPEG_ENCODER=x264 (changed)\""));
        var second = TestSupport.jbangAt(copy, copy, env, null, "detect-nvenc", "--json");
        assertTrue(second.stdout().contains("FFMPEG_ENCODER=x264 (changed)"), second.toString());
        assertEquals(1, launchFiles(copy).size(), "the stale launch command was removed");

        // A dependency change yields a new class path.
        Path json = copy.resolve("lib/shortsmith/core/Json.java");
        Files.writeString(json, Files.readString(json).replace("jackson-databind:2.18.2", "jackson-databind:2.18.1"));
        var third = TestSupport.jbangAt(copy, copy, env, null, "detect-nvenc", "--json");
        assertEquals(0, third.exitCode(), third.toString());
        String thirdLaunch = Files.readString(launchFiles(copy).getFirst());
        assertTrue(thirdLaunch.contains("jackson-databind-2.18.1.jar"), thirdLaunch);
        assertFalse(firstLaunch.contains("jackson-databind-2.18.1.jar"));

        // Unchanged sources: the cached command is used as it is.
        long stamp = Files.getLastModifiedTime(launchFiles(copy).getFirst()).toMillis();
        TestSupport.jbangAt(copy, copy, env, null, "detect-nvenc", "--json");
        assertEquals(stamp, Files.getLastModifiedTime(launchFiles(copy).getFirst()).toMillis());
    }

    private static java.util.List<Path> launchFiles(Path root) throws Exception {
        try (var s = Files.list(root.resolve(".jbang/launch"))) {
            return s.filter(p -> p.toString().endsWith(".cmd")).toList();
        }
    }


    /**
     * ./jbang install puts every script on PATH through JBang's app install, and the commands run
     * from any folder. HOME and JBANG_DIR are a temporary folder, and no shell file is written there.
     */
    @Test
    void installPutsEveryScriptOnPathAsACommandThatRunsFromAnyFolder(@TempDir Path home) throws Exception {
        Map<String, String> env = Map.of("HOME", home.toString(), "JBANG_DIR", home.resolve("jbang").toString());
        var install = TestSupport.jbang(TestSupport.repo(), env, null, "install");
        assertEquals(0, install.exitCode(), install.toString());
        Path bin = home.resolve("jbang/bin");
        assertTrue(install.stderr().contains(bin.toString()) && install.stderr().contains("export PATH="), install.stderr());
        for (String command : new String[] {"short", "encode", "merge", "tts", "gen-images", "write-script", "detect-nvenc", "benchmark"}) {
            assertTrue(Files.isExecutable(bin.resolve(command)), command + " not installed: " + install);
        }
        assertFalse(Files.exists(bin.resolve("test")), "the test runner is not a user command");
        try (var files = Files.list(home)) {
            assertEquals(java.util.List.of(home.resolve("jbang")), files.toList(), "nothing else written in HOME (no .bashrc edit)");
        }
        Path elsewhere = Files.createDirectories(home.resolve("a story"));
        var pb = new ProcessBuilder(bin.resolve("detect-nvenc").toString(), "--json").directory(elsewhere.toFile());
        pb.environment().remove("SHORTSMITH_HOME");
        pb.environment().putAll(env);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("FFMPEG_ENCODER", "x264");
        Process p = pb.redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out + new String(p.getErrorStream().readAllBytes()));
        assertEquals("x264", Json.MAPPER.readTree(out).at("/decision/encoder").asText());
    }
}
