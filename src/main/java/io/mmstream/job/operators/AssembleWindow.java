package io.mmstream.job.operators;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.WindowAligner;
import io.mmstream.codec.Records;
import io.mmstream.codec.WireCodec;
import io.mmstream.job.sink.KeyedBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Adapter: a fired window's events through {@link WindowAligner} into one encoded Prediction. */
public final class AssembleWindow extends ProcessWindowFunction<ModalEvent, KeyedBytes, String, TimeWindow> {

    private final long gridStepMicros;
    private transient WindowAligner aligner;
    private transient Counter windowsEmitted;

    public AssembleWindow(Duration gridStep) {
        this.gridStepMicros = gridStep.toNanos() / 1000;
    }

    @Override
    public void open(OpenContext openContext) {
        aligner = new WindowAligner(gridStepMicros);
        windowsEmitted = getRuntimeContext().getMetricGroup().counter("windowsEmitted");
    }

    @Override
    public void process(String streamId, Context context, Iterable<ModalEvent> events, Collector<KeyedBytes> out) {
        TimeWindow window = context.window();
        AlignedWindow aligned = aligner.align(streamId, window.getStart() * 1000, window.getEnd() * 1000, events);
        byte[] value = WireCodec.encode(Records.prediction(aligned, System.currentTimeMillis()));
        out.collect(new KeyedBytes(streamId.getBytes(StandardCharsets.UTF_8), value));
        windowsEmitted.inc();
    }
}
