package shortsmith.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Where the user's limits live (#23): the service a limit belongs to, and the cache folder they are kept in. */
class LimitsHomeTest {

    /** Two spellings of one server are one service, so one ledger; a different server, path or provider is another. */
    @Test
    void aServiceIsTheProviderAndTheNormalisedOriginAndPath() {
        var comfy = ServiceKey.of("comfyui", "http://127.0.0.1:8188/");
        assertEquals("comfyui http://127.0.0.1:8188/", comfy.id());
        for (String same : List.of("http://127.0.0.1:8188", "http://localhost:8188/", "HTTP://LocalHost:8188//", "http://[::1]:8188",
                "http://localhost.:8188/", " http://127.0.0.1:8188/?x=1#frag")) {
            assertEquals(comfy, ServiceKey.of("comfyui", same), same);
            assertEquals(comfy.fileName(), ServiceKey.of("ComfyUI", same).fileName(), same);
        }
        assertEquals("bfl https://api.bfl.ai:443/", ServiceKey.of("bfl", "https://API.bfl.ai").id());
        assertEquals(ServiceKey.of("bfl", "https://api.bfl.ai:443/"), ServiceKey.of("bfl", "https://api.bfl.ai"));
        assertEquals("openai http://gpu.lan:80/v1", ServiceKey.of("openai", "http://gpu.lan//v1//").id());
        for (String other : List.of("http://127.0.0.1:8189/", "https://127.0.0.1:8188/", "http://127.0.0.2:8188/", "http://127.0.0.1:8188/proxy")) {
            assertNotEquals(comfy, ServiceKey.of("comfyui", other), other);
            assertNotEquals(comfy.fileName(), ServiceKey.of("comfyui", other).fileName(), other);
        }
        assertNotEquals(comfy, ServiceKey.of("openai", "http://127.0.0.1:8188/"));
    }

    /** Neither the id nor the file name ever carries what may be a secret, and the file name is safe anywhere. */
    @Test
    void aServiceKeyNeverCarriesCredentialsAndItsFileNameIsSafe() {
        var key = ServiceKey.of("openai", "https://user:sk-SECRET-1234@proxy.example.com:8443/a%20b/../v1/?api_key=sk-SECRET-5678");
        assertEquals("openai https://proxy.example.com:8443/v1", key.id());
        assertFalse(key.toString().contains("SECRET"), key.toString());
        assertTrue(key.fileName().matches("[A-Za-z0-9._-]{1,120}\\.ledger"), key.fileName());
        assertTrue(key.fileName().startsWith("openai-proxy.example.com-8443-"), key.fileName());
        var longHost = ServiceKey.of("bfl", "https://" + "a".repeat(60) + "." + "b".repeat(60) + ".example/");
        assertTrue(longHost.fileName().length() <= 120, longHost.fileName());
        var notUrl = assertThrows(ShortsmithException.class, () -> ServiceKey.of("bfl", "ftp://sk-SECRET-9999@host/"));
        assertEquals(ExitCode.USAGE, notUrl.exitCode());
        assertFalse(notUrl.getMessage().contains("SECRET"), notUrl.getMessage());
    }

    /** The cache follows $HOME (containers, CI, a test's own HOME), not Java's user.home, which is the passwd entry. */
    @Test
    void theCacheFollowsXdgThenHomeThenTheAccount() {
        assertEquals(Path.of("/x/cache/shortsmith"), Home.cache(Map.of("XDG_CACHE_HOME", "/x/cache", "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/shortsmith"), Home.cache(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.cache/shortsmith"), Home.cache(Map.of("XDG_CACHE_HOME", "relative/cache", "HOME", "/h")), "a relative XDG_CACHE_HOME is ignored");
        assertEquals(Path.of("/h/.cache/shortsmith"), Home.cache(Map.of("XDG_CACHE_HOME", " ", "HOME", "/h")));
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "shortsmith"), Home.cache(Map.of()));
    }

    /** A process started with another HOME (as CI and containers do) keeps its cache, and so its limits, under that HOME. */
    @Test
    void aProcessWithAnotherHomeKeepsItsCacheThere(@org.junit.jupiter.api.io.TempDir Path home) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "shortsmith.testing.HoldLimits", "cache").redirectErrorStream(true);
        pb.environment().remove("XDG_CACHE_HOME");
        pb.environment().put("HOME", home.toString());
        var p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        assertEquals(home.resolve(".cache/shortsmith").toString(), out);
    }
}
