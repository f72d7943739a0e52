package io.mmstream.codec;

/**
 * An input record the job could not use, with where it came from and why.
 *
 * @param value the original value, cut to the configured dead-letter limit
 * @param valueSize the size of the original value
 * @param stage decode (not a readable record of the topic's type) or validate (readable but wrong)
 */
public record Rejection(String sourceTopic, int sourcePartition, long sourceOffset, byte[] key, byte[] value, int valueSize,
                        String error, String stage) {

    public boolean valueTruncated() {
        return value != null && value.length < valueSize;
    }
}
