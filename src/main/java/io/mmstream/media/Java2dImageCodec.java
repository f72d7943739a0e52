package io.mmstream.media;

import io.mmstream.schema.ImageEncoding;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Pure-Java path: ImageIO decoding, Java2D bilinear resize. */
public final class Java2dImageCodec implements ImageCodec {

    static {
        ImageIO.setUseCache(false); // a disk cache per decode would dominate small frames
    }

    @Override
    public byte[] decodeResized(byte[] data, ImageEncoding encoding, int width, int height, int outWidth, int outHeight) {
        BufferedImage image = encoding == ImageEncoding.RGB24 ? fromRgb(data, width, height) : read(data, encoding);
        BufferedImage target = new BufferedImage(outWidth, outHeight, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, outWidth, outHeight, null);
        } finally {
            g.dispose();
        }
        byte[] bgr = ((DataBufferByte) target.getRaster().getDataBuffer()).getData();
        byte[] rgb = new byte[bgr.length];
        for (int i = 0; i < bgr.length; i += 3) {
            rgb[i] = bgr[i + 2];
            rgb[i + 1] = bgr[i + 1];
            rgb[i + 2] = bgr[i];
        }
        return rgb;
    }

    private static BufferedImage read(byte[] data, ImageEncoding encoding) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(data));
            if (image == null) {
                throw new IllegalArgumentException("not a readable " + encoding + " image (" + data.length + " bytes)");
            }
            return image;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a readable " + encoding + " image: " + e.getMessage(), e);
        }
    }

    private static BufferedImage fromRgb(byte[] data, int width, int height) {
        if (data.length != width * height * 3) {
            throw new IllegalArgumentException("RGB24 " + width + "x" + height + " needs " + width * height * 3 + " bytes, got " + data.length);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < data.length; i += 3) {
            bgr[i] = data[i + 2];
            bgr[i + 1] = data[i + 1];
            bgr[i + 2] = data[i];
        }
        return image;
    }
}
