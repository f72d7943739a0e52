package io.mmstream.sim;

import io.mmstream.align.Modality;

/**
 * One encoded record as a device sends it.
 *
 * @param captureMicros the timestamp in the record, by the device's clock
 * @param deliveryMicros when it reaches Kafka: capture plus latency, jitter, reordering and bursts
 */
public record SimRecord(Modality modality, String streamId, long captureMicros, long deliveryMicros, byte[] value) {}
