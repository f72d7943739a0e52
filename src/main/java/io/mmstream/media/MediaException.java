package io.mmstream.media;

/** A media file or device that cannot be used; the message names it. */
public final class MediaException extends RuntimeException {
    public MediaException(String message) {
        super(message);
    }
}
