package io.mmstream.codec;

import java.util.Map;

/**
 * The sensor kinds the job understands: how many values a reading of each kind holds and the physical bound of
 * each value. A reading of another kind, with another number of values, or beyond the bounds, is refused at the
 * door: no model could use it, and a window must not count it as the sensor being present.
 */
public final class SensorKinds {

    /**
     * @param bounds the largest magnitude each value may have
     * @param meaning what the values are, for error messages
     */
    public record Kind(float[] bounds, String meaning) {
        public int arity() {
            return bounds.length;
        }
    }

    // accelerometers of up to 200 g (crash and impact sensors) and gyroscopes of up to 100 rad/s (5,700 deg/s)
    private static final float ACCEL_BOUND = 2000f;
    private static final float GYRO_BOUND = 100f;

    public static final Map<String, Kind> KINDS = Map.of(
            "imu6", new Kind(new float[] {ACCEL_BOUND, ACCEL_BOUND, ACCEL_BOUND, GYRO_BOUND, GYRO_BOUND, GYRO_BOUND},
                    "ax, ay, az in m/s^2 within +-" + ACCEL_BOUND + ", gx, gy, gz in rad/s within +-" + GYRO_BOUND));

    private SensorKinds() {}
}
