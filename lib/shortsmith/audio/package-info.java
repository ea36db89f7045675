/**
 * The finished Short: the gapless soundtrack (narration joined as PCM, ducked music, loudness)
 * ({@link shortsmith.audio.Soundtrack}), the copy-join of the clips under it
 * ({@link shortsmith.audio.Merge}), and the report of what YouTube will see
 * ({@link shortsmith.audio.MediaReport}).
 *
 * <p>May use: core, concurrency, media, video.
 */
package shortsmith.audio;
