package io.mmstream.eval;

import io.mmstream.eval.metrics.SiSdr;
import io.mmstream.inference.AudioSeparation;
import io.mmstream.inference.InferenceException;
import io.mmstream.align.WindowTensors;
import java.util.Arrays;
import java.util.List;

/**
 * Audio-visual separation over held-out windows: the SI-SDR of each window's audio and of the separated audio against
 * the actor's own sounds, over the stretch the job publishes of the window (its last slide), where the actor is
 * audible there; the mean improvement with a 95% bootstrap interval over streams.
 */
public final class SeparationEvaluation {

    /** An RMS of -50 dBFS: the actor is audible in a stretch whose own sounds reach it (16-bit PCM's floor is -96). */
    public static final double AUDIBLE_RMS = Math.pow(10, -50 / 20.0);

    /** Whether the actor's own sounds over a stretch reach {@link #AUDIBLE_RMS}. */
    public static boolean audible(float[] actor) {
        double energy = 0;
        for (float sample : actor) {
            energy += sample * (double) sample;
        }
        return Math.sqrt(energy / actor.length) >= AUDIBLE_RMS;
    }

    /** @param mixtureDb the mean SI-SDR of the audio as heard, separatedDb of the separated audio */
    public record Figure(double improvementDb, Bootstrap.Interval interval, double mixtureDb, double separatedDb, int windows) {}

    /** One window's two SI-SDRs over its published stretch; NaN both where the actor is not audible there. */
    public record Window(double mixtureDb, double separatedDb) {

        static final Window INAUDIBLE = new Window(Double.NaN, Double.NaN);
    }

    private SeparationEvaluation() {}

    /** @param slideSamples the published stretch: the window's last this many samples */
    public static Window window(AudioSeparation separation, WindowTensors tensors, float[] audio, float[] actor, int slideSamples)
            throws InferenceException {
        float[] actorShare = Arrays.copyOfRange(actor, actor.length - slideSamples, actor.length);
        if (!audible(actorShare)) {
            return Window.INAUDIBLE;
        }
        float[] separated = separation.separate(List.of(tensors), List.of(audio), audio.length - slideSamples).get(0);
        return new Window(SiSdr.of(Arrays.copyOfRange(audio, audio.length - slideSamples, audio.length), actorShare), SiSdr.of(separated, actorShare));
    }

    public static Figure of(Evaluation.Labelled data) {
        int streams = data.streamCount();
        double[] before = new double[streams];
        double[] after = new double[streams];
        int[] windows = new int[streams];
        for (int i = 0; i < data.separation().size(); i++) {
            Window window = data.separation().get(i);
            if (!Double.isNaN(window.mixtureDb())) {
                before[data.streams()[i]] += window.mixtureDb();
                after[data.streams()[i]] += window.separatedDb();
                windows[data.streams()[i]]++;
            }
        }
        int[] all = new int[streams];
        Arrays.fill(all, 1);
        int total = Arrays.stream(windows).sum();
        return new Figure(improvement(all, before, after, windows),
                Bootstrap.interval(streams, weights -> improvement(weights, before, after, windows), 17),
                Arrays.stream(before).sum() / total, Arrays.stream(after).sum() / total, total);
    }

    private static double improvement(int[] weights, double[] before, double[] after, int[] windows) {
        double sum = 0;
        long count = 0;
        for (int s = 0; s < weights.length; s++) {
            sum += weights[s] * (after[s] - before[s]);
            count += (long) weights[s] * windows[s];
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
