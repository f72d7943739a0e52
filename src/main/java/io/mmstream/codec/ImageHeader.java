package io.mmstream.codec;

import java.nio.ByteBuffer;

/**
 * What an encoded image says of itself before anyone decodes it: its size and, for JPEG, how many scans it has.
 * A decoder allocates from the header, not from the record's size, so the header is checked first: a 2 KB PNG can
 * declare 4000x4000 pixels, and a progressive JPEG with thousands of scans costs a pass over the image each.
 *
 * @param scans start-of-scan markers (JPEG; 1 for PNG)
 */
public record ImageHeader(int width, int height, int scans) {

    /** Width and height from the PNG IHDR chunk, which the format requires first. */
    public static ImageHeader png(ByteBuffer buffer) throws InvalidRecordException {
        ByteBuffer data = buffer.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        int at = data.position();
        if (data.remaining() < 33 || data.getInt(at + 8) != 13 || data.getInt(at + 12) != 0x49484452) {
            throw new InvalidRecordException("PNG data does not begin with an IHDR chunk");
        }
        return new ImageHeader(data.getInt(at + 16), data.getInt(at + 20), 1);
    }

    /**
     * Size from the first start-of-frame marker, and the count of start-of-scan markers in the whole stream. Inside
     * entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so counting FF DA is exact.
     */
    public static ImageHeader jpeg(ByteBuffer data) throws InvalidRecordException {
        int at = data.position() + 2;
        int end = data.limit();
        int width = -1;
        int height = -1;
        int scans = 0;
        // marker segments up to the first scan
        while (at + 4 <= end && scans == 0) {
            if ((data.get(at) & 0xFF) != 0xFF) {
                throw new InvalidRecordException("JPEG data holds no marker at byte " + (at - data.position()));
            }
            int marker = data.get(at + 1) & 0xFF;
            if (marker == 0xFF) {
                at++; // fill byte
                continue;
            }
            int length = ((data.get(at + 2) & 0xFF) << 8) | (data.get(at + 3) & 0xFF);
            if (length < 2 || at + 2 + length > end) {
                throw new InvalidRecordException("JPEG marker FF" + Integer.toHexString(marker).toUpperCase() + " claims " + length
                        + " bytes past the end of the data");
            }
            if (isStartOfFrame(marker) && width < 0) {
                if (length < 7) {
                    throw new InvalidRecordException("JPEG start-of-frame segment is too short");
                }
                height = ((data.get(at + 5) & 0xFF) << 8) | (data.get(at + 6) & 0xFF);
                width = ((data.get(at + 7) & 0xFF) << 8) | (data.get(at + 8) & 0xFF);
            } else if (marker == 0xDA) {
                scans = 1;
            }
            at += 2 + length;
        }
        if (width < 0) {
            throw new InvalidRecordException("JPEG data has no start-of-frame marker before its first scan");
        }
        for (; at + 1 < end; at++) {
            if (data.get(at) == (byte) 0xFF && data.get(at + 1) == (byte) 0xDA) {
                scans++;
            }
        }
        return new ImageHeader(width, height, scans);
    }

    private static boolean isStartOfFrame(int marker) {
        // C4 (Huffman tables), C8 (reserved) and CC (arithmetic conditioning) share the range but are not frames
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }
}
