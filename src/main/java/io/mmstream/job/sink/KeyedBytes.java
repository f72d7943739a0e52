package io.mmstream.job.sink;

/** An encoded output record: Kafka key (the streamId, or the original key of a dead letter) and value. */
public record KeyedBytes(byte[] key, byte[] value) {}
