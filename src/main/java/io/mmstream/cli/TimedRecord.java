package io.mmstream.cli;

import io.mmstream.align.Modality;

/**
 * An encoded wire record read from a media file, with the time it is complete in microseconds since the epoch: its
 * capture time, or a sensor batch's last sample. It is sent when that time comes.
 */
public record TimedRecord(Modality modality, long captureMicros, byte[] value) {}
