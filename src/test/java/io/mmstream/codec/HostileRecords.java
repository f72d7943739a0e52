package io.mmstream.codec;

import static io.mmstream.codec.WireRecordsFixtures.*;

import io.mmstream.align.Modality;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Single records that each once made the job fail and restart for ever, crafted by hand: absurd capture times,
 * lengths that claim gigabytes, ids too long or unprintable, image bombs, sensor and audio payloads beyond reason.
 * Each must become exactly one dead letter whose error contains {@link Hostile#expectedError}.
 */
public final class HostileRecords {

    /** @param key null for none */
    public record Hostile(String name, Modality modality, byte[] key, byte[] value, String expectedError) {}

    private HostileRecords() {}

    /**
     * @param streamId the id the records claim, used as their key where the record has a valid one
     * @param maxBytes no record is larger than this (what the broker and the producers under test accept)
     */
    public static List<Hostile> all(String streamId, long captureMicros, int maxBytes) {
        byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
        List<Hostile> all = new ArrayList<>();
        all.add(new Hostile("capture time Long.MAX_VALUE", Modality.VIDEO, key,
                WireCodec.encode(frame(streamId, Long.MAX_VALUE).build()), "captureTime"));
        all.add(new Hostile("capture time Long.MIN_VALUE", Modality.AUDIO, key,
                WireCodec.encode(chunk(streamId, Long.MIN_VALUE).build()), "captureTime"));
        all.add(new Hostile("data claims 2 GB", Modality.VIDEO, key, new Body(Modality.VIDEO).string(streamId).varLong(captureMicros)
                .varLong(1).varLong(8).varLong(8).varLong(0).varLong(Integer.MAX_VALUE).bytes(), "VideoFrame.data claims 2147483647 bytes"));
        all.add(new Hostile("streamId claims 2 GB", Modality.AUDIO, key, new Body(Modality.AUDIO).varLong(Integer.MAX_VALUE).bytes(),
                "AudioChunk.streamId claims 2147483647 bytes"));
        all.add(new Hostile("values claim 2^30 items", Modality.SENSOR, key, new Body(Modality.SENSOR).string(streamId).string("imu0")
                .varLong(captureMicros).string("imu6").varLong(1L << 30).bytes(), "SensorReading.values claims 1073741824 items"));
        all.add(new Hostile("a block of a negative size", Modality.SENSOR, key, new Body(Modality.SENSOR).string(streamId).string("imu0")
                .varLong(captureMicros).string("imu6").varLong(-6).varLong(-1).bytes(), "SensorReading.values claims a block of -1 bytes"));
        String longId = "s".repeat(Math.min(600_000, maxBytes - 1000));
        // no key: with the id as its key too, the record would not fit a Kafka request
        all.add(new Hostile("a streamId of " + longId.length() + " bytes", Modality.SENSOR, null,
                WireCodec.encode(reading(longId, captureMicros).build()), "streamId of " + longId.length() + " bytes exceeds the limit of 256"));
        all.add(new Hostile("a key of " + (maxBytes - 1000) + " bytes with a garbage value", Modality.VIDEO, new byte[maxBytes - 1000],
                new byte[] {1, 2, 3}, "no C3 01 header"));
        all.add(new Hostile("a key that is not the streamId", Modality.VIDEO, "another-stream".getBytes(StandardCharsets.UTF_8),
                WireCodec.encode(frame(streamId, captureMicros).build()), "is not the streamId"));
        for (String id : List.of("cam\u001b[2J", "cam\u202Eevil", "cam\u200B1", "cam\nline")) {
            all.add(new Hostile("an unprintable streamId", Modality.VIDEO, id.getBytes(StandardCharsets.UTF_8),
                    WireCodec.encode(frame(id, captureMicros).build()), "streamId holds the unprintable character"));
        }
        all.add(new Hostile("a 4000x4000 PNG declared 1x1", Modality.VIDEO, key, WireCodec.encode(frame(streamId, captureMicros)
                .setEncoding(ImageEncoding.PNG).setWidth(1).setHeight(1).setData(ByteBuffer.wrap(blankPng(4000, 4000))).build()),
                "the PNG header says 4000x4000, the record declares 1x1"));
        all.add(new Hostile("a 32768x32768 PNG declared as such", Modality.VIDEO, key, WireCodec.encode(frame(streamId, captureMicros)
                .setEncoding(ImageEncoding.PNG).setWidth(32768).setHeight(32768).setData(ByteBuffer.wrap(blankPng(32768, 32768))).build()),
                "width 32768 is outside 1..16384"));
        all.add(new Hostile("a 16000x16000 PNG over the pixel cap", Modality.VIDEO, key, WireCodec.encode(frame(streamId, captureMicros)
                .setEncoding(ImageEncoding.PNG).setWidth(16000).setHeight(16000).setData(ByteBuffer.wrap(blankPng(16000, 16000))).build()),
                "16000x16000 is 256000000 pixels, over the limit"));
        all.add(new Hostile("a JPEG of 5000 scans", Modality.VIDEO, key, WireCodec.encode(frame(streamId, captureMicros)
                .setData(ByteBuffer.wrap(manyScans(SMALL_JPEG, 5000))).build()), "JPEG has 5001 scans, over the limit"));
        all.add(new Hostile("a JPEG whose header says 640x480 declared 8x8", Modality.VIDEO, key, WireCodec.encode(frame(streamId, captureMicros)
                .setData(ByteBuffer.wrap(withSize(SMALL_JPEG, 640, 480))).build()), "the JPEG header says 640x480, the record declares 8x8"));
        int values = Math.min(1_000_000, (maxBytes - 100) / 4);
        all.add(new Hostile("a sensor reading of " + values + " values", Modality.SENSOR, key, WireCodec.encode(reading(streamId, captureMicros)
                .setValues(Collections.nCopies(values, 1f)).build()), "values holds " + values + " numbers, but a reading of kind imu6 holds 6"));
        all.add(new Hostile("a sensor value of 3e38", Modality.SENSOR, key, WireCodec.encode(reading(streamId, captureMicros)
                .setValues(List.of(0f, 0f, 3e38f, 0f, 0f, 0f)).build()), "values[2] is 3.0E38"));
        int batchSamples = 20_000; // about 540 KB
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < batchSamples; i++) {
            offsets.add(i * 100);
        }
        all.add(new Hostile("a sensor batch of " + batchSamples + " samples", Modality.SENSOR, key, WireCodec.encode(batch(streamId, captureMicros)
                .setOffsetsMicros(offsets).setValues(Collections.nCopies(batchSamples * 6, 1f)).build()),
                "offsetsMicros holds " + batchSamples + " samples; a batch holds 1 to 10000"));
        all.add(new Hostile("a sensor batch whose times go back", Modality.SENSOR, key, WireCodec.encode(batch(streamId, captureMicros)
                .setOffsetsMicros(List.of(0, 10_000, 20_000, 30_000, 5_000, 50_000, 60_000, 70_000, 80_000, 90_000)).build()),
                "offsetsMicros[4] is 5000, not after offsetsMicros[3] = 30000"));
        all.add(new Hostile("NaN F32 audio", Modality.AUDIO, key, WireCodec.encode(f32Chunk(streamId, captureMicros, Float.NaN)), "is NaN"));
        all.add(new Hostile("infinite F32 audio", Modality.AUDIO, key, WireCodec.encode(f32Chunk(streamId, captureMicros, Float.NEGATIVE_INFINITY)),
                "is -Infinity"));
        int samples = Math.min(2_100_000, (maxBytes - 100) / 2);
        all.add(new Hostile("an audio chunk of " + samples / 16 + " ms", Modality.AUDIO, key, WireCodec.encode(chunk(streamId, captureMicros)
                .setData(ByteBuffer.wrap(new byte[samples * 2])).build()), "ms of audio, over the limit of 10000 ms"));
        all.add(new Hostile("text claims 2 GB", Modality.TEXT, key, new Body(Modality.TEXT).string(streamId).varLong(captureMicros)
                .varLong(0).varLong(Integer.MAX_VALUE).bytes(), "TextEvent.text claims 2147483647 bytes"));
        int chars = Math.min(200_000, maxBytes - 1000);
        all.add(new Hostile("a text of " + chars + " characters", Modality.TEXT, key, WireCodec.encode(text(streamId, captureMicros)
                .setText("a".repeat(chars)).build()), "text of " + chars + " characters exceeds the limit of"));
        all.add(new Hostile("a text with a terminal escape", Modality.TEXT, key, WireCodec.encode(text(streamId, captureMicros)
                .setText("hello \u001b[2J world").build()), "text holds the character U+001B at index 6"));
        all.add(new Hostile("a language that is no tag", Modality.TEXT, key, WireCodec.encode(text(streamId, captureMicros)
                .setLanguage("en; DROP TABLE").build()), "is not a BCP 47 tag"));
        return all;
    }

    private static io.mmstream.schema.AudioChunk f32Chunk(String streamId, long captureMicros, float bad) {
        ByteBuffer data = ByteBuffer.allocate(1600 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1600; i++) {
            data.putFloat(i == 777 ? bad : 0.25f);
        }
        return chunk(streamId, captureMicros).setFormat(SampleFormat.PCM_F32LE).setData(ByteBuffer.wrap(data.array())).build();
    }

    /** A 1-bit greyscale PNG of the given size, all black: a few KB that decode to width x height pixels. */
    static byte[] blankPng(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        pngChunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 1).put((byte) 0).put((byte) 0)
                .put((byte) 0).put((byte) 0).array());
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] row = new byte[1 + (width + 7) / 8];
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                compressed.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            compressed.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        pngChunk(out, "IDAT", compressed.toByteArray());
        pngChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void pngChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** The JPEG with extra start-of-scan segments inserted before its end marker. */
    private static byte[] manyScans(byte[] jpeg, int extra) {
        byte[] scan = {(byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, jpeg.length - 2);
        for (int i = 0; i < extra; i++) {
            out.writeBytes(scan);
        }
        out.write(jpeg, jpeg.length - 2, 2);
        return out.toByteArray();
    }

    /** The JPEG with the size in its start-of-frame marker replaced. */
    private static byte[] withSize(byte[] jpeg, int width, int height) {
        byte[] copy = jpeg.clone();
        for (int i = 0; i + 8 < copy.length; i++) {
            if (copy[i] == (byte) 0xFF && copy[i + 1] == (byte) 0xC0) {
                ByteBuffer.wrap(copy, i + 5, 4).putShort((short) height).putShort((short) width);
                return copy;
            }
        }
        throw new IllegalStateException("no baseline start-of-frame marker");
    }

    /** A single-object encoded record written field by field, so that it can claim what no encoder would write. */
    private static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Body(Modality modality) {
            byte[] valid = WireCodec.encode(switch (modality) {
                case VIDEO -> frame("s", T0_MICROS).build();
                case AUDIO -> chunk("s", T0_MICROS).build();
                case SENSOR -> reading("s", T0_MICROS).build();
                case TEXT -> text("s", T0_MICROS).build();
            });
            out.write(valid, 0, 10);
        }

        Body varLong(long value) {
            long zigzag = (value << 1) ^ (value >> 63);
            while ((zigzag & ~0x7FL) != 0) {
                out.write((int) ((zigzag & 0x7F) | 0x80));
                zigzag >>>= 7;
            }
            out.write((int) zigzag);
            return this;
        }

        Body string(String text) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            varLong(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
