package shortsmith.video;

import shortsmith.core.Motion;

import java.util.Locale;

/**
 * The Ken Burns move of a scene, planned from what is in the picture: the subject (found by
 * {@link Saliency}, or the manifest's {@code focus}) stays wholly inside the frame from the first
 * frame to the last. A zoom scales the viewport about a fixed anchor, so every frame's viewport
 * contains the tightest one, which contains the subject; a pan slides a viewport of fixed size in a
 * straight line between two windows that both contain it. Both are exact in floating point, so the
 * motion stays sub-pixel smooth. A named motion keeps its direction; with none, the move goes toward
 * the subject (a pan when it sits off to one side of a wide picture, else a zoom in on it).
 *
 * <pre>jshell> Framing.plan(1210, 2150, 1080.0 / 1920, Saliency.Box.around(0.8, 0.3), null)</pre>
 */
public final class Framing {
    private Framing() {}

    /** A rectangle of the source, in fractional pixels. */
    public record Viewport(double x, double y, double width, double height) {
        boolean contains(double bx0, double by0, double bx1, double by1) {
            double eps = 1e-6;
            return x <= bx0 + eps && y <= by0 + eps && x + width >= bx1 - eps && y + height >= by1 - eps;
        }

        @Override
        public String toString() { return String.format(Locale.ROOT, "[%.1f,%.1f %.1f×%.1f]", x, y, width, height); }
    }

    /** A planned move: the viewport at progress {@code t} (0…1). */
    public sealed interface Move {
        Motion motion();

        Viewport at(double t);

        /** A zoom about the anchor (px, py): from the tight viewport scaled by {@code zoom} to it (zoom-in), or back. */
        record Scale(Motion motion, double px, double py, Viewport tight, double zoom) implements Move {
            public Viewport at(double t) {
                double u = motion == Motion.ZOOM_OUT ? t : 1 - t;   // 1 = widest
                double k = Math.pow(zoom, u);
                return new Viewport(px - (px - tight.x()) * k, py - (py - tight.y()) * k, tight.width() * k, tight.height() * k);
            }
        }

        /** A slide of a fixed-size viewport in a straight line. */
        record Pan(Motion motion, Viewport from, Viewport to) implements Move {
            public Viewport at(double t) {
                return new Viewport(from.x() + (to.x() - from.x()) * t, from.y() + (to.y() - from.y()) * t, from.width(), from.height());
            }
        }
    }

    /** The plan of a scene, as {@code encode --explain} and the manifest show it. */
    public record Plan(Move move, Saliency.Box subject, String source) {
        public Motion motion() { return move.motion(); }

        public String explain() {
            return String.format(Locale.ROOT, "%s %s, subject %s (%s)", move.motion().id(), move instanceof Move.Pan p
                            ? "from " + p.from() + " to " + p.to() : "from " + move.at(0) + " to " + move.at(1),
                    subject == null ? "none found: centred" : String.format(Locale.ROOT, "at %.2f,%.2f", subject.cx(), subject.cy()), source);
        }
    }

    /**
     * Plans the move over a source of {@code w × h} pixels for frames of {@code aspect} (width ÷
     * height). {@code subject} may be null (nothing stands out: centred); {@code named} may be null
     * (chosen here). The tightest viewport is {@link Motion#MARGIN} times smaller than the widest
     * that fits, as before, unless the subject needs more room.
     */
    public static Move plan(int w, int h, double aspect, Saliency.Box subject, Motion named) {
        double vw = Math.min(w, h * aspect), vh = vw / aspect;                   // the widest viewport
        double bx0, by0, bx1, by1;
        if (subject != null) {
            bx0 = subject.x0() * w;
            by0 = subject.y0() * h;
            bx1 = subject.x1() * w;
            by1 = subject.y1() * h;
        } else {                                                                 // no subject: the centre
            bx0 = bx1 = w / 2.0;
            by0 = by1 = h / 2.0;
        }
        // The tightest viewport: MARGIN smaller than the widest, but never smaller than the subject.
        double tw = Math.min(vw, Math.max(vw / Motion.MARGIN, Math.max(bx1 - bx0, (by1 - by0) * aspect)));
        double th = tw / aspect;
        Motion motion = named != null ? named : choose(w, h, vw, tw, bx0, bx1, subject);
        return switch (motion) {
            case ZOOM_IN, ZOOM_OUT -> zoom(motion, w, h, vw, tw, th, bx0, by0, bx1, by1);
            case PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN -> pan(motion, w, h, tw, th, bx0, by0, bx1, by1);
        };
    }

    /** Toward the subject: a pan when it sits well to one side of a picture wider than the frame, else a zoom in. */
    private static Motion choose(int w, int h, double vw, double tw, double bx0, double bx1, Saliency.Box subject) {
        if (subject == null) return Motion.ZOOM_IN;
        double cx = (bx0 + bx1) / 2;
        if (w - tw > 0.2 * tw && Math.abs(cx - w / 2.0) > 0.15 * w) return cx > w / 2.0 ? Motion.PAN_RIGHT : Motion.PAN_LEFT;
        return Motion.ZOOM_IN;
    }

    private static Move zoom(Motion motion, int w, int h, double vw, double tw, double th, double bx0, double by0, double bx1, double by1) {
        double zoom = Math.max(1, vw / tw);
        // The tight viewport around the subject, inside the source.
        double tx = clamp((bx0 + bx1 - tw) / 2, Math.max(0, bx1 - tw), Math.min(w - tw, bx0));
        double ty = clamp((by0 + by1 - th) / 2, Math.max(0, by1 - th), Math.min(h - th, by0));
        var tight = new Viewport(clamp(tx, 0, w - tw), clamp(ty, 0, h - th), tw, th);
        // The anchor: the widest viewport (tight scaled about it by zoom) must stay inside the source.
        double px = anchor(tight.x(), tw, w, zoom, (bx0 + bx1) / 2), py = anchor(tight.y(), th, h, zoom, (by0 + by1) / 2);
        return new Move.Scale(motion, px, py, tight, zoom);
    }

    /** Where on one axis to scale about so that [a, a+len] scaled by z stays within [0, size]; as near {@code want} as allowed. */
    private static double anchor(double a, double len, double size, double z, double want) {
        if (z <= 1 + 1e-9) return a + len / 2;
        double lo = Math.max(a, (z * (a + len) - size) / (z - 1)), hi = Math.min(a + len, z * a / (z - 1));
        return lo <= hi ? clamp(want, lo, hi) : (lo + hi) / 2;
    }

    private static Move pan(Motion motion, int w, int h, double tw, double th, double bx0, double by0, double bx1, double by1) {
        // Positions whose viewport holds the subject and stays inside the source, on each axis.
        double xlo = clamp(bx1 - tw, 0, w - tw), xhi = clamp(bx0, 0, w - tw);
        double ylo = clamp(by1 - th, 0, h - th), yhi = clamp(by0, 0, h - th);
        double xc = clamp((bx0 + bx1 - tw) / 2, Math.min(xlo, xhi), Math.max(xlo, xhi));
        double yc = clamp((by0 + by1 - th) / 2, Math.min(ylo, yhi), Math.max(ylo, yhi));
        double lo, hi;
        boolean horizontal = motion == Motion.PAN_LEFT || motion == Motion.PAN_RIGHT;
        if (horizontal) {
            lo = Math.min(xlo, xhi);
            hi = Math.max(xlo, xhi);
        } else {
            lo = Math.min(ylo, yhi);
            hi = Math.max(ylo, yhi);
        }
        boolean forward = motion == Motion.PAN_RIGHT || motion == Motion.PAN_DOWN;   // the camera moves right or down
        double from = forward ? lo : hi, to = forward ? hi : lo;
        Viewport a = horizontal ? new Viewport(from, yc, tw, th) : new Viewport(xc, from, tw, th);
        Viewport b = horizontal ? new Viewport(to, yc, tw, th) : new Viewport(xc, to, tw, th);
        return new Move.Pan(motion, a, b);
    }

    private static double clamp(double v, double lo, double hi) { return Math.max(lo, Math.min(hi, v)); }

    /** The share of {@code frames} frames whose viewport wholly holds {@code subject} (fractions of a {@code w × h} source). */
    public static double shareHolding(Move move, Saliency.Box subject, int w, int h, int frames) {
        int holding = 0;
        for (int k = 0; k < frames; k++) {
            var v = move.at(frames == 1 ? 0 : (double) k / (frames - 1));
            if (v.contains(subject.x0() * w, subject.y0() * h, subject.x1() * w, subject.y1() * h)) holding++;
        }
        return (double) holding / frames;
    }

    /** The move the toolkit made before it looked at the picture: the motion's geometry alone, centred. */
    public static Move geometryOnly(int w, int h, double aspect, Motion motion) {
        double vw = Math.min(w, h * aspect), vh = vw / aspect;
        double zoomed = 1 / Motion.MARGIN;
        return switch (motion) {
            case ZOOM_IN, ZOOM_OUT -> new Move.Scale(motion, w / 2.0, h / 2.0,
                    new Viewport((w - vw * zoomed) / 2, (h - vh * zoomed) / 2, vw * zoomed, vh * zoomed), Motion.MARGIN);
            default -> {
                double tw = vw * zoomed, th = vh * zoomed, rx = w - tw, ry = h - th;
                yield switch (motion) {
                    case PAN_LEFT -> new Move.Pan(motion, new Viewport(rx, ry / 2, tw, th), new Viewport(0, ry / 2, tw, th));
                    case PAN_RIGHT -> new Move.Pan(motion, new Viewport(0, ry / 2, tw, th), new Viewport(rx, ry / 2, tw, th));
                    case PAN_UP -> new Move.Pan(motion, new Viewport(rx / 2, ry, tw, th), new Viewport(rx / 2, 0, tw, th));
                    default -> new Move.Pan(motion, new Viewport(rx / 2, 0, tw, th), new Viewport(rx / 2, ry, tw, th));
                };
            }
        };
    }
}
