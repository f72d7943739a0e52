package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import io.mmstream.media.Stft;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Audio-visual separation as its card says: each window's audio through the STFT ({@link Stft}), the model's mask
 * over the log-magnitude and the window's other bound inputs (its frame embeddings, presence masks: as the heads get
 * them, from {@link WindowInputs}), and the masked spectrum back to samples by the inverse STFT. The STFT and its
 * inverse run here rather than in the graph: the same code, unit-tested for exact reconstruction, serves any mask
 * model, and a graph with complex tensors exports poorly to ONNX.
 */
public final class AudioSeparation {

    private final OnnxModel model;
    private final Map<String, EncoderSlice> producers;
    private final Binding.Spectrogram spectrogram;
    private final Stft stft;
    private final InputBuffers buffers = new InputBuffers();

    /** @param producers where each encoder's embedding lies in a window's steps, as the card binds them by name */
    public AudioSeparation(OnnxModel model, Map<String, EncoderSlice> producers) {
        this.model = model;
        this.producers = Map.copyOf(producers);
        this.spectrogram = (Binding.Spectrogram) model.card().inputs().stream().map(ModelCard.Tensor::binding)
                .filter(b -> b instanceof Binding.Spectrogram).findFirst().orElseThrow();
        this.stft = new Stft(spectrogram.fft(), spectrogram.hop());
    }

    public ModelCard card() {
        return model.card();
    }

    /** The audio the model takes of each window: its sample rate and the number of samples from the window's start. */
    public Binding.Spectrogram input() {
        return spectrogram;
    }

    /**
     * What one window's separation leaves for its stream's next window: the log-magnitudes of its STFT frames that lie
     * wholly in its audio from {@code keptFrom} on, and that audio. With 2 s windows sliding by 1 s about half of the
     * next window's frames are these same samples.
     *
     * @param firstSample the window's first sample on the stream's sample clock
     * @param logMagnitudes per frame of the window, null for a frame not kept
     */
    public record Overlap(long firstSample, int keptFrom, float[] keptAudio, float[][] logMagnitudes) {}

    /**
     * One window's separated audio, what its stream's next window can take from it, and how many of its STFT frames
     * were transformed (the others were taken from the previous window's overlap).
     */
    public record Separated(float[] samples, Overlap overlap, int framesTransformed) {}

    /**
     * @param audio each window's audio, {@link #input()}'s samples at its rate from the window's start, zero where
     *     none was heard
     * @param from the first sample wanted back (the job publishes each window's last slide): only the STFT frames
     *     that reach it are inverted
     * @return each window's separated audio from sample {@code from} on
     */
    public List<float[]> separate(List<WindowTensors> windows, List<float[]> audio, int from) throws InferenceException {
        List<Stft.Spectrum> spectra = new ArrayList<>();
        List<float[][]> logMagnitudes = new ArrayList<>();
        for (float[] samples : audio) {
            Stft.Spectrum spectrum = stft.forward(samples);
            spectra.add(spectrum);
            logMagnitudes.add(logMagnitudes(spectrum, new float[spectrum.frames()][]));
        }
        return separate(windows, spectra, logMagnitudes, from);
    }

    /**
     * One window of a stream whose windows come in order: as {@link #separate(List, List, int)}, but the frames of
     * the previous window's overlap whose samples this window holds unchanged (a chunk that came late between the
     * two changes them) are taken from it, not transformed again. Frames the inverse needs are always transformed.
     *
     * @param firstSample the window's first sample on the stream's sample clock
     * @param nextStart where in this window the stream's next window starts (the slide): what to keep for it
     * @param previous the stream's previous window's overlap, or null
     */
    public Separated separate(WindowTensors window, float[] audio, long firstSample, int from, int nextStart, Overlap previous)
            throws InferenceException {
        int fftSize = stft.fftSize();
        int firstInverted = stft.firstFrameReaching(from);
        long shift = previous == null ? -1 : firstSample - previous.firstSample();
        float[][] reused = new float[stft.frames(audio.length)][];
        if (shift > 0 && shift % stft.hop() == 0) {
            for (int frame = 0; frame < Math.min(firstInverted, reused.length); frame++) {
                int start = stft.frameStart(frame);
                long before = frame + shift / stft.hop();
                if (start < 0 || start + fftSize > audio.length || before >= previous.logMagnitudes().length
                        || previous.logMagnitudes()[(int) before] == null) {
                    continue;
                }
                int kept = stft.frameStart((int) before) - previous.keptFrom();
                if (Arrays.equals(audio, start, start + fftSize, previous.keptAudio(), kept, kept + fftSize)) {
                    reused[frame] = previous.logMagnitudes()[(int) before];
                }
            }
        }
        Stft.Spectrum spectrum = stft.forward(audio, frame -> reused[frame] == null);
        float[][] logMagnitudes = logMagnitudes(spectrum, reused);
        float[] separated = separate(List.of(window), List.of(spectrum), List.<float[][]>of(logMagnitudes), from).get(0);
        float[][] keptRows = new float[logMagnitudes.length][];
        for (int frame = 0; frame < keptRows.length; frame++) {
            int start = stft.frameStart(frame);
            if (start >= nextStart && start + fftSize <= audio.length) {
                keptRows[frame] = logMagnitudes[frame];
            }
        }
        int transformed = (int) Arrays.stream(reused).filter(Objects::isNull).count();
        return new Separated(separated, new Overlap(firstSample, nextStart, Arrays.copyOfRange(audio, nextStart, audio.length), keptRows), transformed);
    }

    /**
     * Each frame's log-magnitude, from {@code reused} where it has the frame's row, else from the spectrum. The
     * magnitudes and their logarithms are two loops: apart, the JIT vectorises the square roots (the same values,
     * 2.7 times the speed of one loop here).
     */
    private static float[][] logMagnitudes(Stft.Spectrum spectrum, float[][] reused) {
        float[][] rows = new float[spectrum.frames()][];
        double[] magnitudes = new double[spectrum.bins()];
        for (int frame = 0; frame < rows.length; frame++) {
            if (reused[frame] != null) {
                rows[frame] = reused[frame];
                continue;
            }
            float[] re = spectrum.re()[frame];
            float[] im = spectrum.im()[frame];
            for (int k = 0; k < re.length; k++) {
                magnitudes[k] = Math.sqrt((double) re[k] * re[k] + (double) im[k] * im[k]) + 1e-3;
            }
            rows[frame] = new float[re.length];
            for (int k = 0; k < re.length; k++) {
                rows[frame][k] = (float) Math.log(magnitudes[k]);
            }
        }
        return rows;
    }

    private List<float[]> separate(List<WindowTensors> windows, List<Stft.Spectrum> spectra, List<float[][]> logMagnitudes, int from)
            throws InferenceException {
        int frames = spectrogram.frames();
        int bins = spectrogram.bins();
        FloatBuffer input = buffers.floats("spectrogram", windows.size() * frames * bins);
        for (int w = 0; w < windows.size(); w++) {
            for (int f = 0; f < frames; f++) {
                input.put((w * frames + f) * bins, logMagnitudes.get(w)[f]);
            }
        }
        String maskOutput = ((Decoding.SpectrogramMask) model.card().result().decoding()).from();
        float[] masks = model.run(WindowInputs.of(model.card(), producers, windows, Set.of(), null, input)).get(maskOutput).data();
        List<float[]> separated = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            separated.add(stft.inverse(spectra.get(w), masks, w * frames * bins, spectrogram.samples(), from));
        }
        return separated;
    }
}
