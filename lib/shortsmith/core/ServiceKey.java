package shortsmith.core;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A paid service as the limits see it: its provider and its base URL, normalised so that two
 * spellings of one server ({@code http://127.0.0.1:8188/} and {@code http://localhost:8188}) are one
 * service, and never its key. The image rate (IMAGE_RATE_PER_MIN) is counted per service.
 *
 * <pre>jshell> ServiceKey.of("openai", "HTTPS://API.Example.com/v1/")</pre>
 */
public record ServiceKey(String provider, String origin, String path) {

    /**
     * {@code baseUrl} normalised: scheme and host in lower case, the default port written out,
     * localhost, 127.0.0.1 and [::1] one host, user info, query and trailing '/' dropped. A blank
     * base URL is the provider's own (origin and path empty).
     */
    public static ServiceKey of(String provider, String baseUrl) {
        String name = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT);
        String url = baseUrl == null ? "" : baseUrl.strip();
        if (url.isEmpty()) return new ServiceKey(name, "", "");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (scheme.isEmpty() || host.isEmpty()) throw new IllegalArgumentException("not a base URL: " + url);
        if (host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1") || host.equals("[0:0:0:0:0:0:0:1]")) host = "localhost";
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("/+$", "");
        return new ServiceKey(name, scheme + "://" + host + (port >= 0 ? ":" + port : ""), path);
    }

    /** Stable text naming the service, safe to store and to show (it holds no key). */
    public String id() { return origin.isEmpty() ? provider : provider + " " + origin + path; }

    /** A file name for this service: readable, and unique through a hash of {@link #id()}. */
    public String fileName() {
        String readable = (provider + "-" + origin.replaceFirst("^[a-z]+://", "")).replaceAll("[^A-Za-z0-9.]+", "-").replaceAll("-+$", "");
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(id().getBytes(StandardCharsets.UTF_8));
            return readable + "-" + java.util.HexFormat.of().formatHex(hash, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() { return "ServiceKey[" + id() + "]"; }
}
