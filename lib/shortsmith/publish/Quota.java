package shortsmith.publish;

import shortsmith.core.ExitCode;
import shortsmith.core.ShortsmithException;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * YouTube's daily limits, as one line that says which one and when it comes back. A project has
 * 100 {@code videos.insert} calls a day in a bucket of their own and 10,000 units for every other
 * call ({@code captions.insert} costs 400, a list 1); both reset at midnight Pacific time. A
 * channel may also upload only so many videos in 24 hours ({@code uploadLimitExceeded}), whatever
 * the project's quota. In a batch, the Shorts after such a refusal stay queued for the next run.
 */
public final class Quota extends ShortsmithException {
    /** The reasons YouTube gives (error.errors[].reason) when a daily limit is reached. */
    static final Set<String> REASONS = Set.of("quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded");

    private final String call;
    private final String reason;

    private Quota(String call, String reason, String message) {
        super(ExitCode.PROVIDER, message);
        this.call = call;
        this.reason = reason;
    }

    public String reason() { return reason; }

    /** Whether no more videos can be uploaded today (the videos.insert bucket, or the channel's own limit). */
    public boolean stopsUploads() { return call.equals("videos.insert") || reason.equals("uploadLimitExceeded"); }

    /** The refusal of {@code call} for {@code reason}, said in words, with the time the quota comes back. */
    static Quota exceeded(String call, String reason) {
        if (reason.equals("uploadLimitExceeded")) {
            return new Quota(call, reason, "YouTube refused " + call + ": this channel has uploaded as many videos as YouTube allows in 24 hours"
                    + " (uploadLimitExceeded, a limit of the channel, not of the project's quota); try again in 24 hours");
        }
        String bucket = call.equals("videos.insert") ? "the project's videos.insert quota (100 uploads a day unless Google raised it)"
                : "the project's daily quota of 10,000 units (" + call + (call.equals("captions.insert") ? " costs 400" : " costs 1 or more") + ")";
        return new Quota(call, reason, "YouTube refused " + call + ": " + bucket + " is used up (" + reason + "); it resets at midnight Pacific time, "
                + untilReset(ZonedDateTime.now()));
    }

    /** "in 7 h 12 min (09:00 here)": how long until the next midnight in America/Los_Angeles, from {@code now}. */
    static String untilReset(ZonedDateTime now) {
        ZoneId pacific = ZoneId.of("America/Los_Angeles");
        ZonedDateTime reset = now.withZoneSameInstant(pacific).toLocalDate().plusDays(1).atStartOfDay(pacific);
        Duration left = Duration.between(now, reset);
        String here = reset.withZoneSameInstant(now.getZone()).format(DateTimeFormatter.ofPattern("HH:mm"));
        return "in " + left.toHours() + " h " + left.toMinutesPart() + " min (" + here + " here)";
    }
}
