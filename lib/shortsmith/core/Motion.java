package shortsmith.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * The Ken Burns move of a scene. Every move is a viewport gliding over the image: its size follows
 * an exponential zoom (constant perceived speed) and its centre a straight line, in floating point,
 * so nothing snaps to whole pixels.
 */
public enum Motion {
    ZOOM_IN, ZOOM_OUT, PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN;

    /** How much larger than the frame the source is rendered, so every move has room. */
    public static final double MARGIN = 1.12;

    @JsonValue
    public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    @JsonCreator
    public static Motion parse(String text) {
        for (Motion m : values()) if (m.id().equals(text.trim().toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("unknown motion '" + text + "': use zoom-in, zoom-out, pan-left, pan-right, pan-up or pan-down");
    }

    /** The move for a scene that names none: varied along the story, the same on every run. */
    public static Motion forScene(int index, String sceneId) {
        Motion[] cycle = {ZOOM_IN, PAN_RIGHT, ZOOM_OUT, PAN_UP, ZOOM_IN, PAN_LEFT, ZOOM_OUT, PAN_DOWN};
        return cycle[Math.floorMod(index + sceneId.hashCode() % 2, cycle.length)];
    }

    /**
     * The viewport at progress {@code t} (0…1) over a source of {@code sw × sh} pixels: its left,
     * top, width and height in source pixels (fractional).
     */
    public Viewport at(double t, int sw, int sh) {
        double zoomed = 1 / MARGIN;  // the viewport's size, as a share of the source, when zoomed in
        double scale = switch (this) {
            case ZOOM_IN -> Math.pow(zoomed, t);
            case ZOOM_OUT -> Math.pow(zoomed, 1 - t);
            default -> zoomed;
        };
        double w = sw * scale, h = sh * scale;
        double roomX = sw - w, roomY = sh - h;
        double x = switch (this) {
            case PAN_LEFT -> roomX * (1 - t);   // the camera (viewport) moves left
            case PAN_RIGHT -> roomX * t;
            default -> roomX / 2;
        };
        double y = switch (this) {
            case PAN_UP -> roomY * (1 - t);
            case PAN_DOWN -> roomY * t;
            default -> roomY / 2;
        };
        return new Viewport(x, y, w, h);
    }

    /** A rectangle of the source, in fractional pixels. */
    public record Viewport(double x, double y, double width, double height) {}
}
