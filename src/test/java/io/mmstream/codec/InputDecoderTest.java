package io.mmstream.codec;

import static io.mmstream.codec.WireRecordsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.schema.ImageEncoding;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class InputDecoderTest {

    private static final long NOW_MICROS = T0_MICROS + 60_000_000;
    private static final ValidationLimits LIMITS = new ValidationLimits(4096, 10_000_000, 64, 640 * 480, 16, 10_000_000, 1000);

    private static Decoded decode(Modality modality, byte[] value) {
        return new InputDecoder(modality, LIMITS, () -> NOW_MICROS).decode("mm." + modality.wireName(), 1, 42, "s1".getBytes(), value).get(0);
    }

    private static Decoded decode(Modality modality, SpecificRecord record) {
        return decode(modality, WireCodec.encode(record));
    }

    private static void assertRejected(Decoded decoded, String stage, String errorPart) {
        assertThat(decoded.isAccepted()).isFalse();
        assertThat(decoded.rejection().stage()).isEqualTo(stage);
        assertThat(decoded.rejection().error()).contains(errorPart);
        assertThat(decoded.rejection().sourceTopic()).startsWith("mm.");
        assertThat(decoded.rejection().sourcePartition()).isEqualTo(1);
        assertThat(decoded.rejection().sourceOffset()).isEqualTo(42);
        assertThat(decoded.rejection().key()).isEqualTo("s1".getBytes());
    }

    @Test
    void validRecordsOfEachModalityBecomeEvents() {
        Decoded video = decode(Modality.VIDEO, frame("s1", T0_MICROS).setSeq(7).build());
        assertThat(video.isAccepted()).isTrue();
        assertThat(video.event().modality()).isEqualTo(Modality.VIDEO);
        assertThat(video.event().captureMicros()).isEqualTo(T0_MICROS);
        assertThat(video.event().seq()).isEqualTo(7);
        assertThat(video.event().sourceOffset()).isEqualTo(42);

        assertThat(decode(Modality.AUDIO, chunk("s1", T0_MICROS).build()).isAccepted()).isTrue();

        Decoded sensor = decode(Modality.SENSOR, reading("s1", T0_MICROS).build());
        assertThat(sensor.event().features()).containsExactly(0.1f, 0.2f, 9.8f, 0f, 0f, 0f);

        // text: line breaks, tabs, emoji joined by a zero-width joiner, any script; no language is fine too
        Decoded text = decode(Modality.TEXT, text("s1", T0_MICROS).setText("Olá, mundo!\n\tنص 👩\u200D💻").setLanguage(null).build());
        assertThat(text.isAccepted()).isTrue();
        assertThat(text.event().modality()).isEqualTo(Modality.TEXT);
        assertThat(text.event().features()).isEmpty();
        assertThat(decode(Modality.TEXT, text("s1", T0_MICROS).setLanguage("pt-BR").build()).isAccepted()).isTrue();
        assertThat(decode(Modality.TEXT, text("s1", T0_MICROS).setText("   ").build()).rejection().error()).isEqualTo("text is empty");
        assertThat(decode(Modality.TEXT, text("s1", T0_MICROS).setText("x".repeat(1001)).build()).rejection().error())
                .isEqualTo("text of 1001 characters exceeds the limit of 1000");
    }

    @Test
    void corruptBytesAndUnknownFingerprintsFailTheDecodeStage() {
        byte[] good = WireCodec.encode(frame("s1", T0_MICROS).build());
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[5] ^= 0x01;
        assertRejected(decode(Modality.VIDEO, unknownFingerprint), "decode", "is no version of VideoFrame");
        assertRejected(decode(Modality.VIDEO, Arrays.copyOf(good, 12)), "decode", "not a readable video record");
        assertRejected(decode(Modality.VIDEO, "hello, not avro".getBytes()), "decode", "no C3 01 header");
        // a valid record of another type on this topic is not a video frame either
        assertRejected(decode(Modality.VIDEO, chunk("s1", T0_MICROS).build()), "decode", "is no version of VideoFrame");
        assertRejected(decode(Modality.VIDEO, (byte[]) null), "decode", "no value");
    }

    @Test
    void aMissingStreamIdIsRejected() {
        assertRejected(decode(Modality.AUDIO, chunk("", T0_MICROS).build()), "validate", "streamId is missing or empty");
        assertRejected(decode(Modality.SENSOR, reading("  ", T0_MICROS).build()), "validate", "streamId is missing or empty");
    }

    @Test
    void captureTimesThatWouldPoisonTheWatermarkAreRejected() {
        assertRejected(decode(Modality.VIDEO, frame("s1", -1).build()), "validate", "captureTime -1 is negative");
        assertRejected(decode(Modality.VIDEO, frame("s1", NOW_MICROS + 10_000_001).build()), "validate", "past the future horizon of 10000 ms");
        assertThat(decode(Modality.VIDEO, frame("s1", NOW_MICROS + 10_000_000).build()).isAccepted()).isTrue();
    }

    @Test
    void oversizedRecordsAreRejectedAndTheDeadLetterKeepsOnlyThePrefix() {
        byte[] big = WireCodec.encode(frame("s1", T0_MICROS).setData(ByteBuffer.wrap(oversizedJpeg())).build());
        Decoded decoded = decode(Modality.VIDEO, big);

        assertRejected(decoded, "validate", "record of " + big.length + " bytes exceeds the size limit of 4096 bytes");
        assertThat(decoded.rejection().value()).hasSize(64).isEqualTo(Arrays.copyOf(big, 64));
        assertThat(decoded.rejection().valueSize()).isEqualTo(big.length);
        assertThat(decoded.rejection().valueTruncated()).isTrue();
    }

    @Test
    void nonFiniteSensorValuesAreRejected() {
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setValues(List.of(1f, Float.NaN, 0f, 0f, 0f, 0f)).build()),
                "validate", "values[1] is NaN, not a finite number within +-2000.0");
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setValues(List.of(0f, 0f, 0f, 0f, 0f, Float.POSITIVE_INFINITY)).build()),
                "validate", "values[5] is Infinity");
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setValues(List.of(0f, 0f, 3e38f, 0f, 0f, 0f)).build()),
                "validate", "values[2] is 3.0E38, not a finite number within +-2000.0");
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setValues(List.of()).build()), "validate",
                "values holds 0 numbers, but a reading of kind imu6 holds 6");
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setValues(List.of(1f, 2f, 3f)).build()), "validate",
                "values holds 3 numbers");
        assertRejected(decode(Modality.SENSOR, reading("s1", T0_MICROS).setKind("lidar").build()), "validate", "kind 'lidar' is not one the job knows");
    }

    @Test
    void aSensorBatchBecomesOneEventPerSampleAtItsOwnTime() {
        List<Decoded> samples = new InputDecoder(Modality.SENSOR, LIMITS, () -> NOW_MICROS)
                .decode("mm.sensor", 1, 42, "s1".getBytes(), WireCodec.encode(batch("s1", T0_MICROS).build()));
        assertThat(samples).hasSize(10).allMatch(Decoded::isAccepted);
        for (int i = 0; i < 10; i++) {
            ModalEvent event = samples.get(i).event();
            assertThat(event.captureMicros()).isEqualTo(T0_MICROS + i * 10_000L);
            assertThat(event.features()).containsOnly((float) i).hasSize(6);
            assertThat(event.sourceOffset()).isEqualTo(42);
        }
        // single readings from older producers share the topic
        assertThat(decode(Modality.SENSOR, reading("s1", T0_MICROS).build()).isAccepted()).isTrue();
    }

    @Test
    void aSensorBatchWithOneBadSampleIsRejectedWhole() {
        List<Float> values = new java.util.ArrayList<>(batch("s1", T0_MICROS).getValues());
        values.set(6 * 7 + 2, Float.NaN);
        List<Decoded> decoded = new InputDecoder(Modality.SENSOR, LIMITS, () -> NOW_MICROS)
                .decode("mm.sensor", 1, 42, "s1".getBytes(), WireCodec.encode(batch("s1", T0_MICROS).setValues(values).build()));
        assertThat(decoded).hasSize(1);
        assertRejected(decoded.get(0), "validate", "sample 7: values[44] is NaN");
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setValues(values.subList(0, 59)).build()), "validate",
                "values holds 59 numbers, but 10 samples of kind imu6 hold 60");
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setOffsetsMicros(List.of()).setValues(List.of()).build()), "validate",
                "offsetsMicros holds 0 samples");
        List<Integer> backwards = new java.util.ArrayList<>(batch("s1", T0_MICROS).getOffsetsMicros());
        backwards.set(4, 25_000);
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setOffsetsMicros(backwards).build()), "validate",
                "offsetsMicros[4] is 25000, not after offsetsMicros[3] = 30000");
        List<Integer> late = new java.util.ArrayList<>(batch("s1", T0_MICROS).getOffsetsMicros());
        late.set(0, 5);
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setOffsetsMicros(late).build()), "validate", "offsetsMicros[0] is 5");
        List<Integer> tooLong = new java.util.ArrayList<>(batch("s1", T0_MICROS).getOffsetsMicros());
        tooLong.set(9, 20_000_000);
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setOffsetsMicros(tooLong).build()), "validate", "spans 20000 ms, over the limit");
        // the last sample must not lie past the future horizon either
        List<Integer> ahead = new java.util.ArrayList<>(batch("s1", T0_MICROS).getOffsetsMicros());
        ahead.set(9, 9_999_999);
        assertRejected(decode(Modality.SENSOR, batch("s1", NOW_MICROS + 1_000_000).setOffsetsMicros(ahead).build()), "validate",
                "past the future horizon");
        assertRejected(decode(Modality.SENSOR, batch("s1", T0_MICROS).setKind("lidar").build()), "validate", "kind 'lidar' is not one the job knows");
        // another record type on the sensor topic
        assertRejected(decode(Modality.SENSOR, chunk("s1", T0_MICROS).build()), "decode", "neither a SensorReading nor a SensorBatch");
    }

    @Test
    void mediaGeometryThatMakesNoSenseIsRejected() {
        assertRejected(decode(Modality.VIDEO, frame("s1", T0_MICROS).setWidth(0).build()), "validate", "width 0 is outside 1..16384");
        assertRejected(decode(Modality.VIDEO, frame("s1", T0_MICROS).setHeight(-3).build()), "validate", "height -3 is outside");
        assertRejected(decode(Modality.VIDEO, frame("s1", T0_MICROS).setEncoding(ImageEncoding.RGB24).setWidth(3).setHeight(2)
                        .setData(ByteBuffer.wrap(new byte[12])).build()),
                "validate", "data holds 12 bytes, but RGB24 3x2 needs 18");
        assertRejected(decode(Modality.VIDEO, frame("s1", T0_MICROS).setData(ByteBuffer.wrap(new byte[16])).build()),
                "validate", "JPEG marker");
        assertRejected(decode(Modality.AUDIO, chunk("s1", T0_MICROS).setSampleRate(0).build()), "validate", "sampleRate 0 is outside");
        assertRejected(decode(Modality.AUDIO, chunk("s1", T0_MICROS).setChannels(0).build()), "validate", "channels 0 is outside");
        assertRejected(decode(Modality.AUDIO, chunk("s1", T0_MICROS).setData(ByteBuffer.wrap(new byte[3])).build()),
                "validate", "not a positive multiple of 2");
    }

    private static byte[] oversizedJpeg() {
        return Arrays.copyOf(SMALL_JPEG, 5000);
    }
}
