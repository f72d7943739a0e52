package io.mmstream.sim;

/**
 * A moment where the motion makes a sound: a foot landing, hands meeting, a body hitting the floor. The picture
 * shows the cause at visualMicros; the microphone hears it at visualMicros plus the stream's audio-video offset.
 */
public record SoundEvent(long visualMicros, Kind kind, double loudness) {

    public enum Kind {
        STEP(0.25, 0.07), RUN_STEP(0.45, 0.06), LANDING(0.6, 0.10), CLAP(0.7, 0.04), SEAT(0.3, 0.12), IMPACT(0.95, 0.35);

        final double amplitude;
        final double seconds;

        Kind(double amplitude, double seconds) {
            this.amplitude = amplitude;
            this.seconds = seconds;
        }

        public long durationMicros() {
            return (long) (seconds * 1e6);
        }
    }
}
