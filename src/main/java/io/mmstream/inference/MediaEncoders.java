package io.mmstream.inference;

import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.ImageCodec;
import io.mmstream.media.ImageNormaliser;
import io.mmstream.media.LogMel;
import io.mmstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The per-element encoders, a batch at a time: encoded frames to frame embeddings (decode, resize, normalise,
 * frame encoder) and log-mel patches to audio embeddings. Preprocessing comes from the encoders' cards.
 */
public final class MediaEncoders {

    /** One item's outcome: an embedding, or why there is none (the frame could not be decoded, the encoder failed on it). */
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

    /**
     * One grey JPEG frame through the whole frame path (decoder, resize, model), so that the first real batch does
     * not pay for native libraries loading and the JIT: the streams' clocks count a modality that arrives late
     * after a (re)start as silent once the idle timeout passes.
     */
    public void warmUpFrames() {
        var image = new java.awt.image.BufferedImage(imageSize, imageSize, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        byte[] jpeg = io.mmstream.media.JpegEncoder.encode(image, 85);
        frames(List.of(WireCodec.encode(VideoFrame.newBuilder().setStreamId("warm-up").setCaptureTime(java.time.Instant.EPOCH).setSeq(0)
                .setWidth(imageSize).setHeight(imageSize).setEncoding(io.mmstream.schema.ImageEncoding.JPEG).setData(ByteBuffer.wrap(jpeg)).build())));
    }

    /** One silent patch through the audio encoder, for the same reason as {@link #warmUpFrames}. */
    public void warmUpAudio() {
        audio(List.of(new float[patchFrames * melBins]));
    }

    /** The patch cutter matching the audio encoder's card. */
    public AudioPatches audioPatches() {
        return new AudioPatches(LogMel.Params.standard(), patchFrames);
    }

    /**
     * @param records VideoFrame records in the wire encoding (already validated by the input decoder)
     * @return one outcome per record, in order: a frame that cannot be decoded, or that the encoder fails on, fails alone
     */
    public List<Encoded> frames(List<byte[]> records) {
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
                outcomes.add(null);
            } catch (RuntimeException | java.io.IOException e) {
                outcomes.add(new Encoded(null, "frame cannot be decoded: " + e.getMessage()));
            }
        }
        // the usual case, every frame decoded, passes the batch as it is
        float[] frames = decoded == records.size() ? batch : Arrays.copyOf(batch, decoded * pixels);
        List<Encoded> embeddings = embed(frameEncoder, frames, decoded, 3, imageSize, imageSize);
        for (int i = 0, next = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == null) {
                outcomes.set(i, embeddings.get(next++));
            }
        }
        return outcomes;
    }

    /**
     * @param patches log-mel patches of patch_frames x mel_bins values each
     * @return one outcome per patch, in order: a patch the encoder fails on fails alone
     */
    public List<Encoded> audio(List<float[]> patches) {
        int values = patchFrames * melBins;
        float[] batch = new float[patches.size() * values];
        for (int i = 0; i < patches.size(); i++) {
            System.arraycopy(patches.get(i), 0, batch, i * values, values);
        }
        return embed(audioEncoder, batch, patches.size(), 1, patchFrames, melBins);
    }

    /**
     * One embedding per item of the batch. When the model fails on the batch (an error, or an output that is not finite),
     * each item runs again alone, so one bad item costs only its own result.
     *
     * @param itemShape the shape of one item, after the batch axis
     */
    private List<Encoded> embed(OnnxModel model, float[] batch, int count, long... itemShape) {
        if (count == 0) {
            return List.of();
        }
        long[] shape = new long[itemShape.length + 1];
        shape[0] = count;
        System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
        float[] embeddings;
        try {
            embeddings = model.run(Map.of(model.card().inputs().get(0).name(), Input.of(batch, shape))).values().iterator().next().data();
        } catch (InferenceException e) {
            if (count == 1) {
                return List.of(new Encoded(null, model.card().name() + " failed: " + e.getMessage()));
            }
            int values = batch.length / count;
            List<Encoded> alone = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                alone.addAll(embed(model, Arrays.copyOfRange(batch, i * values, (i + 1) * values), 1, itemShape));
            }
            return alone;
        }
        List<Encoded> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new Encoded(Arrays.copyOfRange(embeddings, i * embedding, (i + 1) * embedding), null));
        }
        return out;
    }
}
