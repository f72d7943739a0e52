package io.mmstream.codec;

import io.mmstream.align.ModalEvent;

/** What the decoder made of one input record: exactly one of event and rejection is set. */
public record Decoded(ModalEvent event, Rejection rejection) {

    public static Decoded accepted(ModalEvent event) {
        return new Decoded(event, null);
    }

    public static Decoded rejected(Rejection rejection) {
        return new Decoded(null, rejection);
    }

    public boolean isAccepted() {
        return event != null;
    }
}
