package io.mmstream.inference;

import io.mmstream.media.SampleSteps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One stream's audio through one model run per audio step from its card (Silero VAD: 576 samples every 512 at
 * 16 kHz, its recurrent state carried from step to step). Chunks are expected in capture order: one that starts
 * after a gap begins a new segment (zero context, fresh state), one that starts before the end of the last is
 * skipped. Everything it carries between chunks is in {@link #state()}, for a checkpoint.
 */
public final class AudioSteps {

    /** One step's values at the centre of its new samples; NaN where the model failed on it. */
    public record Step(long centreMicros, float[] values) {}

    /**
     * What a stream carries from one chunk to the next.
     *
     * @param pending the context and the samples not yet stepped
     * @param segmentStartMicros capture time of the first sample of the current segment, Long.MIN_VALUE before any
     * @param steps steps run in the current segment
     * @param modelState the model's recurrent state, by input name
     */
    public record State(float[] pending, long segmentStartMicros, long steps, Map<String, float[]> modelState) {}

    private final ElementModel model;
    private final Binding.Waveform wave;
    private final int width;

    public AudioSteps(ElementModel model) {
        this.model = model;
        this.wave = (Binding.Waveform) model.mediaBinding();
        this.width = model.card().result().width(model.card());
    }

    public int sampleRate() {
        return wave.rate();
    }

    public State fresh() {
        return new State(new float[0], Long.MIN_VALUE, 0, Map.of());
    }

    /** The capture time the next chunk of the segment starts at. */
    private long segmentEndMicros(State state) {
        long samples = state.steps() * wave.hop() + state.pending().length - (wave.length() - wave.hop());
        return state.segmentStartMicros() + samples * 1_000_000L / wave.rate();
    }

    /** The result of one chunk: its steps and the stream's state after it, or the state unchanged with no step if it was skipped. */
    public record Pushed(List<Step> steps, State state, boolean skipped) {}

    /**
     * @param startMicros capture time of the chunk's first sample
     * @param samples mono samples at {@link #sampleRate()}
     */
    public Pushed push(State state, long startMicros, float[] samples) {
        long halfHopMicros = wave.hop() * 500_000L / wave.rate();
        if (state.segmentStartMicros() != Long.MIN_VALUE) {
            long expected = segmentEndMicros(state);
            if (startMicros < expected - halfHopMicros) {
                return new Pushed(List.of(), state, true);
            }
            if (startMicros > expected + halfHopMicros) {
                state = fresh();
            }
        }
        if (state.segmentStartMicros() == Long.MIN_VALUE) {
            state = new State(new float[wave.length() - wave.hop()], startMicros, 0, Map.of());
        }
        SampleSteps cutter = new SampleSteps(wave.length(), wave.hop(), state.pending());
        List<float[]> inputs = cutter.push(samples);
        Map<String, float[]> modelState = state.modelState();
        long steps = state.steps();
        List<Step> out = new ArrayList<>(inputs.size());
        for (float[] input : inputs) {
            ElementModel.Outcome outcome = model.run(List.of(new ElementModel.Call(input, modelState))).get(0);
            float[] values;
            if (outcome.ok()) {
                values = outcome.values();
                modelState = new HashMap<>(outcome.state());
            } else {
                values = new float[width];
                Arrays.fill(values, Float.NaN);
            }
            steps++;
            long centreSample = steps * wave.hop() - wave.hop() / 2;
            out.add(new Step(state.segmentStartMicros() + centreSample * 1_000_000L / wave.rate(), values));
        }
        return new Pushed(out, new State(cutter.pending(), state.segmentStartMicros(), steps, modelState), false);
    }
}
