package io.mmstream.codec;

import java.io.Serializable;

/**
 * @param maxRecordBytes largest accepted record value
 * @param futureHorizonMicros how far ahead of the wall clock a capture time may be
 * @param deadLetterValueBytes how much of a rejected value the dead letter keeps
 * @param maxImagePixels largest width x height an encoded frame may declare, checked before decoding
 * @param maxJpegScans most scans a JPEG may have (each is a pass over the whole image)
 * @param maxAudioChunkMicros longest audio chunk accepted
 * @param maxTextChars longest text event accepted, in characters (Unicode code points)
 */
public record ValidationLimits(int maxRecordBytes, long futureHorizonMicros, int deadLetterValueBytes, long maxImagePixels,
                               int maxJpegScans, long maxAudioChunkMicros, int maxTextChars) implements Serializable {}
