/**
 * The finished Short: the gapless soundtrack (narration joined as PCM, ducked music, loudness)
 * ({@link shortsmith.audio.Soundtrack}), the copy-join of the clips under it
 * ({@link shortsmith.audio.Merge}), music from a folder ({@link shortsmith.audio.MusicFolder}), the
 * report of what YouTube will see ({@link shortsmith.audio.MediaReport}), and how the joins sound
 * ({@link shortsmith.audio.DeadAir}).
 *
 * <p>May use: core, concurrency, media, video.
 */
package shortsmith.audio;
