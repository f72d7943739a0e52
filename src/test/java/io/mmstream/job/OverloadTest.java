package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.Modality;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.align.WindowGeometry;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import io.mmstream.job.operators.RunHeads;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Windows too far behind the wall clock are shed by the declared policy, said so in their prediction; recent ones run. */
class OverloadTest {

    private static final JobConfig CONFIG = JobConfig.defaults(Map.of("overload.max-window-lag", "2s"));

    @Test
    void aWindowFurtherBehindThanTheMaximumLagIsShedAndSaysSoWhileARecentOneRuns() throws Exception {
        ModelSettings models = Pipeline.modelSettings(CONFIG);
        WindowGeometry layout = Pipeline.geometry(CONFIG, models);
        RunHeads heads = new RunHeads(models, new BatchPolicy(2, 60_000_000_000L), false, layout, Pipeline.overload(CONFIG));
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(heads, EmbeddedWindow::streamId, Types.STRING)) {
            harness.open();
            // after open, which loads the models and runs a warm-up batch
            long nowMicros = System.currentTimeMillis() * 1000;
            EmbeddedWindow old = window("old", nowMicros - 12_000_000, layout);
            EmbeddedWindow recent = window("recent", nowMicros, layout);
            harness.processElement(old, old.endMicros() / 1000);
            harness.processElement(recent, recent.endMicros() / 1000);

            List<Prediction> predictions = new ArrayList<>();
            for (var record : harness.extractOutputValues()) {
                predictions.add(WireCodec.decode(Prediction.class, record.value()));
            }
            assertThat(predictions).extracting(Prediction::getStreamId).containsExactly("old", "recent");
            for (TaskResult result : predictions.get(0).getResults()) {
                assertThat(result.getLabel()).isNull();
                assertThat(result.getReason()).startsWith("shed under overload: the window ended 1").endsWith("more than overload.max-window-lag (2000 ms)");
            }
            assertThat(predictions.get(0).getResults()).isNotEmpty();
            assertThat(predictions.get(1).getResults()).extracting(TaskResult::getReason).noneMatch(OverloadPolicy::shed);
            assertThat(predictions.get(1).getResults()).extracting(TaskResult::getLabel).anyMatch(label -> label != null);
        }
        assertThat(new OverloadPolicy(0).sheds(Long.MAX_VALUE)).as("0 never sheds: a replay catches up on purpose").isFalse();
    }

    /** A 2 s window ending at endMicros with every modality present, as the window operator emits it. */
    private static EmbeddedWindow window(String streamId, long endMicros, WindowGeometry layout) {
        long start = endMicros - 2_000_000;
        List<ModalityCoverage> coverage = new ArrayList<>();
        for (Modality modality : Modality.MEDIA) {
            coverage.add(new ModalityCoverage(modality, layout.steps(), layout.steps(), layout.steps(), start, endMicros - 1, 66_667, 0));
        }
        return new EmbeddedWindow(streamId, start, endMicros, layout.gridStepMicros(), coverage, WindowTensors.present(layout), Map.of(), List.of());
    }
}
