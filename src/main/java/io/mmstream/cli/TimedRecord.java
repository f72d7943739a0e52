package io.mmstream.cli;

import io.mmstream.align.Modality;

/** An encoded wire record read from a media file, with its capture time in microseconds since the epoch. */
public record TimedRecord(Modality modality, long captureMicros, byte[] value) {}
