package io.mmstream.job.operators;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.Modality;
import io.mmstream.align.WindowGeometry;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import io.mmstream.inference.Predictions;
import io.mmstream.inference.StepModels;
import io.mmstream.inference.StreamSync;
import io.mmstream.inference.WindowHeads;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.WindowText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adapter: fired windows, batched across windows and streams, through {@link WindowHeads}; one encoded Prediction
 * per window, with its stream's sync estimate over its recent windows ({@link StreamSync}, in keyed state). A head that fails still leaves its window's prediction (that head's label null, with the reason),
 * plus a dead letter saying what failed, and a count.
 */
public final class RunHeads extends BatchingOperator<EmbeddedWindow, KeyedBytes> {

    private final ModelSettings models;
    private final WindowGeometry geometry;
    private final int warmUpBatch;
    private final OverloadPolicy overload;
    private final boolean embeddings;
    private transient ModelSettings.Leased<WindowHeads> heads;
    private transient List<ModelCard> frameModels;
    private transient List<ModelCard> audioStepModels;
    private transient List<ModelCard> textModels;
    private transient Counter predictions;
    private transient Counter failures;
    private transient Counter windowsShed;
    private transient Histogram captureToEmit;
    private transient Histogram windowCloseToEmit;
    /** Per stream: the offsets of its recent decisive windows, oldest first ({@link StreamSync}). */
    private transient ValueState<long[]> recentSync;

    /**
     * @param geometry the windows' shapes, for the warm-up batch run at open
     * @param overload which windows are shed instead of run
     */
    public RunHeads(ModelSettings models, BatchPolicy policy, boolean embeddings, WindowGeometry geometry, OverloadPolicy overload) {
        super(policy);
        this.models = models;
        this.embeddings = embeddings;
        this.geometry = geometry;
        this.warmUpBatch = policy.maxSize();
        this.overload = overload;
    }

    @Override
    public void open() throws Exception {
        super.open();
        heads = models.heads();
        // one full batch through every head before the first window: the first windows do not pay for ONNX Runtime's
        // first runs and the JIT (a window's latency counts from its close)
        heads.value().run(java.util.Collections.nCopies(warmUpBatch, WindowTensors.present(geometry)));
        frameModels = models.stepModelCards(ModelCard.Stage.FRAME);
        audioStepModels = models.stepModelCards(ModelCard.Stage.AUDIO_STEP);
        textModels = models.stepModelCards(ModelCard.Stage.TEXT);
        predictions = getMetricGroup().counter("predictions");
        windowsShed = getMetricGroup().counter("windowsShed");
        failures = getMetricGroup().counter("inferenceFailures");
        captureToEmit = getMetricGroup().histogram("captureToEmitMillis", new DescriptiveStatisticsHistogram(1000));
        windowCloseToEmit = getMetricGroup().histogram("windowCloseToEmitMillis", new DescriptiveStatisticsHistogram(1000));
        recentSync = getPartitionedState(new ValueStateDescriptor<>("recent-sync", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    protected void process(List<StreamRecord<EmbeddedWindow>> batch) throws IOException {
        long now = System.currentTimeMillis();
        List<WindowHeads.WindowResults> results = new ArrayList<>(java.util.Collections.nCopies(batch.size(), null));
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            long lagMillis = now - Math.floorDiv(batch.get(i).getValue().endMicros(), 1000);
            if (overload.sheds(lagMillis)) {
                results.set(i, heads.value().shed(overload.reason(lagMillis)));
                windowsShed.inc();
            } else {
                kept.add(i);
            }
        }
        List<WindowHeads.WindowResults> run = heads.value().run(kept.stream().map(i -> batch.get(i).getValue().tensors()).toList(),
                (k, offsetMicros, probabilities) -> streamOffset(batch.get(kept.get(k)).getValue(), offsetMicros, probabilities));
        for (int k = 0; k < kept.size(); k++) {
            results.set(kept.get(k), run.get(k));
        }
        for (int i = 0; i < batch.size(); i++) {
            EmbeddedWindow window = batch.get(i).getValue();
            WindowHeads.WindowResults result = withStepResults(results.get(i), window);
            byte[] key = window.streamId().getBytes(StandardCharsets.UTF_8);
            // a shed window leaves its stream's estimate as it was
            StreamSync.Estimate streamOffset = kept.contains(i) ? result.streamOffset() : streamOffset(window, null, new float[0]);
            var prediction = Predictions.of(window, result, streamOffset, texts(window), embeddings, now);
            emit(new KeyedBytes(key, WireCodec.encode(prediction)), batch.get(i));
            for (WindowHeads.TaskOutcome outcome : results.get(i).tasks()) {
                if (outcome.embedding().length > 0) {
                    output.collect(SideOutputs.EMBEDDINGS, new StreamRecord<>(new KeyedBytes(key, WireCodec.encode(Predictions.embedding(window, outcome))),
                            batch.get(i).getTimestamp()));
                }
            }
            predictions.inc();
            captureToEmit.update(prediction.getCaptureToEmitMillis());
            if (prediction.getWindowCloseToEmitMillis() != null) {
                windowCloseToEmit.update(prediction.getWindowCloseToEmitMillis());
            }
            for (String failure : result.failures()) {
                failures.inc();
                output.collect(SideOutputs.DEAD_LETTERS, new StreamRecord<>(DeadLetters.ofWindow(window.streamId(), window.startMicros(),
                        window.endMicros(), failure)));
            }
        }
    }

    /**
     * The stream's sync estimate after this window, from the stream's recent decisive offsets in keyed state (the
     * operator runs on the windows' own keyed partitioning, so each stream's windows come here in order).
     */
    private StreamSync.Estimate streamOffset(EmbeddedWindow window, Long offsetMicros, float[] probabilities) {
        setCurrentKey(window.streamId());
        try {
            long[] stored = recentSync.value();
            long[] recent = stored == null ? new long[0] : stored;
            long[] next = StreamSync.next(recent, offsetMicros, probabilities);
            if (next != recent) {
                recentSync.update(next);
            }
            return StreamSync.estimate(next, window.stepMicros());
        } catch (IOException e) {
            throw new UncheckedIOException("the stream's sync state could not be read or written", e);
        }
    }

    /** The heads' results, then one per model run from its card, aggregated over the window's frames, audio steps or texts. */
    private WindowHeads.WindowResults withStepResults(WindowHeads.WindowResults heads, EmbeddedWindow window) {
        if (frameModels.isEmpty() && audioStepModels.isEmpty() && textModels.isEmpty()) {
            return heads;
        }
        List<WindowHeads.TaskOutcome> tasks = new ArrayList<>(heads.tasks());
        tasks.addAll(StepModels.aggregate(frameModels, window.stepResults().getOrDefault(Modality.VIDEO, List.of())));
        tasks.addAll(StepModels.aggregate(audioStepModels, window.stepResults().getOrDefault(Modality.AUDIO, List.of())));
        tasks.addAll(StepModels.aggregate(textModels, window.stepResults().getOrDefault(Modality.TEXT, List.of())));
        return new WindowHeads.WindowResults(tasks, heads.avOffsetMicros(), heads.inSyncProbability(), heads.offsetProbabilities(), heads.streamOffset(),
                heads.failures());
    }

    /** The window's text events as the prediction carries them (validated at the source, so they decode). */
    private static List<WindowText> texts(EmbeddedWindow window) {
        List<WindowText> texts = new ArrayList<>(window.texts().size());
        for (byte[] record : window.texts()) {
            try {
                TextEvent event = WireCodec.decode(TextEvent.class, record);
                texts.add(new WindowText(event.getCaptureTime(), event.getSource().name().toLowerCase(Locale.ROOT), event.getText(), event.getLanguage()));
            } catch (IOException e) {
                throw new UncheckedIOException("a text event that passed the input check no longer decodes", e);
            }
        }
        return texts;
    }

    @Override
    public void close() throws Exception {
        if (heads != null) {
            heads.close();
        }
        super.close();
    }
}
