package shortsmith.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A paid service as the rate limit sees it: provider name plus the normalised origin and path of
 * its base URL. Two spellings of one server are one service: the scheme and host in lower case,
 * the default port written out, {@code localhost}, {@code 127.0.0.1} and {@code [::1]} one host,
 * repeated and trailing slashes dropped. What cannot identify a server and may carry a secret
 * (user info, query, fragment) is left out, so {@link #id()} can be stored and shown anywhere.
 *
 * <pre>jshell> ServiceKey.of("comfyui", "http://LOCALHOST:8188//")
 * ServiceKey[comfyui http://127.0.0.1:8188/]</pre>
 */
public record ServiceKey(String provider, String origin, String path) {

    public ServiceKey {
        if (provider == null || !provider.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("a provider name is lower-case letters, digits, '.', '_' or '-', got " + provider);
        }
        if (origin == null || !origin.matches("[a-z][a-z0-9+.-]*://[^/?#@\\s]+:\\d+")) {
            throw new IllegalArgumentException("an origin is scheme://host:port, got " + origin);
        }
        if (path == null || !path.startsWith("/") || path.contains("//") || (path.length() > 1 && path.endsWith("/"))) {
            throw new IllegalArgumentException("a path starts with '/' and has no empty segment, got " + path);
        }
    }

    /** The key of {@code provider} at {@code baseUrl} (an http or https URL). */
    public static ServiceKey of(String provider, String baseUrl) {
        String name = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
        URI uri;
        try {
            uri = new URI(baseUrl == null ? "" : baseUrl.strip());
        } catch (URISyntaxException e) {
            // The text is not repeated: a base URL may carry credentials.
            throw ShortsmithException.usage("the base URL of " + name + " is not a URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw ShortsmithException.usage("the base URL of " + name + " must be http:// or https:// with a host");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String path = (uri.normalize().getRawPath() == null ? "" : uri.normalize().getRawPath()).replaceAll("/{2,}", "/");
        if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (path.isEmpty()) path = "/";
        return new ServiceKey(name, scheme + "://" + host(uri.getHost()) + ":" + port, path);
    }

    /** This machine under any of its loopback names is one host. */
    private static String host(String raw) {
        String h = raw.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return switch (h) {
            case "localhost", "127.0.0.1", "[::1]", "::1", "[0:0:0:0:0:0:0:1]" -> "127.0.0.1";
            default -> h;
        };
    }

    /** Stable text naming the service, e.g. {@code comfyui http://127.0.0.1:8188/}: safe to store and show, never a key. */
    public String id() { return provider + " " + origin + path; }

    /**
     * A file name for this service's ledger: readable (provider, host, port) and unique (a hash of
     * {@link #id()}), of safe characters only, never longer than 120.
     */
    public String fileName() {
        String host = origin.substring(origin.indexOf("://") + 3, origin.lastIndexOf(':'));
        String port = origin.substring(origin.lastIndexOf(':') + 1);
        String readable = safe(provider, 40) + "-" + safe(host, 40) + "-" + port;
        return readable + "-" + sha256(id()).substring(0, 16) + ".ledger";
    }

    private static String safe(String s, int max) {
        String t = s.replaceAll("[^A-Za-z0-9._-]", "_");
        return t.length() > max ? t.substring(0, max) : t;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() { return "ServiceKey[" + id() + "]"; }
}
