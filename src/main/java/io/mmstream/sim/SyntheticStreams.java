package io.mmstream.sim;

import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.VideoFrame;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A minimal synthetic source for the backbone: several streams with all three modalities on regular clocks
 * (a moving block on camera, a tone with noise on the microphone, a swaying IMU). Deterministic for a seed:
 * the same time range gives the same records. The full scene simulator with ground truth replaces it as the
 * embedded default.
 */
public final class SyntheticStreams {

    /** @param audioChunkMicros duration of one audio chunk; sensorHz readings per second of the one IMU */
    public record Settings(int streams, int fps, int width, int height, int sampleRate, long audioChunkMicros, int sensorHz, long seed) {
        public static Settings defaults(int streams) {
            return new Settings(streams, 15, 64, 48, 16_000, 100_000, 50, 42);
        }
    }

    /** One encoded record as it goes to the modality's topic, keyed by streamId. */
    public record Emitted(Modality modality, String streamId, long captureMicros, long seq, byte[] value) {}

    private final Settings settings;

    public SyntheticStreams(Settings settings) {
        this.settings = settings;
    }

    public static String streamId(int index) {
        return String.format("stream-%02d", index);
    }

    /** Every record of every stream captured in [startMicros, endMicros), in capture-time order. */
    public List<Emitted> between(long startMicros, long endMicros) {
        List<Emitted> out = new ArrayList<>();
        for (int s = 0; s < settings.streams(); s++) {
            String id = streamId(s);
            long framePeriod = Math.round(1e6 / settings.fps());
            for (long k = ceilDiv(startMicros, framePeriod); k * framePeriod < endMicros; k++) {
                out.add(new Emitted(Modality.VIDEO, id, k * framePeriod, k, frame(s, id, k, k * framePeriod)));
            }
            long chunk = settings.audioChunkMicros();
            for (long k = ceilDiv(startMicros, chunk); k * chunk < endMicros; k++) {
                out.add(new Emitted(Modality.AUDIO, id, k * chunk, k, audio(s, id, k, k * chunk)));
            }
            long sensorPeriod = Math.round(1e6 / settings.sensorHz());
            for (long k = ceilDiv(startMicros, sensorPeriod); k * sensorPeriod < endMicros; k++) {
                out.add(new Emitted(Modality.SENSOR, id, k * sensorPeriod, -1, sensor(s, id, k, k * sensorPeriod)));
            }
        }
        out.sort(Comparator.comparingLong(Emitted::captureMicros));
        return out;
    }

    private byte[] frame(int stream, String id, long seq, long captureMicros) {
        BufferedImage image = new BufferedImage(settings.width(), settings.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(40, 40 + 20 * (stream % 8), 60));
        g.fillRect(0, 0, settings.width(), settings.height());
        double phase = captureMicros / 1e6 * (0.5 + 0.1 * stream);
        int size = settings.height() / 3;
        int x = (int) ((settings.width() - size) * (0.5 + 0.5 * Math.sin(2 * Math.PI * phase)));
        g.setColor(Color.ORANGE);
        g.fillRect(x, settings.height() / 2 - size / 2, size, size);
        g.dispose();
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpg", jpeg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return WireCodec.encode(VideoFrame.newBuilder().setStreamId(id).setCaptureTime(Times.ofMicros(captureMicros)).setSeq(seq)
                .setWidth(settings.width()).setHeight(settings.height()).setEncoding(ImageEncoding.JPEG)
                .setData(ByteBuffer.wrap(jpeg.toByteArray())).build());
    }

    private byte[] audio(int stream, String id, long seq, long captureMicros) {
        int samples = (int) (settings.sampleRate() * settings.audioChunkMicros() / 1_000_000);
        SplittableRandom noise = new SplittableRandom(settings.seed() * 1_000_003 + stream * 7919L + seq);
        ByteBuffer pcm = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        double tone = 220.0 * (1 + stream % 4);
        for (int i = 0; i < samples; i++) {
            double t = captureMicros / 1e6 + (double) i / settings.sampleRate();
            double sample = 0.3 * Math.sin(2 * Math.PI * tone * t) + 0.05 * (noise.nextDouble() * 2 - 1);
            pcm.putShort((short) Math.round(sample * Short.MAX_VALUE));
        }
        pcm.flip();
        return WireCodec.encode(AudioChunk.newBuilder().setStreamId(id).setCaptureTime(Times.ofMicros(captureMicros)).setSeq(seq)
                .setSampleRate(settings.sampleRate()).setChannels(1).setFormat(SampleFormat.PCM_S16LE).setData(pcm).build());
    }

    private byte[] sensor(int stream, String id, long index, long captureMicros) {
        SplittableRandom noise = new SplittableRandom(settings.seed() * 2_000_003 + stream * 104_729L + index);
        double t = captureMicros / 1e6;
        double sway = Math.sin(2 * Math.PI * (0.5 + 0.1 * stream) * t);
        List<Float> values = List.of(
                (float) (0.8 * sway + 0.02 * noise.nextGaussian()),
                (float) (0.02 * noise.nextGaussian()),
                (float) (9.81 + 0.02 * noise.nextGaussian()),
                (float) (0.3 * Math.cos(2 * Math.PI * (0.5 + 0.1 * stream) * t)),
                (float) (0.01 * noise.nextGaussian()),
                (float) (0.01 * noise.nextGaussian()));
        return WireCodec.encode(SensorReading.newBuilder().setStreamId(id).setSensorId("imu0").setCaptureTime(Times.ofMicros(captureMicros))
                .setKind("imu6").setValues(values).build());
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
