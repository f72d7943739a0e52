package io.mmstream.sim;

/**
 * The actor's body at one instant, in metres in the camera's image plane (x to the right of the room's centre,
 * y up from the floor). The IMU sits at the hip.
 *
 * @param tilt torso rotation from upright, radians, positive to the right
 * @param leftHandX hands are placed directly; the elbows are drawn between shoulder and hand
 */
public record Pose(double hipX, double hipY, double tilt, double leftThigh, double rightThigh, double leftKnee, double rightKnee,
                   double thighScale, double leftHandX, double leftHandY, double rightHandX, double rightHandY) {

    /** The names of {@link #values()}, in order. */
    public static final java.util.List<String> FIELDS = java.util.List.of("hipX", "hipY", "tilt", "leftThigh", "rightThigh", "leftKnee",
            "rightKnee", "thighScale", "leftHandX", "leftHandY", "rightHandX", "rightHandY");

    public static final double TORSO = 0.55;
    public static final double HEAD_RADIUS = 0.11;
    public static final double THIGH = 0.45;
    public static final double SHIN = 0.45;
    public static final double SHOULDER_HALF_WIDTH = 0.2;

    /** Every component, in the order of {@link #FIELDS}. */
    public float[] values() {
        return new float[] {(float) hipX, (float) hipY, (float) tilt, (float) leftThigh, (float) rightThigh, (float) leftKnee, (float) rightKnee,
            (float) thighScale, (float) leftHandX, (float) leftHandY, (float) rightHandX, (float) rightHandY};
    }

    public double shoulderX() {
        return hipX + TORSO * Math.sin(tilt);
    }

    public double shoulderY() {
        return hipY + TORSO * Math.cos(tilt);
    }

    public double headX() {
        return hipX + (TORSO + 0.1 + HEAD_RADIUS) * Math.sin(tilt);
    }

    public double headY() {
        return hipY + (TORSO + 0.1 + HEAD_RADIUS) * Math.cos(tilt);
    }

    public double handSeparation() {
        return Math.hypot(rightHandX - leftHandX, rightHandY - leftHandY);
    }
}
