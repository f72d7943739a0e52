package io.mmstream.inference;

import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.ImageCodec;
import io.mmstream.media.ImageNormaliser;
import io.mmstream.media.LogMel;
import io.mmstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The per-element encoders, a batch at a time: encoded frames to frame embeddings (decode, resize, normalise,
 * frame encoder) and log-mel patches to audio embeddings. Preprocessing comes from the encoders' cards.
 */
public final class MediaEncoders {

    /** One frame's outcome: an embedding, or why there is none (the frame could not be decoded). */
    public record Encoded(float[] embedding, String error) {
        public boolean ok() {
            return embedding != null;
        }
    }

    private final OnnxModel frameEncoder;
    private final OnnxModel audioEncoder;
    private final ImageCodec images = ImageCodec.standard();
    private final ImageNormaliser normaliser;
    private final int imageSize;
    private final int embedding;
    private final int patchFrames;
    private final int melBins;

    public MediaEncoders(OnnxModel frameEncoder, OnnxModel audioEncoder) {
        this.frameEncoder = frameEncoder;
        this.audioEncoder = audioEncoder;
        ModelCard frames = frameEncoder.card();
        this.imageSize = (int) frames.preprocessingLong("image_size");
        this.normaliser = new ImageNormaliser(frames.preprocessingFloats("mean"), frames.preprocessingFloats("std"));
        this.embedding = Integer.parseInt(frames.outputs().get(0).shape().get(1));
        ModelCard audio = audioEncoder.card();
        this.patchFrames = (int) audio.preprocessingLong("patch_frames");
        this.melBins = (int) audio.preprocessingLong("mel_bins");
        LogMel.Params standard = LogMel.Params.standard();
        if (audio.preprocessingLong("sample_rate") != standard.sampleRate() || melBins != standard.melBins()
                || audio.preprocessingLong("hop_length") != standard.hopLength()) {
            throw new ModelCardException(audio.file() + ": preprocessing (sample_rate, mel_bins, hop_length) differs from the job's log-mel "
                    + standard);
        }
    }

    public int embedding() {
        return embedding;
    }

    /** The patch cutter matching the audio encoder's card. */
    public AudioPatches audioPatches() {
        return new AudioPatches(LogMel.Params.standard(), patchFrames);
    }

    /**
     * @param records VideoFrame records in the wire encoding (already validated by the input decoder)
     * @return one outcome per record, in order; a frame that cannot be decoded fails alone
     * @throws InferenceException when the encoder itself fails: then the whole batch has no embeddings
     */
    public List<Encoded> frames(List<byte[]> records) throws InferenceException {
        int pixels = 3 * imageSize * imageSize;
        List<Encoded> outcomes = new ArrayList<>(records.size());
        float[] batch = new float[records.size() * pixels];
        int decoded = 0;
        for (byte[] record : records) {
            try {
                VideoFrame frame = WireCodec.decode(VideoFrame.class, record);
                ByteBuffer data = frame.getData();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                byte[] rgb = images.decodeResized(bytes, frame.getEncoding(), frame.getWidth(), frame.getHeight(), imageSize, imageSize);
                normaliser.toChw(rgb, imageSize, imageSize, batch, decoded++ * pixels);
                outcomes.add(new Encoded(new float[0], null));
            } catch (RuntimeException | java.io.IOException e) {
                outcomes.add(new Encoded(null, "frame cannot be decoded: " + e.getMessage()));
            }
        }
        if (decoded == 0) {
            return outcomes;
        }
        // the usual case, every frame decoded, passes the batch as it is
        float[] frames = decoded == records.size() ? batch : java.util.Arrays.copyOf(batch, decoded * pixels);
        float[] embeddings = frameEncoder.run(Map.of(frameEncoder.card().inputs().get(0).name(),
                Input.of(frames, decoded, 3, imageSize, imageSize))).values().iterator().next().data();
        int next = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i).ok()) {
                outcomes.set(i, new Encoded(java.util.Arrays.copyOfRange(embeddings, next * embedding, (next + 1) * embedding), null));
                next++;
            }
        }
        return outcomes;
    }

    /** @param patches log-mel patches of patch_frames x mel_bins values each */
    public List<float[]> audio(List<float[]> patches) throws InferenceException {
        int values = patchFrames * melBins;
        float[] batch = new float[patches.size() * values];
        for (int i = 0; i < patches.size(); i++) {
            System.arraycopy(patches.get(i), 0, batch, i * values, values);
        }
        float[] embeddings = audioEncoder.run(Map.of(audioEncoder.card().inputs().get(0).name(),
                Input.of(batch, patches.size(), 1, patchFrames, melBins))).values().iterator().next().data();
        List<float[]> out = new ArrayList<>(patches.size());
        for (int i = 0; i < patches.size(); i++) {
            out.add(java.util.Arrays.copyOfRange(embeddings, i * embedding, (i + 1) * embedding));
        }
        return out;
    }
}
