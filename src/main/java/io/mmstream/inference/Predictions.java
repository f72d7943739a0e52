package io.mmstream.inference;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.ModalityCoverage;
import io.mmstream.codec.Times;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import io.mmstream.schema.WindowText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds a window's Prediction record from what the heads and the models run from their card concluded. */
public final class Predictions {

    /** The reason an embedding result of a prediction carries no vector (the embeddings topic has it). */
    public static final String EMBEDDING_NOT_EMITTED = "an embedding, not emitted: predictions.embeddings is false";

    private Predictions() {}

    /** Whether a prediction's result is an embedding (carried or not), rather than a label. */
    public static boolean isEmbedding(io.mmstream.schema.TaskResult result) {
        return !result.getEmbedding().isEmpty() || EMBEDDING_NOT_EMITTED.equals(result.getReason());
    }

    /** A window head's embedding as its own record, for the embeddings topic. */
    public static io.mmstream.schema.WindowEmbedding embedding(EmbeddedWindow window, WindowHeads.TaskOutcome outcome) {
        List<Float> values = new ArrayList<>(outcome.embedding().length);
        for (float v : outcome.embedding()) {
            values.add(v);
        }
        return io.mmstream.schema.WindowEmbedding.newBuilder().setStreamId(window.streamId())
                .setWindowStart(io.mmstream.codec.Times.ofMicros(window.startMicros())).setWindowEnd(io.mmstream.codec.Times.ofMicros(window.endMicros()))
                .setResultName(outcome.task()).setModelName(outcome.modelName()).setModelVersion(outcome.modelVersion()).setEmbedding(values).build();
    }

    /**
     * A window's prediction: the heads' results, the coverage of every modality, and the latency fields.
     *
     * @param streamSync the stream's sync estimate over its recent windows, this one included; null while it has none
     * @param texts the window's text events, oldest first
     * @param embeddings whether results that are embeddings carry them (predictions.embeddings)
     */
    public static Prediction of(EmbeddedWindow window, WindowHeads.WindowResults results, StreamSync.Estimate streamSync, List<WindowText> texts,
                                boolean embeddings, long emitMillis) {
        List<io.mmstream.schema.ModalityCoverage> coverage = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (ModalityCoverage c : window.coverage()) {
            coverage.add(io.mmstream.schema.ModalityCoverage.newBuilder()
                    .setModality(c.modality().wireName())
                    .setEvents(c.events())
                    .setPresentSteps(c.presentSteps())
                    .setGridSteps(c.gridSteps())
                    .setFirstCapture(c.present() ? Times.ofMicros(c.firstCaptureMicros()) : null)
                    .setLastCapture(c.present() ? Times.ofMicros(c.lastCaptureMicros()) : null)
                    .setLongestGapMicros(c.longestGapMicros())
                    .setJitterMicros(c.jitterMicros())
                    .build());
            if (c.present()) {
                present.add(c.modality().wireName());
            }
        }
        List<TaskResult> tasks = new ArrayList<>();
        for (WindowHeads.TaskOutcome outcome : results.tasks()) {
            List<LabelScore> scores = new ArrayList<>(outcome.labels().size());
            for (int i = 0; i < outcome.labels().size(); i++) {
                scores.add(new LabelScore(outcome.labels().get(i), outcome.scores()[i]));
            }
            // a result without labels carries its numbers as values
            List<Float> values = new ArrayList<>();
            for (int i = 0; outcome.labels().isEmpty() && i < outcome.scores().length; i++) {
                values.add(outcome.scores()[i]);
            }
            List<Float> embedding = new ArrayList<>();
            for (int i = 0; embeddings && i < outcome.embedding().length; i++) {
                embedding.add(outcome.embedding()[i]);
            }
            String reason = outcome.embedding().length > 0 && !embeddings ? EMBEDDING_NOT_EMITTED : outcome.reason();
            tasks.add(TaskResult.newBuilder().setTask(outcome.task()).setLabel(outcome.label()).setScores(scores).setValues(values)
                    .setEmbedding(embedding).setModelName(outcome.modelName()).setModelVersion(outcome.modelVersion()).setReason(reason)
                    .setQuestion(outcome.question()).build());
        }
        long lastCaptureMillis = Math.floorDiv(window.lastCaptureMicros(), 1000);
        return Prediction.newBuilder()
                .setStreamId(window.streamId())
                .setWindowStart(Times.ofMicros(window.startMicros()))
                .setWindowEnd(Times.ofMicros(window.endMicros()))
                .setGridStepMicros(window.stepMicros())
                .setResults(tasks)
                .setCoverage(coverage)
                .setModalitiesPresent(present)
                .setEmitTime(Instant.ofEpochMilli(emitMillis))
                .setCaptureToEmitMillis(emitMillis - lastCaptureMillis)
                .setWindowCloseToEmitMillis(emitMillis - Math.floorDiv(window.endMicros(), 1000))
                .setAvOffsetMicros(results.avOffsetMicros())
                .setInSyncProbability(results.inSyncProbability())
                .setTexts(texts)
                .setStreamAvOffsetMicros(streamSync == null ? null : streamSync.offsetMicros())
                .setStreamSyncAgreement(streamSync == null ? null : streamSync.agreement())
                .setStreamSyncWindows(streamSync == null ? 0 : streamSync.windows())
                .build();
    }
}
