package io.mmstream.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * How each action moves the body over time, and when it makes sounds. Both come from the same formulas, so a
 * sound always coincides with its visual cause (a foot down, hands together, the body reaching the floor).
 */
public final class Motion {

    static final double STAND_HIP = 0.95;
    static final double ROOM_HALF_WIDTH = 1.6;

    private Motion() {}

    static double tempo(Segment segment) {
        return 0.9 + 0.2 * segment.variant();
    }

    /** @param tau seconds since the segment began */
    public static Pose pose(Segment s, double tau) {
        double k = tempo(s);
        double shoulderY;
        switch (s.action()) {
            case WALK, RUN -> {
                boolean run = s.action() == Action.RUN;
                double f = (run ? 1.4 : 0.9) * k;
                double phase = 2 * Math.PI * f * tau;
                double swing = (run ? 0.75 : 0.4) * Math.sin(phase);
                double hipY = STAND_HIP - (run ? 0.06 : 0.02) + (run ? 0.04 : 0.02) * Math.cos(2 * phase);
                double x = bounce(s.startX() + s.direction() * (run ? 3.0 : 1.2) * k * tau);
                double tilt = run ? 0.12 * Math.signum(heading(s, tau)) : 0;
                double knee = (run ? 0.9 : 0.3);
                double armSwing = (run ? 0.6 : 0.3) * Math.sin(phase);
                Pose body = new Pose(x, hipY, tilt, swing, -swing, knee * Math.max(0, Math.sin(phase)), knee * Math.max(0, -Math.sin(phase)),
                        1, 0, 0, 0, 0);
                return withHangingArms(body, -armSwing, armSwing, run ? 0.25 : 0.05);
            }
            case JUMP -> {
                double period = 0.75 / k;
                double u = tau % period;
                double ground = 0.3 * period;
                double hipY;
                double knee;
                if (u < ground) {
                    double crouch = Math.sin(Math.PI * u / ground);
                    hipY = STAND_HIP - 0.12 * crouch;
                    knee = 0.6 * crouch;
                } else {
                    double air = (u - ground) / (period - ground);
                    hipY = STAND_HIP + 4 * 0.3 * air * (1 - air);
                    knee = 0.1;
                }
                Pose body = new Pose(s.startX(), hipY, 0, 0.1, -0.1, knee, knee, 1, 0, 0, 0, 0);
                double arms = u < ground ? 0.2 : 1.2;
                return withHangingArms(body, -arms, arms, 0.1);
            }
            case WAVE -> {
                Pose body = standing(s, tau);
                shoulderY = body.shoulderY();
                double sway = 0.12 * Math.sin(2 * Math.PI * 2.0 * k * tau);
                double handY = shoulderY + 0.5;
                return withHands(body, body.hipX() - 0.3 + sway, handY + 0.05 * Math.cos(2 * Math.PI * 2.0 * k * tau), body.hipX() + 0.3 + sway, handY);
            }
            case CLAP -> {
                Pose body = standing(s, tau);
                shoulderY = body.shoulderY();
                double separation = 0.36 * Math.abs(Math.sin(Math.PI * clapRate(s) * tau));
                double handY = shoulderY + 0.3;
                return withHands(body, body.hipX() - separation / 2, handY, body.hipX() + separation / 2, handY);
            }
            case SIT_DOWN, FALL -> {
                boolean fall = s.action() == Action.FALL;
                double duration = descentSeconds(s);
                double x = Math.min(1, tau / duration);
                // a fall accelerates all the way down; sitting eases in and out
                double progress = fall ? x * x : x * x * (3 - 2 * x);
                double hipY = STAND_HIP - (fall ? 0.72 : 0.5) * progress;
                double tilt = (fall ? 0.35 * s.direction() : -0.1) * progress;
                double thigh = 0.45 * progress;
                Pose body = new Pose(s.startX(), hipY, tilt, -thigh, thigh, 0.2 * progress, 0.2 * progress,
                        1 - 0.6 * progress, 0, 0, 0, 0);
                return withHangingArms(body, -0.15 - 0.5 * progress * (fall ? 1 : 0.2), 0.15 + 0.5 * progress * (fall ? 1 : 0.2), 0.2);
            }
            default -> {
                return withHangingArms(standing(s, tau), -0.08, 0.08, 0.05);
            }
        }
    }

    /** The sounds of a segment, in stream time. */
    public static List<SoundEvent> soundEvents(Segment s) {
        List<SoundEvent> events = new ArrayList<>();
        double k = tempo(s);
        double seconds = (s.endMicros() - s.startMicros()) / 1e6;
        switch (s.action()) {
            case WALK, RUN -> {
                double stepInterval = 1 / (2 * (s.action() == Action.RUN ? 1.4 : 0.9) * k);
                for (double tau = stepInterval; tau < seconds; tau += stepInterval) {
                    events.add(event(s, tau, s.action() == Action.RUN ? SoundEvent.Kind.RUN_STEP : SoundEvent.Kind.STEP));
                }
            }
            case JUMP -> {
                double period = 0.75 / k;
                for (double tau = period; tau < seconds; tau += period) {
                    events.add(event(s, tau, SoundEvent.Kind.LANDING));
                }
            }
            case CLAP -> {
                double interval = 1 / clapRate(s);
                for (double tau = interval; tau < seconds; tau += interval) {
                    events.add(event(s, tau, SoundEvent.Kind.CLAP));
                }
            }
            case SIT_DOWN -> events.add(event(s, descentSeconds(s), SoundEvent.Kind.SEAT));
            case FALL -> events.add(event(s, descentSeconds(s), SoundEvent.Kind.IMPACT));
            default -> { }
        }
        return events;
    }

    private static SoundEvent event(Segment s, double tau, SoundEvent.Kind kind) {
        double loudness = 0.8 + 0.4 * Hash.unit(s.startMicros(), (long) (tau * 1e6), kind.ordinal(), 17);
        return new SoundEvent(s.startMicros() + Math.round(tau * 1e6), kind, loudness);
    }

    static double clapRate(Segment s) {
        return 2.5 * tempo(s);
    }

    static double descentSeconds(Segment s) {
        return s.action() == Action.FALL ? 0.6 * tempo(s) : 1.2 * tempo(s);
    }

    /** Hip x after bouncing off the room's side walls. */
    static double bounce(double x) {
        double width = 2 * ROOM_HALF_WIDTH;
        double u = ((x + ROOM_HALF_WIDTH) % (2 * width) + 2 * width) % (2 * width);
        return (u <= width ? u : 2 * width - u) - ROOM_HALF_WIDTH;
    }

    private static double heading(Segment s, double tau) {
        double now = bounce(s.startX() + s.direction() * 3.0 * tempo(s) * tau);
        double soon = bounce(s.startX() + s.direction() * 3.0 * tempo(s) * (tau + 0.01));
        return soon - now;
    }

    private static Pose standing(Segment s, double tau) {
        double breathe = 0.004 * Math.sin(2 * Math.PI * 0.25 * tau + s.variant() * 6);
        return new Pose(s.startX(), STAND_HIP + breathe, 0, 0.05, -0.05, 0, 0, 1, 0, 0, 0, 0);
    }

    /** Arms hanging from the shoulders at the given angles from straight down (positive to the right). */
    private static Pose withHangingArms(Pose body, double leftAngle, double rightAngle, double elbowBend) {
        double length = 0.56 - 0.1 * elbowBend;
        double lsx = body.shoulderX() - Pose.SHOULDER_HALF_WIDTH * Math.cos(body.tilt());
        double rsx = body.shoulderX() + Pose.SHOULDER_HALF_WIDTH * Math.cos(body.tilt());
        double sy = body.shoulderY();
        return withHands(body, lsx + length * Math.sin(leftAngle + body.tilt()), sy - length * Math.cos(leftAngle + body.tilt()),
                rsx + length * Math.sin(rightAngle + body.tilt()), sy - length * Math.cos(rightAngle + body.tilt()));
    }

    private static Pose withHands(Pose b, double lx, double ly, double rx, double ry) {
        return new Pose(b.hipX(), b.hipY(), b.tilt(), b.leftThigh(), b.rightThigh(), b.leftKnee(), b.rightKnee(), b.thighScale(), lx, ly, rx, ry);
    }
}
