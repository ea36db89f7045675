/**
 * The finished Short on YouTube: signing in with OAuth 2.0 for an installed app
 * ({@link shortsmith.publish.OAuth}), the video's metadata checked against YouTube's limits
 * ({@link shortsmith.publish.Metadata}), the Data API calls ({@link shortsmith.publish.YouTube}), the
 * resumable upload that resumes from what YouTube holds and never sends a finished video again
 * ({@link shortsmith.publish.Upload}), the record kept beside each Short
 * ({@link shortsmith.publish.Published}), quotas ({@link shortsmith.publish.Quota}), and many Shorts on
 * a schedule ({@link shortsmith.publish.Publisher}).
 *
 * <p>May use: core, concurrency, media, providers.
 */
package shortsmith.publish;
