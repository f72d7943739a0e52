package io.mmstream.codec;

/** A record that decoded but makes no sense; the message names the field and its value. */
public final class InvalidRecordException extends Exception {
    public InvalidRecordException(String message) {
        super(message);
    }
}
