package shortsmith.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * The Ken Burns moves a scene may name in its manifest. The video package plans each one over the
 * picture (keeping its subject in frame) and renders it in floating point, so nothing snaps to
 * whole pixels.
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

}
