/**
 * The floor every other package stands on: typed settings ({@link shortsmith.core.Settings}), the
 * story manifest ({@link shortsmith.core.Story}) and the command-line shape that reads it
 * ({@link shortsmith.core.StoryInput}), the work folder with its write-then-rename files
 * ({@link shortsmith.core.WorkDir}), failures a user can act on with their exit codes
 * ({@link shortsmith.core.ShortsmithException}, {@link shortsmith.core.ExitCode},
 * {@link shortsmith.core.Cli}), per-scene progress on stderr and a stage's result, where the
 * user's caches and limits live ({@link shortsmith.core.Home}) and the paid service a limit belongs
 * to ({@link shortsmith.core.ServiceKey}).
 *
 * <p>May use: nothing else of shortsmith.
 */
package shortsmith.core;
