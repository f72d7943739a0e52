package io.mmstream.align;

import io.mmstream.media.SensorResampler;

/**
 * A window as the per-window heads read it: frame and audio-patch embeddings per grid step with presence masks
 * (1 present, 0 absent), and the 6-axis IMU resampled onto its own finer grid. Flat arrays, step-major.
 */
public record WindowTensors(float[] video, float[] videoMask, float[] audio, float[] audioMask, float[] imu, float[] imuMask) {

    public static final int IMU_AXES = 6;

    /** A window of the geometry's shapes with every step present and every value zero: what a warm-up runs. */
    public static WindowTensors present(WindowGeometry geometry) {
        float[] steps = new float[geometry.steps()];
        float[] imuSteps = new float[geometry.imuSteps()];
        java.util.Arrays.fill(steps, 1);
        java.util.Arrays.fill(imuSteps, 1);
        return new WindowTensors(new float[geometry.steps() * geometry.videoWidth()], steps, new float[geometry.steps() * geometry.audioWidth()],
                steps.clone(), new float[geometry.imuSteps() * IMU_AXES], imuSteps);
    }

    /**
     * @param videoWidth width of a frame step's embeddings, audioWidth of an audio step's
     * @param imu normalises the IMU axes; readings with another number of values are left out
     */
    public static WindowTensors of(AlignedWindow window, int videoWidth, int audioWidth, SensorResampler imu, long imuStepMicros, int imuSteps) {
        int steps = window.steps();
        float[] video = new float[steps * videoWidth];
        float[] videoMask = new float[steps];
        float[] audio = new float[steps * audioWidth];
        float[] audioMask = new float[steps];
        place(window.track(Modality.VIDEO), videoWidth, video, videoMask);
        place(window.track(Modality.AUDIO), audioWidth, audio, audioMask);

        ModalityTrack sensor = window.track(Modality.SENSOR);
        int readings = 0;
        for (float[] sample : sensor.samples()) {
            readings += sample.length == IMU_AXES ? 1 : 0;
        }
        long[] times = new long[readings];
        float[][] values = new float[readings][];
        for (int i = 0, j = 0; i < sensor.samples().length; i++) {
            if (sensor.samples()[i].length == IMU_AXES) {
                times[j] = sensor.captures()[i];
                values[j++] = sensor.samples()[i];
            }
        }
        boolean[] present = new boolean[imuSteps];
        float[][] grid = imu.resample(times, values, window.startMicros(), imuStepMicros, imuSteps, present);
        float[] imuValues = new float[imuSteps * IMU_AXES];
        float[] imuMask = new float[imuSteps];
        for (int s = 0; s < imuSteps; s++) {
            System.arraycopy(grid[s], 0, imuValues, s * IMU_AXES, IMU_AXES);
            imuMask[s] = present[s] ? 1 : 0;
        }
        return new WindowTensors(video, videoMask, audio, audioMask, imuValues, imuMask);
    }

    private static void place(ModalityTrack track, int embedding, float[] values, float[] mask) {
        for (int step = 0; step < track.present().length; step++) {
            if (!track.present()[step]) {
                continue;
            }
            float[] features = track.values()[step];
            if (features.length != embedding) {
                throw new IllegalArgumentException(track.modality().wireName() + " step " + step + " holds " + features.length
                        + " values where an embedding of " + embedding + " belongs: was it encoded?");
            }
            System.arraycopy(features, 0, values, step * embedding, embedding);
            mask[step] = 1;
        }
    }

    /** The presence mask of a modality as cards name it: video, audio or sensor. */
    public float[] mask(String modality) {
        return switch (modality) {
            case "video" -> videoMask;
            case "audio" -> audioMask;
            case "sensor" -> imuMask;
            default -> throw new IllegalArgumentException("no modality " + modality + " in a window (video, audio, sensor)");
        };
    }

    /** Share of the grid steps where the modality is present, 0..1. */
    public static float coverage(float[] mask) {
        float sum = 0;
        for (float m : mask) {
            sum += m;
        }
        return mask.length == 0 ? 0 : sum / mask.length;
    }
}
