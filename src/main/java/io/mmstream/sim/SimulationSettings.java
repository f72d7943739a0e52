package io.mmstream.sim;

/**
 * Every knob of the scene simulator. {@link #defaults(int)} is the default difficulty used by the demo, the
 * dataset and the accuracy figures.
 *
 * @param videoNoise standard deviation of per-pixel sensor noise, in units of full scale (0..1)
 * @param audioNoise level of the background noise and babble, in units of full scale
 * @param imuNoise scale of accelerometer (m/s^2) and gyroscope noise
 * @param avOffsetMicros audio minus video offset of every stream (positive: sound comes late)
 * @param avOffsetSpreadMicros each stream adds a fixed offset drawn uniformly from +-spread
 * @param avDriftMicrosPerSecond the offset grows by this much per second of stream time
 */
public record SimulationSettings(long seed, int streams, int fps, int width, int height, int jpegQuality,
                                 int sampleRate, long audioChunkMicros, int imuHz,
                                 double videoNoise, double audioNoise, double imuNoise,
                                 long avOffsetMicros, long avOffsetSpreadMicros, double avDriftMicrosPerSecond,
                                 Delivery delivery) {

    /**
     * How records reach Kafka. All delays are added to the capture time; their sum bounds the out-of-orderness a
     * job must tolerate.
     *
     * @param clockSkewMaxMicros each device (camera, microphone, IMU) stamps times with a fixed offset in +-this
     * @param jitterMaxMicros uniform extra delivery delay
     * @param reorderRate share of records held back by up to reorderMaxMicros, so later ones overtake them
     * @param dropRate share of video frames that never arrive
     * @param cameraOffRate chance per 10 s of a camera-off span (1 to 4 s); micMutedRate likewise for the microphone
     * @param burstRate chance per 5 s and modality of a burst: records of up to burstHoldMicros held, then sent at once
     */
    public record Delivery(long clockSkewMaxMicros, long jitterMaxMicros, double reorderRate, long reorderMaxMicros, double dropRate,
                           double cameraOffRate, double micMutedRate, double burstRate, long burstHoldMicros) {

        public static Delivery perfect() {
            return new Delivery(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        /** Mild real-world trouble; records stay within 200 ms of their capture order. */
        public static Delivery realistic() {
            return new Delivery(3_000, 20_000, 0.05, 80_000, 0.01, 0.05, 0.05, 0.05, 100_000);
        }

        public long maxDisorderMicros() {
            return 2 * clockSkewMaxMicros + jitterMaxMicros + reorderMaxMicros + burstHoldMicros;
        }
    }

    public static SimulationSettings defaults(int streams) {
        return new SimulationSettings(42, streams, 15, 112, 112, 85, 16_000, 100_000, 100,
                0.03, 0.02, 1.0, 0, 0, 0, Delivery.realistic());
    }

    public SimulationSettings withSeed(long value) {
        return new SimulationSettings(value, streams, fps, width, height, jpegQuality, sampleRate, audioChunkMicros, imuHz,
                videoNoise, audioNoise, imuNoise, avOffsetMicros, avOffsetSpreadMicros, avDriftMicrosPerSecond, delivery);
    }

    public SimulationSettings withAvOffset(long offsetMicros, long spreadMicros, double driftMicrosPerSecond) {
        return new SimulationSettings(seed, streams, fps, width, height, jpegQuality, sampleRate, audioChunkMicros, imuHz,
                videoNoise, audioNoise, imuNoise, offsetMicros, spreadMicros, driftMicrosPerSecond, delivery);
    }

    /** Scales the video, audio and IMU noise together: the difficulty knob. */
    public SimulationSettings withNoiseScale(double scale) {
        return new SimulationSettings(seed, streams, fps, width, height, jpegQuality, sampleRate, audioChunkMicros, imuHz,
                videoNoise * scale, audioNoise * scale, imuNoise * scale, avOffsetMicros, avOffsetSpreadMicros, avDriftMicrosPerSecond, delivery);
    }

    public SimulationSettings withDelivery(Delivery value) {
        return new SimulationSettings(seed, streams, fps, width, height, jpegQuality, sampleRate, audioChunkMicros, imuHz,
                videoNoise, audioNoise, imuNoise, avOffsetMicros, avOffsetSpreadMicros, avDriftMicrosPerSecond, value);
    }

    public SimulationSettings withVideo(int fpsValue, int widthValue, int heightValue) {
        return new SimulationSettings(seed, streams, fpsValue, widthValue, heightValue, jpegQuality, sampleRate, audioChunkMicros, imuHz,
                videoNoise, audioNoise, imuNoise, avOffsetMicros, avOffsetSpreadMicros, avDriftMicrosPerSecond, delivery);
    }

    public long framePeriodMicros() {
        return Math.round(1e6 / fps);
    }

    public long imuPeriodMicros() {
        return Math.round(1e6 / imuHz);
    }
}
