package io.mmstream.sim;

import java.util.List;
import java.util.function.LongFunction;

/**
 * A 6-axis IMU at the hip: specific force (m/s^2) and angular rate (rad/s) in the body frame, x to the right, y
 * forward, z up along the torso. Consistent with the drawn motion (it differentiates the same pose), plus the jolt
 * of each impact, gravity, noise and slowly drifting biases.
 */
final class ImuModel {

    private static final double G = 9.81;
    private static final double H = 0.01;

    private final long seed;
    private final double noise;

    ImuModel(long seed, double noise) {
        this.seed = seed;
        this.noise = noise;
    }

    /** @param nearbySounds the sound events within 100 ms of t (the impacts that jolt the body) */
    /** @param poseAt the body's pose at a stream time in microseconds, the same the camera draws */
    float[] sample(LongFunction<Pose> poseAt, long streamMicros, long index, List<SoundEvent> nearbySounds) {
        long h = (long) (H * 1e6);
        Pose before = poseAt.apply(Math.max(0, streamMicros - h));
        Pose now = poseAt.apply(Math.max(h, streamMicros));
        Pose after = poseAt.apply(Math.max(2 * h, streamMicros + h));
        double ax = (after.hipX() - 2 * now.hipX() + before.hipX()) / (H * H);
        double ay = (after.hipY() - 2 * now.hipY() + before.hipY()) / (H * H);
        double pitchRate = (after.tilt() - before.tilt()) / (2 * H);
        double jolt = 0;
        for (SoundEvent sound : nearbySounds) {
            double dt = (streamMicros - sound.visualMicros()) / 1e6;
            jolt += joltAmplitude(sound.kind()) * sound.loudness() * Math.exp(-(dt / 0.015) * (dt / 0.015));
        }
        double fx = ax;
        double fz = ay + G + jolt;
        double tilt = now.tilt();
        double t = streamMicros / 1e6;
        double[] out = {
            fx * Math.cos(tilt) - fz * Math.sin(tilt),
            0.3 * jolt * Hash.signed(seed, index, 1, 0),
            fx * Math.sin(tilt) + fz * Math.cos(tilt),
            0.02 * jolt * Hash.signed(seed, index, 2, 0),
            pitchRate,
            0.05 * (now.leftThigh() - before.leftThigh()) / H};
        for (int axis = 0; axis < 6; axis++) {
            double sigma = noise * (axis < 3 ? 0.08 : 0.01);
            double bias = noise * (axis < 3 ? 0.05 : 0.005) * Math.sin(2 * Math.PI * t / (60 + 13 * axis) + seed % 11 + axis);
            out[axis] += bias + sigma * Hash.gaussian(seed, index, 10 + axis, 0);
        }
        float[] values = new float[6];
        for (int axis = 0; axis < 6; axis++) {
            // a consumer IMU saturates at +-16 g and +-2000 degrees per second
            double range = axis < 3 ? 16 * G : Math.toRadians(2000);
            values[axis] = (float) Math.max(-range, Math.min(range, out[axis]));
        }
        return values;
    }

    private static double joltAmplitude(SoundEvent.Kind kind) {
        return switch (kind) {
            case STEP -> 2;
            case RUN_STEP -> 6;
            case LANDING -> 12;
            case CLAP -> 0.2;
            case SEAT -> 3;
            case IMPACT -> 25;
        };
    }
}
