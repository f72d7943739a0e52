package io.mmstream.inference;

import io.mmstream.align.WindowTensors;
import io.mmstream.media.Stft;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
     * @param audio each window's audio, {@link #input()}'s samples at its rate from the window's start, zero where
     *     none was heard
     * @param from the first sample wanted back (the job publishes each window's last slide): only the STFT frames
     *     that reach it are inverted
     * @return each window's separated audio from sample {@code from} on
     */
    public List<float[]> separate(List<WindowTensors> windows, List<float[]> audio, int from) throws InferenceException {
        int frames = spectrogram.frames();
        int bins = spectrogram.bins();
        List<Stft.Spectrum> spectra = new ArrayList<>();
        FloatBuffer logMagnitudes = buffers.floats("spectrogram", windows.size() * frames * bins);
        for (int w = 0; w < windows.size(); w++) {
            Stft.Spectrum spectrum = stft.forward(audio.get(w));
            spectra.add(spectrum);
            for (int f = 0; f < frames; f++) {
                for (int k = 0; k < bins; k++) {
                    double re = spectrum.re()[f][k];
                    double im = spectrum.im()[f][k];
                    logMagnitudes.put((w * frames + f) * bins + k, (float) Math.log(Math.sqrt(re * re + im * im) + 1e-3));
                }
            }
        }
        String maskOutput = ((Decoding.SpectrogramMask) model.card().result().decoding()).from();
        float[] masks = model.run(WindowInputs.of(model.card(), producers, windows, Set.of(), null, logMagnitudes)).get(maskOutput).data();
        List<float[]> separated = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            separated.add(stft.inverse(spectra.get(w), masks, w * frames * bins, spectrogram.samples(), from));
        }
        return separated;
    }
}
