/**
 * From a picture and a narration to a clip: encoder profiles as records
 * ({@link shortsmith.video.EncoderProfile}) checked against the installed ffmpeg
 * ({@link shortsmith.video.EncoderOptions}), the real NVENC probe ({@link shortsmith.video.NvencProbe}),
 * the sub-pixel Ken Burns renderer ({@link shortsmith.video.KenBurns}) and its smoothness measure,
 * libass captions ({@link shortsmith.video.Captions}), one clip ({@link shortsmith.video.ClipEncoder})
 * and a story's clips with the NVENC fallback ({@link shortsmith.video.EncodeStage}).
 *
 * <p>May use: core, concurrency, media.
 */
package shortsmith.video;
