package io.mmstream.media;

import io.mmstream.schema.ImageEncoding;

/** Decodes an encoded frame and resizes it: the first step of every frame the job or the dataset sees. */
public interface ImageCodec {

    /**
     * @param width and height of the encoded frame (needed for RGB24, checked for the others)
     * @return the frame as outWidth x outHeight RGB, row-major, 3 bytes a pixel
     * @throws IllegalArgumentException when the data cannot be decoded
     */
    byte[] decodeResized(byte[] data, ImageEncoding encoding, int width, int height, int outWidth, int outHeight);

    /** The implementation the job uses: the faster of the two on our measurements (see README, media). */
    static ImageCodec standard() {
        return new Java2dImageCodec();
    }
}
