/**
 * The external media tools and what they say: running a process that ends with the JVM
 * ({@link shortsmith.media.Proc}), locating ffmpeg and ffprobe ({@link shortsmith.media.Ffmpeg}),
 * probing a file ({@link shortsmith.media.Media}), an MP4's own boxes ({@link shortsmith.media.Mp4Boxes}),
 * reading narration as PCM in Java ({@link shortsmith.media.Narration}) and the part of it a clip
 * plays ({@link shortsmith.media.SpeechTrim}), espeak-ng's library ({@link shortsmith.media.Espeak}), and
 * word times: the offline aligner ({@link shortsmith.media.Aligner} over {@link shortsmith.media.Mfcc}),
 * timed pieces laid onto the script ({@link shortsmith.media.WordMatch}) and the times kept per
 * narration ({@link shortsmith.media.KeptWords}).
 *
 * <p>May use: core.
 */
package shortsmith.media;
