package shortsmith.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import shortsmith.core.Json;
import shortsmith.core.ShortsmithException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A ComfyUI workflow in API format ("Save (API)": node id → {@code {class_type, inputs}}) with
 * placeholders in its string inputs: {@code {{prompt}}} and friends are filled in per scene. An
 * input that is exactly one numeric placeholder ({@code "{{seed}}"}) becomes a number.
 *
 * <pre>jshell> ComfyWorkflow.load("IMAGE_WORKFLOW", "examples/comfyui/flux-image.json", ComfyImages.PLACEHOLDERS, "prompt")</pre>
 */
record ComfyWorkflow(String setting, Path file, ObjectNode nodes) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z]+)}}");
    /** Placeholders whose value is a number, so a whole-input one becomes a JSON number. */
    static final Set<String> NUMERIC = Set.of("width", "height", "seed", "speed");

    /**
     * Reads and checks the workflow {@code setting} names: API format, only known placeholders, and
     * {@code required} among them. Every problem is one line naming the setting and the fix.
     */
    static ComfyWorkflow load(String setting, String path, Set<String> placeholders, String required) {
        if (path == null || path.isBlank()) {
            throw ShortsmithException.usage(setting + " is not set: export your workflow from ComfyUI with \"Save (API)\" and point " + setting + " at it");
        }
        Path file = Path.of(path).toAbsolutePath();
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw ShortsmithException.badInput(setting + "=" + path + " cannot be read as JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw ShortsmithException.badInput(setting + "=" + path + " is not a JSON object of nodes");
        if (root.has("nodes") && root.has("links")) {
            throw ShortsmithException.badInput(setting + "=" + path + " is a workflow in UI format; export it with \"Save (API)\" "
                    + "(enable the dev mode options in ComfyUI's settings to see it)");
        }
        var found = new TreeSet<String>();
        for (var e : root.properties()) {
            JsonNode node = e.getValue();
            if (!node.isObject() || !node.path("class_type").isTextual() || !node.path("inputs").isObject()) {
                throw ShortsmithException.badInput(setting + "=" + path + ": node " + e.getKey() + " has no class_type and inputs; is it a \"Save (API)\" export?");
            }
            for (var input : node.get("inputs").properties()) {
                if (input.getValue().isTextual()) PLACEHOLDER.matcher(input.getValue().asText()).results().forEach(m -> found.add(m.group(1)));
            }
        }
        var unknown = new TreeSet<>(found);
        unknown.removeAll(placeholders);
        if (!unknown.isEmpty()) {
            throw ShortsmithException.badInput(setting + "=" + path + " uses " + unknown.stream().map(p -> "{{" + p + "}}").toList()
                    + ", which are not placeholders here: use " + new TreeSet<>(placeholders).stream().map(p -> "{{" + p + "}}").toList());
        }
        if (!found.contains(required)) {
            throw ShortsmithException.badInput(setting + "=" + path + " has no {{" + required + "}}: put it in the text input of the node that "
                    + (required.equals("prompt") ? "encodes the prompt (CLIPTextEncode)" : "speaks the narration"));
        }
        return new ComfyWorkflow(setting, file, (ObjectNode) root);
    }

    /** Fails at start when {@code node} (IMAGE_OUTPUT_NODE / TTS_OUTPUT_NODE) is not in the workflow. */
    ComfyWorkflow checkNode(String outputSetting, String node) {
        if (node != null && !node.isBlank() && !nodes.has(node)) {
            throw ShortsmithException.usage(outputSetting + "=" + node + " is not a node of " + file.getFileName() + ": its nodes are "
                    + new TreeSet<>(iterableKeys()));
        }
        return this;
    }

    private Set<String> iterableKeys() {
        var keys = new TreeSet<String>();
        nodes.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** The workflow with every placeholder filled in (a deep copy: this one is unchanged). */
    ObjectNode fill(Map<String, Object> values) {
        ObjectNode copy = nodes.deepCopy();
        for (var e : copy.properties()) {
            ObjectNode inputs = (ObjectNode) e.getValue().get("inputs");
            for (var input : inputs.properties()) {
                if (!input.getValue().isTextual()) continue;
                String text = input.getValue().asText();
                var whole = PLACEHOLDER.matcher(text);
                if (whole.matches() && NUMERIC.contains(whole.group(1)) && values.get(whole.group(1)) instanceof Number n) {
                    inputs.set(input.getKey(), n instanceof Double || n instanceof Float ? Json.MAPPER.getNodeFactory().numberNode(n.doubleValue())
                            : Json.MAPPER.getNodeFactory().numberNode(n.longValue()));
                    continue;
                }
                String filled = PLACEHOLDER.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(String.valueOf(values.getOrDefault(m.group(1), ""))));
                inputs.set(input.getKey(), new TextNode(filled));
            }
        }
        return copy;
    }
}
