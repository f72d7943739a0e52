package io.mmstream.codec;

import io.mmstream.media.JpegEncoder;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.TextSource;
import io.mmstream.schema.VideoFrame;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.List;

/** Named builders of valid input records, so a test changes only the field it is about. */
public final class WireRecordsFixtures {

    /** 2023-11-14T22:13:20Z: well in the past of any test run, so never past the future horizon. */
    public static final long T0_MICROS = 1_700_000_000_000_000L;
    /** A real 8x8 grey JPEG. */
    public static final byte[] SMALL_JPEG = JpegEncoder.encode(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), 80);
    /** An 8x8 JPEG whose header passes validation but whose 7-bit sample precision no decoder supports: fails decoding. */
    public static final byte[] UNDECODABLE_JPEG = withPrecision(SMALL_JPEG, 7);

    private WireRecordsFixtures() {}

    private static byte[] withPrecision(byte[] jpeg, int bits) {
        byte[] copy = jpeg.clone();
        for (int i = 0; i + 4 < copy.length; i++) {
            if (copy[i] == (byte) 0xFF && copy[i + 1] == (byte) 0xC0) {
                copy[i + 4] = (byte) bits;
                return copy;
            }
        }
        throw new IllegalStateException("no baseline start-of-frame marker");
    }

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

    /** Ten imu6 samples 10 ms apart, sample i holding i in every axis. */
    public static SensorBatch.Builder batch(String streamId, long captureMicros) {
        List<Integer> offsets = new java.util.ArrayList<>();
        List<Float> values = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            offsets.add(i * 10_000);
            for (int axis = 0; axis < 6; axis++) {
                values.add((float) i);
            }
        }
        return SensorBatch.newBuilder().setStreamId(streamId).setSensorId("imu0").setCaptureTime(Times.ofMicros(captureMicros))
                .setKind("imu6").setOffsetsMicros(offsets).setValues(values);
    }

    public static TextEvent.Builder text(String streamId, long captureMicros) {
        return TextEvent.newBuilder().setStreamId(streamId).setCaptureTime(Times.ofMicros(captureMicros)).setSource(TextSource.ASR)
                .setText("turn left at the next corner").setLanguage("en");
    }
}
