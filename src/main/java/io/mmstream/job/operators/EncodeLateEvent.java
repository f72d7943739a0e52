package io.mmstream.job.operators;

import io.mmstream.align.LateArrival;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.sink.KeyedBytes;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/** Counts an event that came after all its stream's windows that could hold it closed, and encodes it for the late topic. */
public final class EncodeLateEvent extends RichMapFunction<LateArrival, KeyedBytes> {

    private transient Counter lateEvents;

    @Override
    public void open(OpenContext openContext) {
        lateEvents = getRuntimeContext().getMetricGroup().counter("lateEvents");
    }

    @Override
    public KeyedBytes map(LateArrival late) {
        lateEvents.inc();
        return new KeyedBytes(late.event().streamId().getBytes(StandardCharsets.UTF_8),
                WireCodec.encode(Records.lateEvent(late, System.currentTimeMillis())));
    }
}
