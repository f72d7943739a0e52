package io.mmstream.inference;

import io.mmstream.codec.WireCodec;
import io.mmstream.media.AudioPatches;
import io.mmstream.schema.VideoFrame;
import java.nio.ByteBuffer;
import io.mmstream.media.ImageCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The window's encoders, a batch at a time, each run from its card ({@link ElementModel}): encoded frames to frame
 * embeddings (decoded, resized and laid out as each frame binding says) and log-mel patches to audio embeddings. A
 * stage with several encoders gives their embeddings side by side, in models.run order ({@link EncoderSlice}).
 */
public final class MediaEncoders {

    /** One item's outcome: an embedding, or why there is none (the frame could not be decoded, an encoder failed on it). */
    public record Encoded(float[] embedding, String error) {
        public boolean ok() {
            return embedding != null;
        }
    }

    private final ImageCodec images = ImageCodec.standard();
    private final List<ElementModel> frameEncoders;
    private final List<ElementModel> audioEncoders;

    public MediaEncoders(List<OnnxModel> frameEncoders, List<OnnxModel> audioEncoders) {
        this.frameEncoders = frameEncoders.stream().map(ElementModel::new).toList();
        this.audioEncoders = audioEncoders.stream().map(ElementModel::new).toList();
    }

    /**
     * One grey JPEG frame through the whole frame path (decoder, resize, models), so that the first real batch does
     * not pay for native libraries loading and the JIT: the streams' clocks count a modality that arrives late
     * after a (re)start as silent once the idle timeout passes.
     */
    public void warmUpFrames() {
        Binding.FramePixels size = (Binding.FramePixels) frameEncoders.get(0).mediaBinding();
        var image = new java.awt.image.BufferedImage(size.width(), size.height(), java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        byte[] jpeg = io.mmstream.media.JpegEncoder.encode(image, 85);
        frames(List.of(WireCodec.encode(VideoFrame.newBuilder().setStreamId("warm-up").setCaptureTime(java.time.Instant.EPOCH).setSeq(0)
                .setWidth(size.width()).setHeight(size.height()).setEncoding(io.mmstream.schema.ImageEncoding.JPEG)
                .setData(ByteBuffer.wrap(jpeg)).build())));
    }

    /** One silent patch through the audio encoders, for the same reason as {@link #warmUpFrames}. */
    public void warmUpAudio() {
        audio(List.of(new float[audioEncoders.get(0).mediaValues()]));
    }

    /** The patch cutter matching the audio encoders' cards (which cut alike, as ModelSettings checks). */
    public AudioPatches audioPatches() {
        Binding.LogMelPatch patch = logMelPatch(audioEncoders.get(0).card());
        return new AudioPatches(patch.params(), patch.frames());
    }

    /** An audio encoder's log-mel binding. */
    public static Binding.LogMelPatch logMelPatch(ModelCard audioEncoder) {
        return (Binding.LogMelPatch) audioEncoder.inputs().stream().map(ModelCard.Tensor::binding)
                .filter(b -> b instanceof Binding.LogMelPatch).findFirst().orElseThrow();
    }

    /**
     * @param records VideoFrame records in the wire encoding (already validated by the input decoder)
     * @return one outcome per record, in order: a frame that cannot be decoded, or that an encoder fails on, fails alone
     */
    public List<Encoded> frames(List<byte[]> records) {
        List<String> errors = new ArrayList<>(records.size());
        // each frame is decoded once per size the encoders take
        List<Map<List<Integer>, byte[]>> decoded = new ArrayList<>(records.size());
        for (byte[] record : records) {
            try {
                VideoFrame frame = WireCodec.decode(VideoFrame.class, record);
                ByteBuffer data = frame.getData();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                Map<List<Integer>, byte[]> sizes = new HashMap<>();
                for (ElementModel encoder : frameEncoders) {
                    Binding.FramePixels size = (Binding.FramePixels) encoder.mediaBinding();
                    sizes.computeIfAbsent(List.of(size.width(), size.height()), key -> images.decodeResized(bytes, frame.getEncoding(),
                            frame.getWidth(), frame.getHeight(), size.width(), size.height()));
                }
                decoded.add(sizes);
                errors.add(null);
            } catch (RuntimeException | java.io.IOException e) {
                errors.add("frame cannot be decoded: " + e.getMessage());
            }
        }
        List<List<Encoded>> perEncoder = new ArrayList<>();
        for (ElementModel encoder : frameEncoders) {
            Binding.FramePixels size = (Binding.FramePixels) encoder.mediaBinding();
            perEncoder.add(run(encoder, decoded.stream()
                    .map(sizes -> ElementModel.Call.frame(sizes.get(List.of(size.width(), size.height())))).toList()));
        }
        List<Encoded> embedded = sideBySide(perEncoder);
        List<Encoded> outcomes = new ArrayList<>(records.size());
        for (int i = 0, next = 0; i < records.size(); i++) {
            outcomes.add(errors.get(i) == null ? embedded.get(next++) : new Encoded(null, errors.get(i)));
        }
        return outcomes;
    }

    /** Frames already decoded and resized to the frame bindings' size (RGB, row-major), as the dataset holds them. */
    public List<Encoded> rgbFrames(List<byte[]> rgb) {
        return sideBySide(frameEncoders.stream()
                .map(encoder -> run(encoder, rgb.stream().map(ElementModel.Call::frame).toList())).toList());
    }

    /**
     * @param patches log-mel patches, frames x mel_bins values each, as the audio encoders' binding says
     * @return one outcome per patch, in order: a patch an encoder fails on fails alone
     */
    public List<Encoded> audio(List<float[]> patches) {
        return sideBySide(audioEncoders.stream()
                .map(encoder -> run(encoder, patches.stream().map(patch -> new ElementModel.Call(patch, Map.of())).toList())).toList());
    }

    private static List<Encoded> run(ElementModel encoder, List<ElementModel.Call> calls) {
        return encoder.run(calls).stream().map(outcome -> new Encoded(outcome.values(), outcome.error())).toList();
    }

    /** Each item's embeddings from every encoder, concatenated in the encoders' order; the first error fails the item. */
    private static List<Encoded> sideBySide(List<List<Encoded>> perEncoder) {
        if (perEncoder.size() == 1) {
            return perEncoder.get(0);
        }
        List<Encoded> out = new ArrayList<>(perEncoder.get(0).size());
        for (int i = 0; i < perEncoder.get(0).size(); i++) {
            int item = i;
            String error = perEncoder.stream().map(outcomes -> outcomes.get(item).error()).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            if (error != null) {
                out.add(new Encoded(null, error));
                continue;
            }
            float[] joined = new float[perEncoder.stream().mapToInt(outcomes -> outcomes.get(item).embedding().length).sum()];
            int offset = 0;
            for (List<Encoded> outcomes : perEncoder) {
                float[] part = outcomes.get(item).embedding();
                System.arraycopy(part, 0, joined, offset, part.length);
                offset += part.length;
            }
            out.add(new Encoded(joined, null));
        }
        return out;
    }
}
