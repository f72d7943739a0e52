package io.mmstream.inference;

/** A model card that is unreadable or disagrees with its model; the message names the file, the field and the value. */
public final class ModelCardException extends RuntimeException {
    public ModelCardException(String message) {
        super(message);
    }

    public ModelCardException(String message, Throwable cause) {
        super(message, cause);
    }
}
