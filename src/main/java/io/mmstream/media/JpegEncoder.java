package io.mmstream.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** JPEG encoding at a chosen quality, one writer per thread (ImageIO writers are not thread-safe). */
public final class JpegEncoder {

    private static final ThreadLocal<ImageWriter> WRITER = ThreadLocal.withInitial(() -> ImageIO.getImageWritersByFormatName("jpg").next());

    private JpegEncoder() {}

    /** @param quality 1 to 100 */
    public static byte[] encode(BufferedImage image, int quality) {
        ImageWriter writer = WRITER.get();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality / 100f);
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.reset();
        }
        return out.toByteArray();
    }
}
