/**
 * The external media tools and what they say: running a process that ends with the JVM
 * ({@link shortsmith.media.Proc}), locating ffmpeg and ffprobe ({@link shortsmith.media.Ffmpeg}),
 * probing a file ({@link shortsmith.media.Media}) and reading narration as PCM in Java
 * ({@link shortsmith.media.Narration}).
 *
 * <p>May use: core.
 */
package shortsmith.media;
