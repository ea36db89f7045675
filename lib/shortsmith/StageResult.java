package shortsmith;

import java.util.Map;

/**
 * What a scene stage (images, narration, clips) hands on: the story with what it produced, and
 * what failed (scene id → one-line reason). One scene's failure never stops the others.
 */
public record StageResult(Story story, Map<String, ShortsmithException> failures, boolean anyDone) {

    public int exitCode() { return exitCode(failures, !anyDone); }

    /** 0 when nothing failed; when nothing was done either, the failures' own code if they share one; else 1 (FAILED). */
    static int exitCode(Map<String, ShortsmithException> failures, boolean nothingDone) {
        if (failures.isEmpty()) return ExitCode.OK.code();
        var codes = failures.values().stream().map(e -> e.exitCode().code()).distinct().toList();
        return nothingDone && codes.size() == 1 ? codes.getFirst() : ExitCode.FAILED.code();
    }
}
