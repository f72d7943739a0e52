package io.mmstream.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmstream.codec.Times;
import io.mmstream.eval.LiveAccuracy;
import io.mmstream.inference.WindowHeads;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Label;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the page shows, built from the job's outputs: per stream its latest window and a short history, and the
 * system figures. Updates are collected per stream and handed out together, so many predictions between two
 * pushes become one message per stream. Bounded: at most maxStreams streams, each forgotten after ttl without a
 * prediction, the least recently updated first. Thread-safe: the Kafka feed writes, the push thread reads.
 */
public final class DashboardState {

    /** Windows of history kept per stream, for the timelines. */
    public static final int HISTORY = 60;
    public static final int DEFAULT_MAX_STREAMS = 10_000;
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    private static final int LATENCIES = 2000;
    private static final long THROUGHPUT_WINDOW_MILLIS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Stream(Deque<ObjectNode> history, long updatedMillis) {}

    /** In order of their last prediction, oldest first, so that both bounds evict from the head. */
    private final LinkedHashMap<String, Stream> streams = new LinkedHashMap<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private final int maxStreams;
    private final long ttlMillis;
    private final Deque<Long> latencies = new ArrayDeque<>();
    private final Deque<Long> arrivals = new ArrayDeque<>();
    private final LiveAccuracy accuracy;
    private final SeparatedAudio separated;
    private long predictions;
    private long late;
    private long deadLetters;
    private boolean labelsSeen;
    private String feedError;

    private volatile WindowSearch search;

    /** The search box's index, fed by the feed's embeddings topic; null leaves the box answering that search is off. */
    public void searchWith(WindowSearch search) {
        this.search = search;
    }

    public WindowSearch search() {
        return search;
    }

    public DashboardState(long framePeriodMicros) {
        this(framePeriodMicros, DEFAULT_MAX_STREAMS, DEFAULT_TTL);
    }

    public DashboardState(long framePeriodMicros, int maxStreams, Duration ttl) {
        this.accuracy = new LiveAccuracy(framePeriodMicros);
        this.maxStreams = maxStreams;
        this.ttlMillis = ttl.toMillis();
        this.separated = new SeparatedAudio(ttl);
    }

    public synchronized void add(Prediction prediction, long receivedMillis) {
        predictions++;
        ObjectNode window = window(prediction);
        String id = prediction.getStreamId();
        Stream stream = streams.remove(id);
        Deque<ObjectNode> history = stream == null ? new ArrayDeque<>() : stream.history();
        history.addLast(window);
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
        streams.put(id, new Stream(history, receivedMillis));
        changed.add(id);
        forget(receivedMillis);
        latencies.addLast(window.get("latencyMs").asLong());
        while (latencies.size() > LATENCIES) {
            latencies.removeFirst();
        }
        arrivals.addLast(receivedMillis);
        while (!arrivals.isEmpty() && arrivals.peekFirst() < receivedMillis - THROUGHPUT_WINDOW_MILLIS) {
            arrivals.removeFirst();
        }
        // scoring costs nothing until there is ground truth to score against
        if (labelsSeen) {
            accuracy.add(prediction);
        }
    }

    /** Streams over the cap, and streams silent for longer than the time to live, oldest first. */
    private void forget(long nowMillis) {
        for (var it = streams.entrySet().iterator(); it.hasNext(); ) {
            var eldest = it.next();
            if (streams.size() <= maxStreams && eldest.getValue().updatedMillis() >= nowMillis - ttlMillis) {
                return;
            }
            it.remove();
            changed.remove(eldest.getKey());
        }
    }

    /** Streams held now. */
    public synchronized int streams() {
        return streams.size();
    }

    /** The Kafka feed failed and is retrying: shown on the page until it reads again. */
    public synchronized void feedFailed(String error) {
        feedError = error;
    }

    public synchronized void feedOk() {
        feedError = null;
    }

    public synchronized void add(Label label) {
        labelsSeen = true;
        accuracy.add(label);
    }

    /** A second of a stream's separated audio, as the job published it. */
    public synchronized void add(AudioChunk chunk, long receivedMillis) {
        separated.add(chunk, receivedMillis);
    }

    /** The stream's last seconds of separated audio as a WAV file, or null when none is held. */
    public synchronized byte[] separatedWav(String streamId) {
        return separated.wav(streamId);
    }

    public synchronized void countLate() {
        late++;
    }

    public synchronized void countDeadLetter() {
        deadLetters++;
    }

    /**
     * Everything: every stream with its history, and the system figures. It leaves the changes alone: they belong to
     * the next update, which every other browser still needs.
     */
    public synchronized String snapshotJson(long nowMillis) {
        forget(nowMillis);
        ObjectNode root = JSON.createObjectNode();
        ObjectNode all = root.putObject("streams");
        streams.forEach((id, stream) -> {
            ArrayNode windows = all.putArray(id);
            stream.history().forEach(windows::add);
        });
        separated.putAll(root.putObject("separated"), nowMillis);
        root.set("system", system(nowMillis));
        return root.toString();
    }

    /**
     * The windows that arrived since the last call, per stream, the separated audio's figures of the streams heard
     * since, and the system figures; null when nothing changed.
     */
    public synchronized String updatesJson(long nowMillis) {
        if (changed.isEmpty() && !separated.hasChanges()) {
            return null;
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode updated = root.putObject("streams");
        for (String id : changed) {
            updated.set(id, streams.get(id).history().peekLast());
        }
        changed.clear();
        separated.putChanges(root.putObject("separated"));
        root.set("system", system(nowMillis));
        return root.toString();
    }

    private ObjectNode system(long nowMillis) {
        ObjectNode system = JSON.createObjectNode();
        system.put("streams", streams.size());
        system.put("predictions", predictions);
        long recent = arrivals.stream().filter(t -> t >= nowMillis - THROUGHPUT_WINDOW_MILLIS).count();
        system.put("perSecond", recent * 1000.0 / THROUGHPUT_WINDOW_MILLIS);
        system.put("late", late);
        system.put("deadLetters", deadLetters);
        system.put("feed", feedError == null ? "ok" : "failing, retrying: " + feedError);
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        system.put("latencyP50Ms", percentile(sorted, 0.5));
        system.put("latencyP99Ms", percentile(sorted, 0.99));
        if (labelsSeen) {
            ObjectNode scores = system.putObject("accuracy");
            for (LiveAccuracy.TaskScore score : accuracy.scores()) {
                ObjectNode task = scores.putObject(score.model());
                task.put("windows", score.scored());
                putNumber(task, "accuracy", score.accuracy());
            }
            ObjectNode sync = scores.putObject(WindowHeads.TASK_SYNC);
            sync.put("windows", accuracy.syncWindows());
            putNumber(sync, "meanErrorMs", accuracy.syncMeanAbsoluteErrorMillis());
        }
        return system;
    }

    private static ObjectNode window(Prediction prediction) {
        ObjectNode window = JSON.createObjectNode();
        window.put("start", Times.micros(prediction.getWindowStart()) / 1000);
        window.put("end", Times.micros(prediction.getWindowEnd()) / 1000);
        for (TaskResult result : prediction.getResults()) {
            if (result.getTask().equals(WindowHeads.TASK_SYNC)) {
                continue;
            }
            // each standing question's answer under its question, the other results under their names
            ObjectNode task = window.putObject(result.getQuestion() != null ? result.getQuestion() : result.getTask());
            task.put("model", result.getModelName());
            task.put("label", result.getLabel());
            task.put("reason", result.getReason());
            ArrayNode labels = task.putArray("labels");
            ArrayNode scores = task.putArray("scores");
            for (LabelScore score : result.getScores()) {
                labels.add(score.getLabel());
                scores.add(Math.round(score.getScore() * 1000) / 1000.0);
            }
            ArrayNode values = task.putArray("values");
            result.getValues().forEach(value -> values.add(Math.round(value * 1000) / 1000.0));
            if (!result.getEmbedding().isEmpty()) {
                task.put("dims", result.getEmbedding().size());
            }
        }
        ArrayNode texts = window.putArray("texts");
        prediction.getTexts().forEach(text -> texts.addObject().put("source", text.getSource()).put("text", text.getText()));
        if (prediction.getAvOffsetMicros() != null) {
            window.put("offsetMs", prediction.getAvOffsetMicros() / 1000);
            window.put("inSync", prediction.getInSyncProbability());
        }
        if (prediction.getStreamAvOffsetMicros() != null) {
            window.put("streamOffsetMs", prediction.getStreamAvOffsetMicros() / 1000);
            window.put("streamSyncAgreement", prediction.getStreamSyncAgreement());
            window.put("streamSyncWindows", prediction.getStreamSyncWindows());
        }
        ArrayNode present = window.putArray("present");
        prediction.getModalitiesPresent().forEach(present::add);
        ArrayNode coverage = window.putArray("coverage");
        for (ModalityCoverage c : prediction.getCoverage()) {
            coverage.addObject().put("modality", c.getModality()).put("steps", c.getPresentSteps()).put("of", c.getGridSteps());
        }
        // as the job measured it, so that replayed or recorded predictions show their real latency too
        window.put("latencyMs", prediction.getCaptureToEmitMillis());
        return window;
    }

    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(value * 1000) / 1000.0);
        }
    }

    private static long percentile(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }
}
