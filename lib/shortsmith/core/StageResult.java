package shortsmith.core;

import java.util.Map;

/**
 * What a scene stage (images, narration, clips) hands on: the story with what it produced, and
 * what failed (scene id → one-line reason). One scene's failure never stops the others.
 */
public record StageResult(Story story, Map<String, ShortsmithException> failures, boolean anyDone) {

    public int exitCode() { return exitCode(failures, !anyDone); }

    /** The ids named on the command line that the story does not have, as usage failures. */
    public static Map<String, ShortsmithException> unknownIds(StoryInput input, Story story) {
        Map<String, ShortsmithException> failures = new java.util.LinkedHashMap<>();
        for (String id : input.unknownIds()) {
            failures.put(id, ShortsmithException.usage("scene " + id + ": no such scene in \"" + story.title() + "\"; its scenes are "
                    + story.scenes().stream().map(Story.Scene::id).toList()));
        }
        return failures;
    }

    /** A scene's failure as one line that starts with the scene ("scene s2: …"), keeping its exit code and type. */
    public static ShortsmithException sceneFailure(String id, Exception e) {
        if (e instanceof ShortsmithException s) {
            return s.getMessage().startsWith("scene " + id + ":") ? s : new ShortsmithException(s.exitCode(), "scene " + id + ": " + s.getMessage(), s);
        }
        return new ShortsmithException(ExitCode.FAILED, "scene " + id + ": " + e, e);
    }

    /** 0 when nothing failed; when nothing was done either, the failures' own code if they share one; else 1 (FAILED). */
    public static int exitCode(Map<String, ShortsmithException> failures, boolean nothingDone) {
        if (failures.isEmpty()) return ExitCode.OK.code();
        var codes = failures.values().stream().map(e -> e.exitCode().code()).distinct().toList();
        return nothingDone && codes.size() == 1 ? codes.getFirst() : ExitCode.FAILED.code();
    }
}
