/**
 * The whole Short in one run: the overlapped schedule of images, narration, clips and merge
 * ({@link shortsmith.pipeline.Pipeline}), many stories as one batch ({@link shortsmith.pipeline.Batch})
 * on one machine's shared limits ({@link shortsmith.pipeline.Machine}), each Short published as soon as it is made
 * ({@code --publish}), and the Gantt chart
 * ({@link shortsmith.pipeline.Timeline}).
 *
 * <p>May use: core, concurrency, media, video, providers, audio, publish.
 */
package shortsmith.pipeline;
