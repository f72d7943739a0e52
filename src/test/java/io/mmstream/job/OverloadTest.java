package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.align.WindowGeometry;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.codec.WireRecordsFixtures;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import io.mmstream.job.operators.EncodeFrames;
import io.mmstream.job.operators.RunHeads;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The declared overload policy: frames that reach the encoder long after Kafka logged them are sampled, the steps
 * between repeating the last encoded frame; windows too far behind the wall clock are shed, said so in their
 * prediction; recent ones run.
 */
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

    @Test
    void framesLoggedLongAgoAreEncodedAtEveryEighthStepTheOthersRepeatTheLastEncodedOne() throws Exception {
        JobConfig config = JobConfig.defaults(Map.of("overload.frame-sampling-lag", "1s"));
        ModelSettings models = Pipeline.modelSettings(config);
        long step = Pipeline.geometry(config, models).gridStepMicros();
        long t0 = WireRecordsFixtures.T0_MICROS / (8 * step) * 8 * step;
        EncodeFrames encode = new EncodeFrames(models, new BatchPolicy(16, 60_000_000_000L), 1024, Pipeline.overload(config), step);
        try (var harness = new OneInputStreamOperatorTestHarness<>(encode)) {
            harness.open();
            harness.setProcessingTime(100_000);
            // 16 frames of one stream on the grid, each its own picture, logged by Kafka 4 s ago (the record timestamp):
            // past three times the lag
            for (int k = 0; k < 16; k++) {
                harness.processElement(frame(t0 + k * step, k), 96_000);
            }
            List<ModalEvent> late = harness.extractOutputValues();
            assertThat(late).extracting(ModalEvent::captureMicros).hasSize(16).isSorted();
            for (int k = 0; k < 16; k++) {
                assertThat(late.get(k).features()).as("step %d carries the frame of step %d", k, k / 8 * 8).isEqualTo(late.get(k / 8 * 8).features());
            }
            assertThat(late.get(8).features()).isNotEqualTo(late.get(0).features());

            // logged 0.5 s ago: every frame is encoded
            harness.getOutput().clear();
            for (int k = 16; k < 32; k++) {
                harness.processElement(frame(t0 + k * step, k), 99_500);
            }
            List<ModalEvent> recent = harness.extractOutputValues();
            assertThat(recent).hasSize(16);
            assertThat(recent.stream().map(event -> java.util.Arrays.toString(event.features())).distinct()).as("each its own embedding").hasSize(16);
        }
    }

    /** A frame whose picture is one grey level of 16. */
    private static ModalEvent frame(long captureMicros, int grey) {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, (grey * 16) * 0x010101);
            }
        }
        byte[] jpeg = io.mmstream.media.JpegEncoder.encode(image, 90);
        byte[] record = WireCodec.encode(WireRecordsFixtures.frame("cam", captureMicros).setWidth(32).setHeight(32)
                .setData(java.nio.ByteBuffer.wrap(jpeg)).build());
        return new ModalEvent("cam", Modality.VIDEO, captureMicros, 0, new float[0], record, "video", 0, 0);
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
