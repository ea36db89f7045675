package shortsmith.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command-line shape every scene script shares: {@code NAME [options] [STORY] [SCENE_ID…]}.
 * STORY is a path or {@code -} (stdin); an argument that is neither an existing file nor {@code -}
 * is a scene id. With no STORY: stdin when it is not a terminal, else {@code story.json} here.
 */
public record StoryInput(Story story, Path manifest, List<String> sceneIds) {

    public static StoryInput resolve(List<String> args, InputStream stdin, boolean stdinIsTerminal) {
        List<String> ids = new ArrayList<>();
        Path manifest = null;
        boolean fromStdin = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i == 0 && a.equals("-")) fromStdin = true;
            else if (i == 0 && (Files.isRegularFile(WorkDir.path(Path.of(""), a, "the command line")) || a.endsWith(".json"))) manifest = Path.of(a);
            else ids.add(a);
        }
        Story story;
        if (manifest != null) {
            if (!Files.isRegularFile(manifest)) throw ShortsmithException.badInput("story " + manifest + " does not exist");
            story = Story.read(manifest);
        } else {
            String piped = fromStdin || !stdinIsTerminal ? read(stdin) : "";
            if (!piped.isBlank()) {
                Path here = Path.of("").toAbsolutePath();
                String source = "the manifest on stdin";
                story = Story.parse(piped, source).resolvedAgainst(here, source);
                story = story.checkWrites(here, source, null, Writes.handedOn(piped, story));
            } else if (!fromStdin && Files.isRegularFile(Path.of("story.json"))) {
                manifest = Path.of("story.json");
                story = Story.read(manifest);
            } else {
                throw ShortsmithException.usage("no story: give a STORY file, pipe a manifest in, or run where story.json is");
            }
        }
        return new StoryInput(story, manifest == null ? null : manifest.toAbsolutePath(), List.copyOf(ids));
    }

    /** From a script's positional arguments and this process's stdin. */
    public static StoryInput fromArgs(List<String> args) {
        return resolve(args == null ? List.of() : args, System.in, Progress.isTerminal(0));
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ShortsmithException.badInput("cannot read the manifest on stdin: " + e.getMessage());
        }
    }

    /** The scenes to work on: the named ones (in story order), else all. Unknown ids are returned apart. */
    public List<Story.Scene> selected() {
        if (sceneIds.isEmpty()) return story.scenes();
        return story.scenes().stream().filter(s -> sceneIds.contains(s.id())).toList();
    }

    public List<String> unknownIds() {
        return sceneIds.stream().filter(id -> story.scenes().stream().noneMatch(s -> s.id().equals(id))).toList();
    }

    /** The story's work folder (see {@link WorkDir}). */
    public WorkDir workDir(Settings settings) { return WorkDir.forStory(story, manifest, settings.clips().workDir()); }

    /**
     * Where this story's Short goes: {@code chosen} (the user's {@code -o}), else the manifest's
     * {@code output}, else {@code fallback}; claimed for the story, or refused in one line when it
     * would replace what it must not ({@link Writes#claim}).
     */
    public Path output(Settings settings, Path chosen, Path fallback) {
        if (chosen != null) return Writes.claim(this, workDir(settings), chosen, Writes.Origin.USER);
        if (story.output() != null) return Writes.claim(this, workDir(settings), Path.of(story.output()), Writes.Origin.MANIFEST);
        return Writes.claim(this, workDir(settings), fallback, Writes.Origin.DEFAULT);
    }

    /** The story as JSON for stdout, where the next stage of a pipe reads it (recorded as handed on: see {@link Writes#handOn}). */
    public static String handOn(Story story) { return Writes.handOn(story); }
}
