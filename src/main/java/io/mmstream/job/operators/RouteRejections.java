package io.mmstream.job.operators;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.sink.KeyedBytes;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Valid events go on; rejected records become dead letters on a side output. Both are counted. */
public final class RouteRejections extends ProcessFunction<Decoded, ModalEvent> {

    private transient Map<Modality, Counter> eventsIn;
    private transient Counter deadLetters;

    @Override
    public void open(OpenContext openContext) {
        eventsIn = new EnumMap<>(Modality.class);
        for (Modality modality : Modality.values()) {
            eventsIn.put(modality, getRuntimeContext().getMetricGroup().addGroup("modality", modality.wireName()).counter("eventsIn"));
        }
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(Decoded decoded, Context context, Collector<ModalEvent> out) {
        if (decoded.isAccepted()) {
            eventsIn.get(decoded.event().modality()).inc();
            out.collect(decoded.event());
        } else {
            deadLetters.inc();
            byte[] value = WireCodec.encode(Records.deadLetter(decoded.rejection(), System.currentTimeMillis()));
            context.output(SideOutputs.DEAD_LETTERS, new KeyedBytes(decoded.rejection().key(), value));
        }
    }
}
