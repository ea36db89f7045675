/**
 * The whole Short in one run: the overlapped schedule of images, narration, clips and merge
 * ({@link shortsmith.pipeline.Pipeline}) and its Gantt chart ({@link shortsmith.pipeline.Timeline}).
 *
 * <p>May use: core, concurrency, media, video, providers, audio.
 */
package shortsmith.pipeline;
