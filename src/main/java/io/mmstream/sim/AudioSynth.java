package io.mmstream.sim;

import java.util.List;

/**
 * The microphone: pink background noise, occasional babble of voices, and the sounds of the actor's motion at
 * their visual instants shifted by the audio-video offset. Every sample is a pure function of its index, so any
 * chunk can be rendered alone.
 */
final class AudioSynth {

    private final long seed;
    private final int sampleRate;
    private final double noiseLevel;

    AudioSynth(long seed, int sampleRate, double noiseLevel) {
        this.seed = seed;
        this.sampleRate = sampleRate;
        this.noiseLevel = noiseLevel;
    }

    /**
     * @param firstSample stream sample index of out[0]
     * @param sounds sounds with their audio-time start in stream microseconds (audibleMicros)
     */
    void render(long firstSample, float[] out, List<Audible> sounds) {
        for (int i = 0; i < out.length; i++) {
            long n = firstSample + i;
            out[i] = (float) (noiseLevel * (pink(n) + 1.5 * babble(n)));
        }
        addActor(firstSample, out, sounds);
    }

    /** The actor's own sounds alone, without the room's noise and voices: what separation should recover. */
    void renderActor(long firstSample, float[] out, List<Audible> sounds) {
        java.util.Arrays.fill(out, 0);
        addActor(firstSample, out, sounds);
    }

    /** How many background voices talk at that stream time (0, 1 or 2). */
    int voices(long streamMicros) {
        long bucket = streamMicros / 3_000_000;
        int voices = 0;
        for (int voice = 0; voice < 2; voice++) {
            voices += talks(bucket, voice) ? 1 : 0;
        }
        return voices;
    }

    private boolean talks(long bucket, int voice) {
        return Hash.unit(seed, bucket, 200 + voice, 0) <= 0.4;
    }

    private void addActor(long firstSample, float[] out, List<Audible> sounds) {
        for (Audible sound : sounds) {
            long onset = Math.round(sound.audibleMicros() * sampleRate / 1e6);
            long length = Math.round(sound.event().kind().seconds * sampleRate);
            long from = Math.max(onset, firstSample);
            long to = Math.min(onset + length, firstSample + out.length);
            for (long n = from; n < to; n++) {
                out[(int) (n - firstSample)] += (float) (sound.event().loudness() * waveform(sound.event().kind(), n - onset, onset));
            }
        }
    }

    /** A sound and when the microphone hears it. */
    record Audible(SoundEvent event, long audibleMicros) {}

    private double white(long n, long channel) {
        return Hash.signed(seed, n, channel, 7);
    }

    /** Voss-McCartney pink noise: white sources held for 1, 2, 4 ... samples. */
    private double pink(long n) {
        double sum = 0;
        for (int k = 0; k < 6; k++) {
            sum += white(n >> k, 100 + k);
        }
        return sum / 3;
    }

    /** Two voices that talk in some 3 s spans: harmonic stacks at a speaking pitch, modulated at syllable rate. */
    private double babble(long n) {
        double t = (double) n / sampleRate;
        double sum = 0;
        for (int voice = 0; voice < 2; voice++) {
            long bucket = (long) (t / 3);
            if (!talks(bucket, voice)) {
                continue;
            }
            double f0 = 100 + 120 * Hash.unit(seed, bucket, 210 + voice, 0);
            double syllables = 0.5 + 0.5 * Math.sin(2 * Math.PI * (3.5 + voice) * t + voice);
            double tone = 0;
            for (int h = 1; h <= 5; h++) {
                tone += Math.sin(2 * Math.PI * h * f0 * t) / h;
            }
            sum += 0.5 * syllables * tone;
        }
        return sum;
    }

    private double waveform(SoundEvent.Kind kind, long sinceOnset, long onset) {
        double tau = (double) sinceOnset / sampleRate;
        double amplitude = kind.amplitude;
        long n = onset + sinceOnset;
        return switch (kind) {
            case STEP -> amplitude * Math.exp(-tau / 0.015) * (0.6 * Math.sin(2 * Math.PI * 110 * tau) + 0.4 * white(n, 1));
            case RUN_STEP -> amplitude * Math.exp(-tau / 0.012) * (0.6 * Math.sin(2 * Math.PI * 130 * tau) + 0.4 * white(n, 2));
            case LANDING -> amplitude * Math.exp(-tau / 0.03) * (0.7 * Math.sin(2 * Math.PI * 80 * tau) + 0.3 * white(n, 3));
            // the difference of white noise is high-passed: a sharp, bright clap
            case CLAP -> amplitude * Math.exp(-tau / 0.006) * 0.7 * (white(n, 4) - white(n - 1, 4));
            case SEAT -> amplitude * Math.exp(-tau / 0.05) * (0.5 * Math.sin(2 * Math.PI * 180 * tau) + 0.5 * (white(n >> 2, 5)));
            case IMPACT -> amplitude * Math.exp(-tau / 0.09) * (0.8 * Math.sin(2 * Math.PI * 55 * tau) + 0.4 * white(n >> 1, 6));
        };
    }
}
