package io.mmstream.inference;

import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The window's encoders, a batch at a time, each run from its card ({@link ElementModel}): encoded frames to frame
 * embeddings (decoded, resized and laid out as the frame binding says) and log-mel patches to audio embeddings.
 */
public final class MediaEncoders {

    /** One item's outcome: an embedding, or why there is none (the frame could not be decoded, the encoder failed on it). */
    public record Encoded(float[] embedding, String error) {
        public boolean ok() {
            return embedding != null;
        }
    }

    private final ElementModel frameEncoder;
    private final ElementModel audioEncoder;

    public MediaEncoders(OnnxModel frameEncoder, OnnxModel audioEncoder) {
        this.frameEncoder = new ElementModel(frameEncoder);
        this.audioEncoder = new ElementModel(audioEncoder);
    }

    /**
     * One grey JPEG frame through the whole frame path (decoder, resize, model), so that the first real batch does
     * not pay for native libraries loading and the JIT: the streams' clocks count a modality that arrives late
     * after a (re)start as silent once the idle timeout passes.
     */
    public void warmUpFrames() {
        Binding.FramePixels size = (Binding.FramePixels) frameEncoder.mediaBinding();
        var image = new java.awt.image.BufferedImage(size.width(), size.height(), java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        byte[] jpeg = io.mmstream.media.JpegEncoder.encode(image, 85);
        frames(List.of(WireCodec.encode(VideoFrame.newBuilder().setStreamId("warm-up").setCaptureTime(java.time.Instant.EPOCH).setSeq(0)
                .setWidth(size.width()).setHeight(size.height()).setEncoding(io.mmstream.schema.ImageEncoding.JPEG)
                .setData(ByteBuffer.wrap(jpeg)).build())));
    }

    /** One silent patch through the audio encoder, for the same reason as {@link #warmUpFrames}. */
    public void warmUpAudio() {
        audio(List.of(new float[audioEncoder.mediaValues()]));
    }

    /** The patch cutter matching the audio encoder's card. */
    public AudioPatches audioPatches() {
        Binding.LogMelPatch patch = logMelPatch(audioEncoder.card());
        return new AudioPatches(patch.params(), patch.frames());
    }

    /** An audio encoder's log-mel binding. */
    public static Binding.LogMelPatch logMelPatch(ModelCard audioEncoder) {
        return (Binding.LogMelPatch) audioEncoder.inputs().stream().map(ModelCard.Tensor::binding)
                .filter(b -> b instanceof Binding.LogMelPatch).findFirst().orElseThrow();
    }

    /**
     * @param records VideoFrame records in the wire encoding (already validated by the input decoder)
     * @return one outcome per record, in order: a frame that cannot be decoded, or that the encoder fails on, fails alone
     */
    public List<Encoded> frames(List<byte[]> records) {
        List<String> errors = new ArrayList<>(records.size());
        List<ElementModel.Call> calls = new ArrayList<>(records.size());
        for (byte[] record : records) {
            try {
                VideoFrame frame = WireCodec.decode(VideoFrame.class, record);
                ByteBuffer data = frame.getData();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                calls.add(new ElementModel.Call(frameEncoder.pixels(bytes, frame.getEncoding(), frame.getWidth(), frame.getHeight()), Map.of()));
                errors.add(null);
            } catch (RuntimeException | java.io.IOException e) {
                errors.add("frame cannot be decoded: " + e.getMessage());
            }
        }
        List<Encoded> embedded = run(frameEncoder, calls);
        List<Encoded> outcomes = new ArrayList<>(records.size());
        for (int i = 0, next = 0; i < records.size(); i++) {
            outcomes.add(errors.get(i) == null ? embedded.get(next++) : new Encoded(null, errors.get(i)));
        }
        return outcomes;
    }

    /** Frames already decoded and resized to the frame binding's size (RGB, row-major), as the dataset holds them. */
    public List<Encoded> rgbFrames(List<byte[]> rgb) {
        return run(frameEncoder, rgb.stream().map(frame -> new ElementModel.Call(frameEncoder.pixels(frame), Map.of())).toList());
    }

    /**
     * @param patches log-mel patches, frames x mel_bins values each, as the audio encoder's binding says
     * @return one outcome per patch, in order: a patch the encoder fails on fails alone
     */
    public List<Encoded> audio(List<float[]> patches) {
        return run(audioEncoder, patches.stream().map(patch -> new ElementModel.Call(patch, Map.of())).toList());
    }

    private static List<Encoded> run(ElementModel encoder, List<ElementModel.Call> calls) {
        return encoder.run(calls).stream().map(outcome -> new Encoded(outcome.values(), outcome.error())).toList();
    }
}
