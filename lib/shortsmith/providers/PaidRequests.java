package shortsmith.providers;

import shortsmith.core.ShortsmithException;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Living with the rule for paid requests: one whose fate is unknown (it may have been accepted and
 * billed) is never sent again on its own, so every such failure names the exact command that sends
 * it again ({@code gen-images --force story.json s3}), and {@code --resend-unanswered} sends again,
 * once, exactly the requests on record as unanswered, nothing else.
 *
 * <pre>jshell> PaidRequests.resendCommand("gen-images", Path.of("my story.json"), "s3")
 * "gen-images --force 'my story.json' s3"</pre>
 */
public final class PaidRequests {
    private PaidRequests() {}

    /** Whether a scene's failure is a paid request that may have been billed and is not sent again on its own. */
    public static boolean unanswered(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Http.MaybeBilled) return true;
        }
        return false;
    }

    /** The same, from a failure's one line (a batch's report keeps only the line). */
    public static boolean unanswered(String failure) { return failure != null && failure.contains(Http.MaybeBilled.NOT_SENT_AGAIN); }

    /**
     * The line a run ends with when requests of it may have been billed: the same command with
     * {@code --resend-unanswered} (and without {@code --force}, which would pay again for everything).
     */
    public static String resendAllLine(String command, java.util.List<String> args, long count) {
        var words = new java.util.ArrayList<String>();
        words.add(command);
        words.add("--resend-unanswered");
        args.stream().filter(a -> !a.equals("--force") && !a.equals("--resend-unanswered")).map(PaidRequests::shellWord).forEach(words::add);
        return count + (count == 1 ? " paid request" : " paid requests") + " may have been billed and " + (count == 1 ? "is" : "are")
                + " not sent again on " + (count == 1 ? "its" : "their") + " own; to send exactly " + (count == 1 ? "it" : "those")
                + " again, once: " + String.join(" ", words);
    }

    /**
     * The command that sends scene {@code sceneId}'s request again on purpose: {@code stage --force
     * MANIFEST SCENE}, the manifest as the user can type it from here (relative when it is below
     * the current folder), quoted for the shell when it needs it; {@code -} for a manifest piped in.
     */
    public static String resendCommand(String stage, Path manifest, String sceneId) {
        return stage + " --force " + (manifest == null ? "-" : shellWord(typed(manifest))) + " " + shellWord(sceneId);
    }

    /** A scene's failure with the command that sends its request again, when it may have been billed. */
    static ShortsmithException withResendCommand(ShortsmithException e, String stage, Path manifest, String sceneId) {
        if (!unanswered(e)) return e;
        return new ShortsmithException(e.exitCode(), e.getMessage() + " (to send it again: " + resendCommand(stage, manifest, sceneId)
                + (manifest == null ? ", with the same manifest on stdin" : "") + ")", e);
    }

    private static Path typed(Path manifest) {
        Path abs = manifest.toAbsolutePath().normalize();
        Path here = Path.of("").toAbsolutePath();
        return abs.startsWith(here) && !abs.equals(here) ? here.relativize(abs) : abs;
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/+:@%,=-]+");

    /** {@code s} as one word for a POSIX shell: as it is when plain, else in single quotes. */
    static String shellWord(Object s) {
        String t = String.valueOf(s);
        return PLAIN.matcher(t).matches() ? t : "'" + t.replace("'", "'\\''") + "'";
    }
}
