package io.mmstream.codec;

import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.SensorReading;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** One sample of a sensor record, whether it came alone (SensorReading) or in a SensorBatch: its time and values. */
public record SensorSample(long captureMicros, float[] values) {

    /** The samples a sensor record holds, in order (unchecked: for records our own tools wrote). */
    public static List<SensorSample> of(byte[] record) throws IOException {
        Object decoded = WireCodec.decodeAny(record);
        if (decoded instanceof SensorReading reading) {
            return List.of(new SensorSample(Times.micros(reading.getCaptureTime()), floats(reading.getValues(), 0, reading.getValues().size())));
        }
        if (!(decoded instanceof SensorBatch batch)) {
            throw new IOException("a " + decoded.getClass().getSimpleName() + " record is neither a SensorReading nor a SensorBatch");
        }
        long first = Times.micros(batch.getCaptureTime());
        int arity = batch.getValues().size() / batch.getOffsetsMicros().size();
        List<SensorSample> samples = new ArrayList<>(batch.getOffsetsMicros().size());
        for (int i = 0; i < batch.getOffsetsMicros().size(); i++) {
            samples.add(new SensorSample(first + batch.getOffsetsMicros().get(i), floats(batch.getValues(), i * arity, arity)));
        }
        return samples;
    }

    private static float[] floats(List<Float> values, int from, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = values.get(from + i);
        }
        return out;
    }
}
