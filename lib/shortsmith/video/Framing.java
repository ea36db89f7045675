package shortsmith.video;

import shortsmith.core.Motion;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The Ken Burns move of a scene, planned from what is in the picture. Every move travels at least
 * a visible minimum ({@link Motion#MIN_ZOOM}, {@link Motion#MIN_PAN}) unless the manifest says
 * {@code "motion": "none"}, and keeps the subject (found by {@link Saliency}, or the manifest's
 * {@code focus}) wholly in frame when the picture leaves room for that; when it does not, it keeps
 * as much of it as a visible move can, and says so.
 *
 * <p>A move is two views of the picture, the first frame's and the last's, of the frame's shape.
 * A pan slides one view to the other in a straight line; a zoom scales about the one point the two
 * views share (anywhere, so a zoom may drift toward its subject). Every view's edges move in
 * straight lines between the two, so a constraint both views meet (inside the picture, holding the
 * subject) holds in every frame between; and both are exact in floating point, so the motion stays
 * sub-pixel smooth.
 *
 * <p>With no motion named, scenes take turns (in, pan, out, pan; {@code turn} is the scene's place
 * in the story), each move following its picture's subject: a zoom centres on it, a pan goes toward
 * it; a subject the picture's right or bottom edge cuts (where Shorts puts its buttons and titles)
 * is brought inward, the view passing that edge by up to {@link #OVERHANG} (the caller carries the
 * picture on past it: {@link KenBurns.Yuv420#extended}).
 *
 * <pre>jshell> Framing.plan(Framing.Stage.coverWithFill(1210, 2152), 1080.0 / 1920, Saliency.Box.around(0.8, 0.3), "given", null, 2, 6).explain()</pre>
 */
public final class Framing {
    private Framing() {}

    /**
     * How far the last view may pass the picture's right or bottom edge, as a share of the view, to
     * bring a subject that edge cuts inward (the picture's own edge, mirrored and blurred, shows
     * there, under Shorts' buttons or titles).
     */
    public static final double OVERHANG = 0.06;

    /** The most a pan travels over a scene, as a share of the frame: a wide picture is not swept at a run. */
    public static final double MAX_PAN = 0.25;

    /**
     * The fastest a pan goes beyond its minimum travel, in frame widths a second whichever way it
     * pans (so up and down are no faster than sideways): 2.1 %, 0.75 px a frame at 1080×1920 and
     * 30 fps. Calm, and measured: x264 with today's options keeps tracked dots of a pan this fast
     * at an RMS jerk of 0.047 px/frame², against 0.132 at 1.2 px a frame.
     */
    public static final double MAX_PAN_SPEED = 0.021;

    /**
     * What a move that must cut the subject travels: a little over the visible minimum
     * ({@link Motion#MIN_ZOOM}, {@link Motion#MIN_PAN}), so that it is seen to move, and no more, so
     * that it cuts little.
     */
    static final double FORCED_ZOOM = 1.07, FORCED_PAN = 0.06;

    /** A subject this close to an edge (share of the picture) is cut by it. */
    static final double EDGE = 0.01;

    /** A rectangle of the source, in fractional pixels. */
    public record Viewport(double x, double y, double width, double height) {
        public double x1() { return x + width; }

        public double y1() { return y + height; }

        public double cx() { return x + width / 2; }

        public double cy() { return y + height / 2; }

        boolean contains(double bx0, double by0, double bx1, double by1) {
            double eps = 1e-6;
            return x <= bx0 + eps && y <= by0 + eps && x + width >= bx1 - eps && y + height >= by1 - eps;
        }

        /** The share of the rectangle {@code r} inside this one. */
        double keeps(Viewport r) {
            double w = Math.min(x1(), r.x1()) - Math.max(x, r.x()), h = Math.min(y1(), r.y1()) - Math.max(y, r.y());
            return r.width() * r.height() <= 0 ? 1 : Math.max(0, w) * Math.max(0, h) / (r.width() * r.height());
        }

        @Override
        public String toString() { return String.format(Locale.ROOT, "[%.1f,%.1f %.1f×%.1f]", x, y, width, height); }
    }

    /** A planned move: the view at progress {@code t} (0…1). */
    public sealed interface Move {
        Motion motion();

        Viewport at(double t);

        /** How far it travels, as the viewer sees it. */
        default Travel travel() { return Travel.between(at(0), at(1)); }

        /** A zoom about the anchor (px, py): from the tight view scaled by {@code zoom} to it (zoom-in), or back. */
        record Scale(Motion motion, double px, double py, Viewport tight, double zoom) implements Move {
            public Viewport at(double t) {
                double u = motion == Motion.ZOOM_OUT ? t : 1 - t;   // 1 = widest
                double k = Math.pow(zoom, u);
                return new Viewport(px - (px - tight.x()) * k, py - (py - tight.y()) * k, tight.width() * k, tight.height() * k);
            }

            /** The zoom from view {@code from} to view {@code to} (the one of a different size): about the point they share. */
            static Scale between(Motion motion, Viewport from, Viewport to) {
                Viewport tight = from.width() < to.width() ? from : to, wide = tight == from ? to : from;
                double z = wide.width() / tight.width();
                // wide = p − (p − tight)·z on each axis.
                return new Scale(motion, (wide.x() - z * tight.x()) / (1 - z), (wide.y() - z * tight.y()) / (1 - z), tight, z);
            }
        }

        /** A slide of a fixed-size view in a straight line; from = to holds still ({@link Motion#NONE}). */
        record Pan(Motion motion, Viewport from, Viewport to) implements Move {
            public Viewport at(double t) {
                return new Viewport(from.x() + (to.x() - from.x()) * t, from.y() + (to.y() - from.y()) * t, from.width(), from.height());
            }
        }
    }

    /**
     * How far a move travels, as the viewer sees it: the picture's scale in the first and last
     * frames (1 = the move's widest view), and how far the view's centre moves, in shares of the
     * first frame's width ({@code panX}, + rightward) and height ({@code panY}, + downward). The
     * picture itself moves the other way.
     */
    public record Travel(double zoomFrom, double zoomTo, double panX, double panY) {
        static Travel between(Viewport a, Viewport b) {
            double wide = Math.max(a.width(), b.width());
            return new Travel(wide / a.width(), wide / b.width(), (b.cx() - a.cx()) / a.width(), (b.cy() - a.cy()) / a.height());
        }

        /** The scale from the widest frame to the tightest (1 for a pan). */
        public double zoom() { return Math.max(zoomFrom, zoomTo) / Math.min(zoomFrom, zoomTo); }

        /** Whether a viewer sees it move: a zoom of at least {@link Motion#MIN_ZOOM} or a pan of {@link Motion#MIN_PAN} of the frame. */
        public boolean visible() {
            double eps = 1e-6;
            return zoom() >= Motion.MIN_ZOOM - eps || Math.abs(panX) >= Motion.MIN_PAN - eps || Math.abs(panY) >= Motion.MIN_PAN - eps;
        }

        /** How many times the visible minimum it travels (≥ 1 is visible). */
        public double overMinimum() {
            return Math.max(Math.log(zoom()) / Math.log(Motion.MIN_ZOOM), Math.max(Math.abs(panX), Math.abs(panY)) / Motion.MIN_PAN);
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            boolean zooms = zoom() >= 1.005;
            if (zooms) parts.add(String.format(Locale.ROOT, "zoom %.2f→%.2f", zoomFrom, zoomTo));
            String verb = zooms ? "drift " : "pan ";
            if (Math.abs(panX) >= 0.002) parts.add(String.format(Locale.ROOT, "%s%.1f%% of the frame %s", verb, 100 * Math.abs(panX), panX > 0 ? "rightward" : "leftward"));
            if (Math.abs(panY) >= 0.002) parts.add(String.format(Locale.ROOT, "%s%.1f%% of the frame %s", parts.size() > (zooms ? 1 : 0) ? "" : verb,
                    100 * Math.abs(panY), panY > 0 ? "downward" : "upward").trim());
            return parts.isEmpty() ? "still" : String.join(", ", parts);
        }
    }

    /**
     * What a move plays over: a canvas of {@code width × height} pixels with the picture at
     * {@code picture}. {@code whole}: the picture sits on a fill (contain-blur) and every view
     * shows all of it. Otherwise (cover) every view stays on the picture, except that with
     * {@code fill} a view may pass its right or bottom edge by {@link #OVERHANG} to bring a subject
     * cut there inward, or to hold it whole (the caller carries the picture on past it by
     * {@link Plan#overhang}).
     */
    public record Stage(int width, int height, Viewport picture, boolean whole, boolean fill) {
        /** A picture the views stay on (nothing beyond its edges). */
        public static Stage cover(int width, int height) { return new Stage(width, height, new Viewport(0, 0, width, height), false, false); }

        /** A picture whose right and bottom edges may be passed over a fill the caller adds. */
        public static Stage coverWithFill(int width, int height) { return new Stage(width, height, new Viewport(0, 0, width, height), false, true); }

        /** A picture shown whole on a canvas of fill. */
        public static Stage contain(int width, int height, Viewport picture) { return new Stage(width, height, picture, true, false); }
    }

    /**
     * The plan of a scene, as {@code encode --explain} shows it: the move, the subject (fractions of
     * the canvas; null when none was found), where it came from, why this move, the share of the
     * subject the worst frame keeps, and a warning for the user (null when there is nothing to say).
     */
    public record Plan(Move move, Stage stage, Saliency.Box subject, String source, String why, double kept, String warning) {
        public Motion motion() { return move.motion(); }

        public Travel travel() { return move.travel(); }

        /** How far (pixels) the views pass the picture's right and bottom edges: the fill the canvas needs there. */
        public int[] overhang() {
            if (stage.whole()) return new int[] {0, 0};   // a contained picture's views are over the fill anyway
            var a = move.at(0);
            var b = move.at(1);
            var p = stage.picture();
            // Less than a hundredth of a pixel is rounding, not a view past the edge.
            return new int[] {(int) Math.ceil(Math.max(0, Math.max(a.x1(), b.x1()) - p.x1() - 0.01)),
                    (int) Math.ceil(Math.max(0, Math.max(a.y1(), b.y1()) - p.y1() - 0.01))};
        }

        public String explain() {
            String where;
            if (subject == null) {
                where = "no subject (" + source + ")";
            } else {
                var p = stage.picture();
                double x0 = (subject.x0() * stage.width() - p.x()) / p.width(), x1 = (subject.x1() * stage.width() - p.x()) / p.width();
                double y0 = (subject.y0() * stage.height() - p.y()) / p.height(), y1 = (subject.y1() * stage.height() - p.y()) / p.height();
                where = String.format(Locale.ROOT, "subject %.2f–%.2f × %.2f–%.2f of the picture (%s)%s", x0, x1, y0, y1, source,
                        kept < 0.9995 ? String.format(Locale.ROOT, ", %.0f %% of it kept", 100 * kept) : ", kept whole");
            }
            return String.format(Locale.ROOT, "%s: %s; %s; %s", move.motion().id(), travel(), where, why);
        }
    }

    /** As {@link #plan(Stage, double, Saliency.Box, String, Motion, int, double)} on a picture the views stay on, the move alone. */
    public static Move plan(int w, int h, double aspect, Saliency.Box subject, Motion named) {
        return plan(Stage.cover(w, h), aspect, subject, "given", named, 0).move();
    }

    /** As {@link #plan(Stage, double, Saliency.Box, String, Motion, int, double)} for a scene of no particular length (pans at any speed). */
    public static Plan plan(Stage stage, double aspect, Saliency.Box subject, String source, Motion named, int turn) {
        return plan(stage, aspect, subject, source, named, turn, Double.POSITIVE_INFINITY);
    }

    /**
     * Plans the move over {@code stage} for frames of {@code aspect} (width ÷ height), over a scene
     * of {@code seconds} (a pan goes no faster than {@link #MAX_PAN_SPEED} beyond its minimum).
     * {@code subject} may be null (nothing stands out); {@code source} says where it came from;
     * {@code named} may be null (chosen here, following the subject, by the scene's {@code turn}).
     */
    public static Plan plan(Stage stage, double aspect, Saliency.Box subject, String source, Motion named, int turn, double seconds) {
        var p = new Planner(stage, aspect, subject, seconds);
        Candidate c;
        String why;
        if (named == Motion.NONE) {
            c = p.still();
            why = "the manifest says \"none\"";
        } else if (named != null) {
            c = p.make(named, false);
            why = "the manifest names it";
            if (c == null) {
                c = p.make(named, true);
                why += "; " + p.noRoom(named);
            }
        } else {
            var choice = p.choose(turn);
            c = choice.candidate();
            why = choice.why();
        }
        String warning = null;
        if (c.kept() < 0.9995) {
            warning = String.format(Locale.ROOT, "%s (%s) keeps only %.0f %% of the subject (%s): %s", c.move().motion().id(), c.move().travel(),
                    100 * c.kept(), p.subjectSize(), named == null ? "no visible move holds it whole"
                            : "give the scene a \"focus\", another motion, or \"motion\": \"none\"");
        }
        var plan = new Plan(c.move(), stage, subject, source, why, c.kept(), warning);
        int[] over = plan.overhang();
        if (over[0] > 0 || over[1] > 0) {
            String edge = over[0] > 0 && over[1] > 0 ? "right and bottom edges" : over[0] > 0 ? "right edge" : "bottom edge";
            var a = c.move().at(0);
            var b = c.move().at(1);
            // Where the subject's far side sits in the first and last frames (shares of the frame from the left or top).
            double from = over[0] > 0 ? (p.subject.x1() - a.x()) / a.width() : (p.subject.y1() - a.y()) / a.height();
            double to = over[0] > 0 ? (p.subject.x1() - b.x()) / b.width() : (p.subject.y1() - b.y()) / b.height();
            String how = to < from ? "the move brings it inward" : "the move starts past that edge to hold it whole";
            String fill = String.format(Locale.ROOT, "the subject is cut by the picture's %s: %s; the view passes that edge by up to %.0f %% of "
                    + "the frame, where the picture's own edge shows mirrored and blurred", edge, how,
                    100.0 * Math.max(over[0] / Math.min(a.width(), b.width()), over[1] / Math.min(a.height(), b.height())));
            if (named != null) why += "; the subject is cut by the picture's " + edge + ": " + how;
            plan = new Plan(c.move(), stage, subject, source, why, c.kept(), warning == null ? fill : warning + "; " + fill);
        }
        return plan;
    }

    /** A move and the share of the subject its worst frame keeps (1 without a subject). */
    private record Candidate(Move move, double kept) {}

    private record Choice(Candidate candidate, String why) {}

    /** The order the kinds of move take their turns in, when none is named. */
    private static final String[] TURNS = {"zoom-in", "pan", "zoom-out", "pan"};

    /** The geometry of one scene: what the views may show and what they should hold. */
    private static final class Planner {
        final Stage stage;
        final double aspect;
        final Viewport picture, subject;   // subject null: none
        final double wmax, wmin;          // the widest and tightest views
        final boolean cutRight, cutBottom;
        final double seconds;

        Planner(Stage stage, double aspect, Saliency.Box box, double seconds) {
            this.stage = stage;
            this.aspect = aspect;
            this.seconds = seconds;
            this.picture = stage.picture();
            this.subject = box == null ? null
                    : new Viewport(box.x0() * stage.width(), box.y0() * stage.height(), (box.x1() - box.x0()) * stage.width(), (box.y1() - box.y0()) * stage.height());
            wmax = stage.whole() ? Math.min(stage.width(), stage.height() * aspect) : Math.min(picture.width(), picture.height() * aspect);
            // Never tighter than MARGIN below the widest (the source is rendered MARGIN larger than the frame), nor so
            // tight that a contained picture is cut.
            wmin = Math.max(wmax / Motion.MARGIN, stage.whole() ? fit(picture) : 0);
            // Cut by the edge, not a band across the picture from one edge to the other.
            cutRight = stage.fill() && subject != null && subject.x1() >= picture.x1() - EDGE * picture.width()
                    && subject.x() > picture.x() + EDGE * picture.width() && subject.width() <= 0.5 * picture.width();
            cutBottom = stage.fill() && subject != null && subject.y1() >= picture.y1() - EDGE * picture.height()
                    && subject.y() > picture.y() + EDGE * picture.height() && subject.height() <= 0.5 * picture.height();
        }

        /** The width of the tightest view of the frame's shape that holds {@code r}. */
        double fit(Viewport r) { return Math.max(r.width(), r.height() * aspect); }

        /** The subject's centre, or the picture's when there is none. */
        double cx() { return subject != null ? subject.cx() : picture.cx(); }

        double cy() { return subject != null ? subject.cy() : picture.cy(); }

        /**
         * A view {@code width} wide, centred as near the subject as allowed: on the stage (on the
         * picture for cover, past its cut right or bottom edge when {@code late}), holding a contained
         * picture, and holding the subject on each axis where it can.
         */
        Viewport view(double width, boolean late) {
            double height = width / aspect;
            return new Viewport(place(width, true, late, cx() - width / 2), place(height, false, late, cy() - height / 2), width, height);
        }

        /** The bounds of a view's start on one axis: on the stage, over a cut edge when {@code late}, holding a contained picture. */
        double[] bounds(double len, boolean horizontal, boolean late) {
            double r0, r1;
            if (stage.whole()) {
                r0 = 0;
                r1 = horizontal ? stage.width() : stage.height();
            } else {
                r0 = horizontal ? picture.x() : picture.y();
                r1 = horizontal ? picture.x1() : picture.y1();
                if (late && (horizontal ? cutRight : cutBottom)) r1 += OVERHANG * len;
            }
            double lo = r0, hi = r1 - len;
            if (stage.whole()) {   // the whole picture, always
                lo = Math.max(lo, (horizontal ? picture.x1() : picture.y1()) - len);
                hi = Math.min(hi, horizontal ? picture.x() : picture.y());
            }
            return new double[] {lo, Math.max(lo, hi)};
        }

        /** The bounds narrowed to those holding the subject on that axis; null when it cannot be held there. */
        double[] holding(double len, boolean horizontal, boolean late) {
            double[] b = bounds(len, horizontal, late);
            if (subject == null) return b;
            double lo = Math.max(b[0], (horizontal ? subject.x1() : subject.y1()) - len), hi = Math.min(b[1], horizontal ? subject.x() : subject.y());
            return lo <= hi + 1e-9 ? new double[] {lo, Math.max(lo, hi)} : null;
        }

        double place(double len, boolean horizontal, boolean late, double want) {
            double[] h = holding(len, horizontal, late);
            double[] b = h != null ? h : bounds(len, horizontal, late);
            return clamp(want, b[0], b[1]);
        }

        double kept(Move m) { return subject == null ? 1 : Math.min(m.at(0).keeps(subject), m.at(1).keeps(subject)); }

        Candidate still() {
            var v = view(stage.whole() ? wmin : wmax, false);
            return new Candidate(new Move.Pan(Motion.NONE, v, v), 1);
        }

        Candidate make(Motion m, boolean forced) {
            return switch (m) {
                case ZOOM_IN, ZOOM_OUT -> zoom(m, forced);
                case PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN -> pan(m, forced);
                case NONE -> still();
            };
        }

        /**
         * A zoom between the widest view and the tightest that holds the subject, both centred on it
         * as far as allowed (so the subject drifts toward the centre as it grows). Null when that
         * scales less than the minimum, unless {@code forced}: then a zoom of {@link #FORCED_ZOOM},
         * centred on the subject, which cuts it least.
         */
        Candidate zoom(Motion m, boolean forced) {
            double tight = Math.max(wmin, subject == null ? 0 : fit(subject));
            if (wmax / tight < Motion.MIN_ZOOM - 1e-9) {
                if (!forced) return null;
                tight = wmax / FORCED_ZOOM;
                if (tight < wmin - 1e-9) return null;
            }
            boolean in = m == Motion.ZOOM_IN;
            // The last view may pass a cut right or bottom edge: the subject comes inward.
            Viewport wide = view(wmax, !in), close = view(tight, in);
            var move = Move.Scale.between(m, in ? wide : close, in ? close : wide);
            return new Candidate(move, kept(move));
        }

        /**
         * A pan the frame's size (a one-to-one slide) where that travels far enough, else of the
         * size that travels farthest, between the two ends of the positions that hold the subject;
         * at most {@link #MAX_PAN} of the frame and {@link #MAX_PAN_SPEED}, about the position that
         * centres it. Null when it
         * travels less than the minimum, unless {@code forced}: then a pan of {@link #FORCED_PAN}
         * about that position, which cuts it least.
         */
        Candidate pan(Motion m, boolean forced) {
            boolean horizontal = m.isSideways(), forward = m == Motion.PAN_RIGHT || m == Motion.PAN_DOWN;
            double best = -1, bestWidth = wmin;
            for (int i = 0; i <= 24; i++) {
                double w = wmin + (wmax - wmin) * i / 24;
                double travel = reach(w, horizontal, forward) / (horizontal ? w : w / aspect);
                if (travel > best + 1e-9) {
                    best = travel;
                    bestWidth = w;
                }
                if (i == 0 && travel >= Motion.MIN_PAN) break;   // the one-to-one slide travels far enough
            }
            if (best < Motion.MIN_PAN - 1e-9 && !forced) return null;
            double width = best < Motion.MIN_PAN - 1e-9 ? wmin : bestWidth, height = width / aspect, len = horizontal ? width : height;
            var early = view(width, false);   // across the pan, the view stays where it starts
            // A pan toward a cut edge may end past it (the subject comes inward); one away from it may start past it, so
            // that it holds the subject whole.
            double[] s = holding(len, horizontal, !forward), e = holding(len, horizontal, forward);
            double from, to;
            if (best >= Motion.MIN_PAN - 1e-9) {
                from = forward ? s[0] : s[1];
                to = forward ? e[1] : e[0];
            } else {
                // Cuts the subject: a little over the minimum, about the position that centres it.
                double[] first = bounds(len, horizontal, false), last = bounds(len, horizontal, forward);
                double d = FORCED_PAN * len, centred = (horizontal ? cx() : cy()) - len / 2;
                if (last[1] - first[0] < d - 1e-9) return null;
                from = forward ? clamp(centred - d / 2, first[0], Math.min(first[1], last[1] - d)) : clamp(centred + d / 2, first[0] + d, first[1]);
                to = forward ? from + d : from - d;
            }
            // At most MAX_PAN, and no faster than MAX_PAN_SPEED (the view's width is the frame's) beyond the minimum.
            double cap = Math.min(MAX_PAN * len, Math.max(MAX_PAN_SPEED * seconds * width, FORCED_PAN * len));
            if (Math.abs(to - from) > cap) {
                // About the position that centres the subject.
                double lo = Math.min(from, to), hi = Math.max(from, to);
                double mid = clamp((horizontal ? cx() : cy()) - len / 2, lo + cap / 2, hi - cap / 2);
                from = mid - (forward ? cap : -cap) / 2;
                to = mid + (forward ? cap : -cap) / 2;
            }
            Viewport a = horizontal ? new Viewport(from, early.y(), width, height) : new Viewport(early.x(), from, width, height);
            Viewport b = horizontal ? new Viewport(to, early.y(), width, height) : new Viewport(early.x(), to, width, height);
            var move = new Move.Pan(m, a, b);
            return new Candidate(move, kept(move));
        }

        /** How far a pan of views {@code width} wide can travel holding the subject (0 when it cannot hold it). */
        double reach(double width, boolean horizontal, boolean forward) {
            double len = horizontal ? width : width / aspect;
            double[] s = holding(len, horizontal, !forward), e = holding(len, horizontal, forward);
            if (s == null || e == null) return 0;
            if (holding(horizontal ? width / aspect : width, !horizontal, false) == null) return 0;   // nor across
            return Math.max(0, forward ? e[1] - s[0] : s[1] - e[0]);
        }

        /**
         * The move when none is named: the scene's turn (in, pan, out, pan), the pan toward the
         * subject; a subject cut by the right or bottom edge brought inward. When the subject leaves
         * no room for that: a zoom about it, then a pan on the other axis, then the visible move
         * that keeps most of it.
         */
        Choice choose(int turn) {
            String kind = TURNS[Math.floorMod(turn, TURNS.length)];
            String because = "no motion named: scene " + (turn + 1) + " takes a turn for " + (kind.equals("pan") ? "a pan" : "a " + kind)
                    + " (in, pan, out, pan)";
            Motion panMotion = towardSubject(turn);
            if (cutRight || cutBottom) {
                Motion inward = cutRight ? Motion.PAN_RIGHT : Motion.PAN_DOWN;
                panMotion = inward;
                if (kind.equals("zoom-out")) kind = "zoom-in";   // a zoom out would carry it back to the edge
                because = "no motion named: the subject is cut by the picture's " + (cutRight ? "right" : "bottom") + " edge, so "
                        + (kind.equals("pan") ? "a pan" : "a zoom in") + " toward it";
            }
            Motion first = switch (kind) {
                case "zoom-in" -> Motion.ZOOM_IN;
                case "zoom-out" -> Motion.ZOOM_OUT;
                default -> panMotion;
            };
            var c = make(first, false);
            if (c != null) return new Choice(c, because + (first.isPan() && !(cutRight || cutBottom) ? panReason(first) : ""));
            // No room for it: a zoom about the subject, then the other axis, then the rest.
            var order = new LinkedHashSet<Motion>();
            boolean preferOut = kind.equals("zoom-out") || Math.floorMod(turn, 2) == 1 && !(cutRight || cutBottom);
            order.add(preferOut ? Motion.ZOOM_OUT : Motion.ZOOM_IN);
            order.add(preferOut ? Motion.ZOOM_IN : Motion.ZOOM_OUT);
            if (first.isZoom()) order.add(panMotion);
            Motion across = towardOnAxis(!panMotion.isSideways());   // the other axis, toward the subject's side
            order.addAll(List.of(across, opposite(across), opposite(panMotion)));
            order.remove(first);
            String noRoom = noRoom(first);
            for (Motion m : order) {
                c = make(m, false);
                if (c != null) return new Choice(c, because + "; " + noRoom + ": " + m.id() + " instead");
            }
            // Nothing holds it whole: the visible move that keeps most of it.
            Candidate best = null;
            for (Motion m : List.of(first.isZoom() ? first : Motion.ZOOM_IN, Motion.ZOOM_IN, Motion.ZOOM_OUT, Motion.PAN_LEFT, Motion.PAN_RIGHT,
                    Motion.PAN_UP, Motion.PAN_DOWN)) {
                var f = make(m, true);
                if (f != null && (best == null || f.kept() > best.kept() + 1e-6)) best = f;
            }
            return new Choice(best, because + "; the subject (" + subjectSize() + ") leaves no room for any move that holds it: "
                    + best.move().motion().id() + ", which keeps most of it");
        }

        /**
         * A pan toward the subject on the axis where it sits farthest off centre; with the subject
         * centred (or none), along the picture's longer axis for the frame, the other way from one
         * pan's turn to the next.
         */
        Motion towardSubject(int turn) {
            double offX = offCentre(true), offY = offCentre(false);
            if (subject != null && Math.max(Math.abs(offX), Math.abs(offY)) > 0.08) {
                return Math.abs(offX) >= Math.abs(offY) ? (offX > 0 ? Motion.PAN_RIGHT : Motion.PAN_LEFT) : (offY > 0 ? Motion.PAN_DOWN : Motion.PAN_UP);
            }
            boolean wide = picture.width() / picture.height() > aspect * 1.2;
            boolean back = Math.floorMod(turn / 2, 2) == 1;
            return wide ? (back ? Motion.PAN_LEFT : Motion.PAN_RIGHT) : (back ? Motion.PAN_DOWN : Motion.PAN_UP);
        }

        /** The pan on one axis toward the subject's side (rightward or downward when centred). */
        Motion towardOnAxis(boolean horizontal) {
            double off = offCentre(horizontal);
            return horizontal ? (off < 0 ? Motion.PAN_LEFT : Motion.PAN_RIGHT) : (off < 0 ? Motion.PAN_UP : Motion.PAN_DOWN);
        }

        /** How far the subject sits from the picture's centre on one axis, as a share of the picture. */
        double offCentre(boolean horizontal) {
            if (subject == null) return 0;
            return horizontal ? (subject.cx() - picture.cx()) / picture.width() : (subject.cy() - picture.cy()) / picture.height();
        }

        String panReason(Motion m) {
            if (subject == null) return "";
            boolean toward = m == towardOnAxis(m.isSideways()) && Math.abs(offCentre(m.isSideways())) > 0.02;
            return toward ? ", toward the subject" : "";
        }

        /** Why {@code m} cannot hold the subject with a visible travel. */
        String noRoom(Motion m) {
            if (subject == null) return "the picture leaves no room for " + m.id();
            String size = subjectSize();
            return m.isZoom() ? "the subject (" + size + ") leaves no room to zoom while holding it"
                    : "the subject (" + size + ") leaves no room to " + m.id() + " while holding it";
        }

        String subjectSize() {
            if (subject == null) return "none";
            return String.format(Locale.ROOT, "%.0f %% of the picture's width, %.0f %% of its height%s", 100 * subject.width() / picture.width(),
                    100 * subject.height() / picture.height(), cutRight || cutBottom ? ", on its edge" : "");
        }
    }

    private static Motion opposite(Motion m) {
        return switch (m) {
            case PAN_LEFT -> Motion.PAN_RIGHT;
            case PAN_RIGHT -> Motion.PAN_LEFT;
            case PAN_UP -> Motion.PAN_DOWN;
            case PAN_DOWN -> Motion.PAN_UP;
            case ZOOM_IN -> Motion.ZOOM_OUT;
            case ZOOM_OUT -> Motion.ZOOM_IN;
            case NONE -> Motion.NONE;
        };
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
        double tw = vw * zoomed, th = vh * zoomed, rx = w - tw, ry = h - th;
        return switch (motion) {
            case ZOOM_IN, ZOOM_OUT -> new Move.Scale(motion, w / 2.0, h / 2.0, new Viewport((w - tw) / 2, (h - th) / 2, tw, th), Motion.MARGIN);
            case PAN_LEFT -> new Move.Pan(motion, new Viewport(rx, ry / 2, tw, th), new Viewport(0, ry / 2, tw, th));
            case PAN_RIGHT -> new Move.Pan(motion, new Viewport(0, ry / 2, tw, th), new Viewport(rx, ry / 2, tw, th));
            case PAN_UP -> new Move.Pan(motion, new Viewport(rx / 2, ry, tw, th), new Viewport(rx / 2, 0, tw, th));
            case PAN_DOWN -> new Move.Pan(motion, new Viewport(rx / 2, 0, tw, th), new Viewport(rx / 2, ry, tw, th));
            case NONE -> {
                var v = new Viewport((w - vw) / 2, (h - vh) / 2, vw, vh);
                yield new Move.Pan(motion, v, v);
            }
        };
    }
}
