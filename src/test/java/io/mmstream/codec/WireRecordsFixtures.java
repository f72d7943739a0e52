package io.mmstream.codec;

import io.mmstream.media.JpegEncoder;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.VideoFrame;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.List;

/** Named builders of valid input records, so a test changes only the field it is about. */
public final class WireRecordsFixtures {

    /** 2023-11-14T22:13:20Z: well in the past of any test run, so never past the future horizon. */
    public static final long T0_MICROS = 1_700_000_000_000_000L;
    /** Starts and ends like a JPEG, but holds no image: passes validation, fails decoding. */
    public static final byte[] TINY_JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', (byte) 0xFF, (byte) 0xD9};
    /** A real 8x8 grey JPEG. */
    public static final byte[] SMALL_JPEG = JpegEncoder.encode(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), 80);

    private WireRecordsFixtures() {}

    public static VideoFrame.Builder frame(String streamId, long captureMicros) {
        return VideoFrame.newBuilder().setStreamId(streamId).setCaptureTime(Times.ofMicros(captureMicros)).setSeq(1)
                .setWidth(8).setHeight(8).setEncoding(ImageEncoding.JPEG).setData(ByteBuffer.wrap(SMALL_JPEG));
    }

    public static AudioChunk.Builder chunk(String streamId, long captureMicros) {
        return AudioChunk.newBuilder().setStreamId(streamId).setCaptureTime(Times.ofMicros(captureMicros)).setSeq(1)
                .setSampleRate(16_000).setChannels(1).setFormat(SampleFormat.PCM_S16LE).setData(ByteBuffer.wrap(new byte[3200]));
    }

    public static SensorReading.Builder reading(String streamId, long captureMicros) {
        return SensorReading.newBuilder().setStreamId(streamId).setSensorId("imu0").setCaptureTime(Times.ofMicros(captureMicros))
                .setKind("imu6").setValues(List.of(0.1f, 0.2f, 9.8f, 0f, 0f, 0f));
    }
}
