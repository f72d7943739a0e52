package io.mmstream.align;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The shape of every window, one value for the whole job, built once from the window heads' cards: the grid the
 * modalities are aligned on, the widths of the frame and audio embeddings held at each step, and the sensor series.
 *
 * @param gridStepMicros distance between the grid's instants
 * @param steps the grid's instants per window
 * @param videoWidth width of what a frame's step holds: its encoders' embeddings side by side
 * @param audioWidth width of what an audio step holds: its encoders' embeddings side by side
 * @param imuMaxGapMicros an IMU step with no reading this close to its centre is absent
 */
public record WindowGeometry(long gridStepMicros, int steps, int videoWidth, int audioWidth, long imuStepMicros, int imuSteps, float[] imuMean, float[] imuStd,
                             long imuMaxGapMicros) implements Serializable {

    /** The same geometry for windows of another length (a benchmark's long windows). */
    public WindowGeometry withWindow(long windowMicros) {
        return new WindowGeometry(gridStepMicros, (int) (windowMicros / gridStepMicros), videoWidth, audioWidth, imuStepMicros,
                (int) (windowMicros / imuStepMicros), imuMean, imuStd, imuMaxGapMicros);
    }

    /** Raised when two cards bind windows of different shapes; the message names the card and the field. */
    public static final class Mismatch extends IllegalArgumentException {
        public Mismatch(String message) {
            super(message);
        }
    }

    /** Gathers what each head's bindings say of the window and refuses the first that disagrees with another. */
    public static final class Builder {
        private final int videoWidth;
        private final int audioWidth;
        private long gridStepMicros;
        private String stepFrom;
        private int steps;
        private String stepsFrom;
        private String sensorKind;
        private long sensorStepMicros;
        private float[] sensorMean;
        private float[] sensorStd;
        private String sensorFrom;

        public Builder(int videoWidth, int audioWidth) {
            this.videoWidth = videoWidth;
            this.audioWidth = audioWidth;
        }

        /**
         * @param stepMicros the grid step the binding declares; 0 where it reads any
         * @param steps the number of steps the binding declares; 0 where it reads any
         */
        public Builder grid(String where, long stepMicros, int steps) {
            if (stepMicros != 0 && stepFrom != null && stepMicros != gridStepMicros) {
                throw new Mismatch(where + ": a grid step of " + stepMicros + " us; " + stepFrom + " binds " + gridStepMicros
                        + " us; one window has one grid");
            }
            if (steps != 0 && stepsFrom != null && steps != this.steps) {
                throw new Mismatch(where + ": a grid of " + steps + " steps; " + stepsFrom + " binds " + this.steps + "; one window has one grid");
            }
            if (stepMicros != 0 && stepFrom == null) {
                stepFrom = where;
                gridStepMicros = stepMicros;
            }
            if (steps != 0 && stepsFrom == null) {
                stepsFrom = where;
                this.steps = steps;
            }
            return this;
        }

        public Builder sensor(String where, String kind, long stepMicros, float[] mean, float[] std) {
            if (mean.length != WindowTensors.IMU_AXES) {
                throw new Mismatch(where + ".binds.mean: " + mean.length + " axes; the windows hold a series of " + WindowTensors.IMU_AXES
                        + " axes (imu6)");
            }
            if (sensorFrom != null && (!kind.equals(sensorKind) || stepMicros != sensorStepMicros || !Arrays.equals(mean, sensorMean)
                    || !Arrays.equals(std, sensorStd))) {
                throw new Mismatch(where + ".binds: the sensor series (sensor, step_us, mean, std) differs from that of " + sensorFrom
                        + "; one window holds one series");
            }
            sensorFrom = sensorFrom == null ? where : sensorFrom;
            sensorKind = kind;
            sensorStepMicros = stepMicros;
            sensorMean = mean;
            sensorStd = std;
            return this;
        }

        /** Where the grid step was first bound, for messages; null when no card binds one. */
        public String stepFrom() {
            return stepFrom;
        }

        /** Where the number of steps was first bound, for messages; null when no card binds one. */
        public String stepsFrom() {
            return stepsFrom;
        }

        /**
         * @param gridStepMicros the grid step, where no card fixes it
         * @param windowMicros the window's length, for what no card fixes: the number of steps, and the sensor series
         *     (no head reads one: a series of 4 per grid step, unnormalised)
         */
        public WindowGeometry build(long gridStepMicros, long windowMicros) {
            long step = stepFrom == null ? gridStepMicros : this.gridStepMicros;
            int gridSteps = stepsFrom != null ? steps : (int) Math.round((double) windowMicros / step);
            long sensorStep = sensorFrom == null ? step / 4 : sensorStepMicros;
            float[] mean = sensorFrom == null ? new float[WindowTensors.IMU_AXES] : sensorMean;
            float[] std = sensorFrom == null ? new float[] {1, 1, 1, 1, 1, 1} : sensorStd;
            return new WindowGeometry(step, gridSteps, videoWidth, audioWidth, sensorStep, (int) (gridSteps * step / sensorStep), mean, std, 2 * sensorStep);
        }
    }
}
