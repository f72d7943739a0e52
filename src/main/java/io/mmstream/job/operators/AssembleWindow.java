package io.mmstream.job.operators;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.WindowAligner;
import io.mmstream.align.WindowTensors;
import io.mmstream.media.SensorResampler;
import java.io.Serializable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Adapter: a fired window's events through {@link WindowAligner} and {@link WindowTensors} to the heads. */
public final class AssembleWindow extends ProcessWindowFunction<ModalEvent, EmbeddedWindow, String, TimeWindow> {

    /**
     * What the heads expect of a window, from their model cards.
     *
     * @param imuMaxGapMicros an IMU step with no reading this close to its centre is absent
     */
    public record Layout(long gridStepMicros, int embedding, long imuStepMicros, int imuSteps, float[] imuMean, float[] imuStd,
                         long imuMaxGapMicros) implements Serializable {

        /** The same layout for windows of another length (the heads read only the length in their cards). */
        public Layout withWindow(long windowMicros) {
            return new Layout(gridStepMicros, embedding, imuStepMicros, (int) (windowMicros / imuStepMicros), imuMean, imuStd, imuMaxGapMicros);
        }
    }

    private final Layout layout;
    private transient WindowAligner aligner;
    private transient SensorResampler imu;
    private transient Counter windowsFired;

    public AssembleWindow(Layout layout) {
        this.layout = layout;
    }

    @Override
    public void open(OpenContext openContext) {
        aligner = new WindowAligner(layout.gridStepMicros());
        imu = new SensorResampler(layout.imuMean(), layout.imuStd(), layout.imuMaxGapMicros());
        windowsFired = getRuntimeContext().getMetricGroup().counter("windowsFired");
    }

    @Override
    public void process(String streamId, Context context, Iterable<ModalEvent> events, Collector<EmbeddedWindow> out) {
        TimeWindow window = context.window();
        AlignedWindow aligned = aligner.align(streamId, window.getStart() * 1000, window.getEnd() * 1000, events);
        out.collect(EmbeddedWindow.of(aligned, WindowTensors.of(aligned, layout.embedding(), imu, layout.imuStepMicros(), layout.imuSteps())));
        windowsFired.inc();
    }
}
