package shortsmith.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Locale;

/**
 * The Ken Burns moves a scene may name in its manifest, and {@code none} for a scene that holds
 * still on purpose. The video package plans each move over the picture (keeping its subject in
 * frame, travelling at least {@link #MIN_ZOOM} or {@link #MIN_PAN}) and renders it in floating
 * point, so nothing snaps to whole pixels.
 */
public enum Motion {
    ZOOM_IN, ZOOM_OUT, PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN, NONE;

    /** How much larger than the frame the source is rendered, so every move has room: the most a zoom scales. */
    public static final double MARGIN = 1.12;

    /** The least a zoom scales over a scene to be seen moving (1.06: 6 %). */
    public static final double MIN_ZOOM = 1.06;

    /**
     * The least a pan travels over a scene, as a share of the frame along its direction (5 % of the
     * width for a sideways pan, of the height for an upward or downward one): the same at any size.
     */
    public static final double MIN_PAN = 0.05;

    /** The six moves, without {@link #NONE}. */
    public static List<Motion> moves() { return List.of(ZOOM_IN, ZOOM_OUT, PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN); }

    public boolean isZoom() { return this == ZOOM_IN || this == ZOOM_OUT; }

    public boolean isPan() { return this != NONE && !isZoom(); }

    /** A pan to the left or right. */
    public boolean isSideways() { return this == PAN_LEFT || this == PAN_RIGHT; }

    @JsonValue
    public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    @JsonCreator
    public static Motion parse(String text) {
        for (Motion m : values()) if (m.id().equals(text.trim().toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("unknown motion '" + text + "': use zoom-in, zoom-out, pan-left, pan-right, pan-up, pan-down or none");
    }
}
