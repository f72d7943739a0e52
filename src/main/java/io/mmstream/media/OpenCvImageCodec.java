package io.mmstream.media;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.mmstream.schema.ImageEncoding;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** JavaCV path: OpenCV imdecode and bilinear resize, native memory freed per call. */
public final class OpenCvImageCodec implements ImageCodec {

    @Override
    public byte[] decodeResized(byte[] data, ImageEncoding encoding, int width, int height, int outWidth, int outHeight) {
        try (BytePointer bytes = new BytePointer(data);
             Mat raw = encoding == ImageEncoding.RGB24 ? new Mat(height, width, CV_8UC3, bytes) : new Mat(1, data.length, CV_8UC1, bytes);
             Mat bgr = encoding == ImageEncoding.RGB24 ? rgbToBgr(raw) : imdecode(raw, IMREAD_COLOR);
             Mat resized = new Mat();
             Mat rgb = new Mat();
             Size size = new Size(outWidth, outHeight)) {
            if (bgr.empty()) {
                throw new IllegalArgumentException("not a readable " + encoding + " image (" + data.length + " bytes)");
            }
            resize(bgr, resized, size, 0, 0, INTER_LINEAR);
            cvtColor(resized, rgb, COLOR_BGR2RGB);
            byte[] out = new byte[outWidth * outHeight * 3];
            rgb.data().get(out);
            return out;
        }
    }

    private static Mat rgbToBgr(Mat rgb) {
        Mat bgr = new Mat();
        cvtColor(rgb, bgr, COLOR_BGR2RGB); // the same channel swap in both directions
        return bgr;
    }
}
