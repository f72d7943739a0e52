package io.mmstream.codec;

import static io.mmstream.codec.WireRecordsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.mmstream.align.Modality;
import io.mmstream.schema.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class HostileRecordsTest {

    private static final long NOW_MICROS = T0_MICROS + 60_000_000;
    /** The job's defaults. */
    static final ValidationLimits LIMITS = new ValidationLimits(4 << 20, 10_000_000, 64 << 10, 4096 * 4096, 64, 10_000_000, 4096);
    private static final int KAFKA_RECORD_LIMIT = 1 << 20;

    private static Decoded decode(Modality modality, byte[] key, byte[] value) {
        return new InputDecoder(modality, LIMITS, () -> NOW_MICROS).decode("mm." + modality.wireName(), 0, 7, key, value).get(0);
    }

    @Test
    void everyHostileRecordIsOneRejectionWithItsReasonAndADeadLetterThatFitsKafka() {
        for (HostileRecords.Hostile hostile : HostileRecords.all("cam-1", T0_MICROS, LIMITS.maxRecordBytes())) {
            Decoded decoded = decode(hostile.modality(), hostile.key(), hostile.value());
            assertThat(decoded.isAccepted()).as(hostile.name()).isFalse();
            assertThat(decoded.rejection().error()).as(hostile.name()).contains(hostile.expectedError())
                    .doesNotContain("OutOfMemoryError").hasSizeLessThanOrEqualTo(Rejection.MAX_ERROR_CHARS);
            byte[] deadLetter = WireCodec.encode(Records.deadLetter(decoded.rejection(), 0));
            int keyBytes = decoded.rejection().key() == null ? 0 : decoded.rejection().key().length;
            assertThat(keyBytes).as(hostile.name()).isLessThanOrEqualTo(Rejection.MAX_KEY_BYTES);
            assertThat(deadLetter.length + keyBytes).as(hostile.name()).isLessThan(KAFKA_RECORD_LIMIT);
            assertThat(decoded.rejection().valueSize()).isEqualTo(hostile.value().length);
        }
    }

    @Test
    void theSameRecordsWithSaneValuesAreAccepted() throws Exception {
        byte[] key = "cam-1".getBytes(StandardCharsets.UTF_8);
        assertThat(decode(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).build())).isAccepted()).isTrue();
        assertThat(decode(Modality.VIDEO, null, WireCodec.encode(frame("cam-1", T0_MICROS).build())).isAccepted())
                .as("no key is accepted").isTrue();
        assertThat(decode(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).setEncoding(ImageEncoding.PNG)
                .setWidth(64).setHeight(48).setData(ByteBuffer.wrap(png(64, 48))).build())).isAccepted()).isTrue();
        assertThat(decode(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).setEncoding(ImageEncoding.PNG)
                .setWidth(4000).setHeight(4000).setData(ByteBuffer.wrap(HostileRecords.blankPng(4000, 4000))).build())).isAccepted())
                .as("a large image under the cap, declared truthfully").isTrue();
        String unicode = "caméra-東京-1";
        assertThat(decode(Modality.SENSOR, unicode.getBytes(StandardCharsets.UTF_8), WireCodec.encode(reading(unicode, T0_MICROS).build()))
                .isAccepted()).as("printable non-ASCII ids").isTrue();
        assertThat(decode(Modality.SENSOR, key, WireCodec.encode(reading("cam-1", T0_MICROS).setValues(List.of(0f, 0f, 156.9f, 30f, -30f, 0f))
                .build())).isAccepted()).as("a 16 g reading").isTrue();
    }

    @Test
    void imageHeadersGiveTheSizeOfImageIoImages() throws Exception {
        assertThat(ImageHeader.png(ByteBuffer.wrap(png(64, 48)))).isEqualTo(new ImageHeader(64, 48, 1));
        assertThat(ImageHeader.jpeg(ByteBuffer.wrap(SMALL_JPEG))).isEqualTo(new ImageHeader(8, 8, 1));
    }

    @Test
    void framesFromRealEncodersPassWithTheSizeAndScansTheirHeadersState() throws Exception {
        byte[] key = "cam-1".getBytes(StandardCharsets.UTF_8);
        // libjpeg-turbo and libpng through OpenCV, the encoders cameras and gateways use
        byte[] baseline = openCvEncoded(".jpg", IMWRITE_JPEG_QUALITY, 90);
        byte[] progressive = openCvEncoded(".jpg", IMWRITE_JPEG_PROGRESSIVE, 1);
        byte[] png = openCvEncoded(".png", IMWRITE_PNG_COMPRESSION, 9);
        assertThat(ImageHeader.jpeg(ByteBuffer.wrap(baseline))).isEqualTo(new ImageHeader(160, 90, 1));
        ImageHeader progressiveHeader = ImageHeader.jpeg(ByteBuffer.wrap(progressive));
        assertThat(progressiveHeader.width()).isEqualTo(160);
        assertThat(progressiveHeader.scans()).as("a progressive JPEG's scans, under the default limit").isBetween(2, LIMITS.maxJpegScans());
        assertThat(ImageHeader.png(ByteBuffer.wrap(png))).isEqualTo(new ImageHeader(160, 90, 1));
        for (var encoded : List.of(Map.entry(ImageEncoding.JPEG, baseline), Map.entry(ImageEncoding.JPEG, progressive), Map.entry(ImageEncoding.PNG, png))) {
            assertThat(decode(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).setEncoding(encoded.getKey()).setWidth(160)
                    .setHeight(90).setData(ByteBuffer.wrap(encoded.getValue())).build())).isAccepted()).isTrue();
        }
    }

    private static byte[] openCvEncoded(String extension, int parameter, int value) {
        try (Mat image = new Mat(90, 160, CV_8UC3, new Scalar(40, 120, 200, 0)); BytePointer out = new BytePointer();
             BytePointer ext = new BytePointer(extension); IntPointer params = new IntPointer(parameter, value)) {
            assertThat(imencode(ext, image, out, params)).isTrue();
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    @Test
    void unprintableTextIsEscapedForTerminals() {
        assertThat(PrintableText.escaped("cam\u202Eevil\u001b[2J")).isEqualTo("cam\\u202eevil\\u001b[2J");
        assertThat(PrintableText.escaped("caméra 1")).isEqualTo("caméra 1");
        assertThat(RecordText.json(reading("cam\u200B1", T0_MICROS).build())).contains("\"streamId\": \"cam\\u200b1\"");
    }

    private static byte[] png(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
