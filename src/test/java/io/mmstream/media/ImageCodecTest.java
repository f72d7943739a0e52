package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmstream.schema.ImageEncoding;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageCodecTest {

    /** Left half red, right half blue: a resize must keep the halves. */
    private static BufferedImage halves(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, width / 2, height);
        g.setColor(Color.BLUE);
        g.fillRect(width / 2, 0, width - width / 2, height);
        g.dispose();
        return image;
    }

    private static byte[] png(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static int[] pixel(byte[] rgb, int width, int x, int y) {
        int i = 3 * (y * width + x);
        return new int[] {rgb[i] & 0xFF, rgb[i + 1] & 0xFF, rgb[i + 2] & 0xFF};
    }

    @Test
    void bothCodecsDecodeAndResizeToTheSameRgbPicture() throws Exception {
        BufferedImage source = halves(128, 96);
        byte[] jpeg = JpegEncoder.encode(source, 95);
        byte[] png = png(source);
        for (ImageCodec codec : new ImageCodec[] {new ImageIoCodec(), new OpenCvImageCodec()}) {
            for (var input : new Object[][] {{jpeg, ImageEncoding.JPEG}, {png, ImageEncoding.PNG}}) {
                byte[] rgb = codec.decodeResized((byte[]) input[0], (ImageEncoding) input[1], 128, 96, 64, 48);
                assertThat(rgb).hasSize(64 * 48 * 3);
                int[] left = pixel(rgb, 64, 10, 24);
                int[] right = pixel(rgb, 64, 54, 24);
                String what = codec.getClass().getSimpleName() + " " + input[1];
                assertThat(left[0]).as(what).isGreaterThan(230);
                assertThat(left[2]).as(what).isLessThan(25);
                assertThat(right[2]).as(what).isGreaterThan(230);
                assertThat(right[0]).as(what).isLessThan(25);
            }
        }
    }

    @Test
    void bothCodecsGiveTheModelTheSamePicture() {
        var scene = new io.mmstream.sim.SceneSimulator(io.mmstream.sim.SimulationSettings.defaults(1), 0).scene(0);
        byte[] jpeg = JpegEncoder.encode(scene.frameImage(3_000_000), 85);
        byte[] viaImageIo = new ImageIoCodec().decodeResized(jpeg, ImageEncoding.JPEG, 112, 112, 64, 64);
        byte[] viaOpenCv = new OpenCvImageCodec().decodeResized(jpeg, ImageEncoding.JPEG, 112, 112, 64, 64);
        double difference = 0;
        for (int i = 0; i < viaImageIo.length; i++) {
            difference += Math.abs((viaImageIo[i] & 0xFF) - (viaOpenCv[i] & 0xFF));
        }
        assertThat(difference / viaImageIo.length).as("mean absolute difference in levels").isLessThan(2.0);
    }

    @Test
    void rawRgbIsTakenAsItIs() {
        byte[] rgb = new byte[4 * 2 * 3];
        for (int p = 0; p < 8; p++) {
            rgb[3 * p] = (byte) 200;
            rgb[3 * p + 1] = 100;
            rgb[3 * p + 2] = 10;
        }
        for (ImageCodec codec : new ImageCodec[] {new ImageIoCodec(), new OpenCvImageCodec()}) {
            byte[] out = codec.decodeResized(rgb, ImageEncoding.RGB24, 4, 2, 4, 2);
            assertThat(pixel(out, 4, 1, 1)).as(codec.getClass().getSimpleName()).containsExactly(200, 100, 10);
        }
    }

    @Test
    void undecodableBytesAreAClearError() {
        for (ImageCodec codec : new ImageCodec[] {new ImageIoCodec(), new OpenCvImageCodec()}) {
            assertThatThrownBy(() -> codec.decodeResized(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}, ImageEncoding.JPEG, 2, 2, 2, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a readable JPEG image");
        }
    }

    @Test
    void pixelsAreLaidOutAsTheBindingSays() {
        byte[] rgb = {(byte) 255, 0, 0, 0, 0, (byte) 255};
        float[] half = {0.5f, 0.5f, 0.5f};
        float[] out = new float[6];
        new PixelLayout(false, false, 0, 1, half, half).write(rgb, 2, 1, out, 0);
        assertThat(out).as("NCHW, RGB").containsExactly(1f, -1f, -1f, -1f, -1f, 1f);
        new PixelLayout(true, true, -1, 1, new float[3], new float[] {1, 1, 1}).write(rgb, 2, 1, out, 0);
        assertThat(out).as("NHWC, BGR, [-1, 1]").containsExactly(-1f, -1f, 1f, 1f, -1f, -1f);
    }

    /** A frame larger than the chunks the layout writes through, in all four layouts, at an offset: value by value as defined. */
    @Test
    void everyLayoutWritesEachValueWhereItBelongs() {
        int width = 37;
        int height = 23;
        int plane = width * height;
        byte[] rgb = new byte[3 * plane];
        new java.util.Random(3).nextBytes(rgb);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        for (boolean channelsLast : new boolean[] {false, true}) {
            for (boolean bgr : new boolean[] {false, true}) {
                float[] out = new float[5 + 3 * plane];
                new PixelLayout(channelsLast, bgr, 0, 1, mean, std).write(rgb, width, height, out, 5);
                for (int p = 0; p < plane; p++) {
                    for (int c = 0; c < 3; c++) {
                        int value = rgb[3 * p + (bgr ? 2 - c : c)] & 0xFF;
                        float expected = (value / 255f - mean[c]) / std[c];
                        int at = 5 + (channelsLast ? 3 * p + c : c * plane + p);
                        assertThat(out[at]).as("channels last %s, bgr %s, pixel %d, channel %d", channelsLast, bgr, p, c).isCloseTo(expected, within(1e-5f));
                    }
                }
                assertThat(java.util.Arrays.copyOf(out, 5)).as("nothing before the offset").containsOnly(0f);
            }
        }
    }
}
