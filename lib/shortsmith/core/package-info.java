/**
 * The floor every other package stands on: typed settings ({@link shortsmith.core.Settings}), the
 * story manifest ({@link shortsmith.core.Story}) and the command-line shape that reads it
 * ({@link shortsmith.core.StoryInput}), the work folder with its write-then-rename files
 * ({@link shortsmith.core.WorkDir}), failures a user can act on with their exit codes
 * ({@link shortsmith.core.ShortsmithException}, {@link shortsmith.core.ExitCode},
 * {@link shortsmith.core.Cli}), per-scene progress on stderr and a stage's result.
 *
 * <p>May use: nothing else of shortsmith.
 */
package shortsmith.core;
