package io.mmstream.codec;

import java.util.Arrays;

/**
 * An input record the job could not use, with where it came from and why. Key and error are cut here, so a dead
 * letter always fits a Kafka record whatever the input claimed: the sink cannot turn a record that is too large into
 * a dead letter of its own, it can only fail the job.
 *
 * @param key the original key, cut to {@link #MAX_KEY_BYTES}
 * @param value the original value, cut to the configured dead-letter limit
 * @param valueSize the size of the original value
 * @param error why, cut to {@link #MAX_ERROR_CHARS}
 * @param stage decode (not a readable record of the topic's type), validate (readable but wrong), encode or inference
 */
public record Rejection(String sourceTopic, int sourcePartition, long sourceOffset, byte[] key, byte[] value, int valueSize,
                        String error, String stage) {

    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_ERROR_CHARS = 2000;

    public Rejection {
        if (key != null && key.length > MAX_KEY_BYTES) {
            key = Arrays.copyOf(key, MAX_KEY_BYTES);
        }
        if (error != null && error.length() > MAX_ERROR_CHARS) {
            error = error.substring(0, MAX_ERROR_CHARS - 3) + "...";
        }
    }

    public boolean valueTruncated() {
        return value != null && value.length < valueSize;
    }
}
