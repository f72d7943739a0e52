package io.mmstream.align;

/**
 * An event that came after every window of its stream that could hold it had closed.
 *
 * @param lateByMicros how far its capture time lies before the earliest one its stream still accepted
 */
public record LateArrival(ModalEvent event, long lateByMicros) {}
