/**
 * Where scripts, pictures and narration come from: the HTTP client the paid and self-hosted APIs
 * share ({@link shortsmith.providers.Http}), job files that make runs resumable
 * ({@link shortsmith.providers.Jobs}; {@link shortsmith.providers.PaidRequests}: how a request
 * that may have been billed is sent again on purpose) and asset records that make them cacheable
 * ({@link shortsmith.providers.Asset}), each provider behind {@link shortsmith.providers.ImageProvider},
 * {@link shortsmith.providers.SpeechProvider} and {@link shortsmith.providers.ScriptWriter}, and the
 * stages over them ({@link shortsmith.providers.ImageStage}, {@link shortsmith.providers.SpeechStage}),
 * and the transcription service that times narration ({@link shortsmith.providers.TranscriptionAligner}).
 *
 * <p>May use: core, concurrency, media.
 */
package shortsmith.providers;
