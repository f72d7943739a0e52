package io.mmstream.codec;

import java.io.Serializable;

/**
 * @param maxRecordBytes largest accepted record value
 * @param futureHorizonMicros how far ahead of the wall clock a capture time may be
 * @param deadLetterValueBytes how much of a rejected value the dead letter keeps
 */
public record ValidationLimits(int maxRecordBytes, long futureHorizonMicros, int deadLetterValueBytes) implements Serializable {}
