package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.Label;
import io.mmstream.schema.WindowTruth;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.StreamScene;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Publishes simulated streams to Kafka in delivery order: in real time (each record when the wall clock reaches its
 * delivery time) or as fast as possible. Labels go to the labels topic once each action is complete, and each
 * window's truth (captions, answers) to the truth topic once the window is complete.
 */
final class SimulationPublisher implements Runnable {

    /** Where the per-window truth goes, for windows of the job's size and slide. */
    record TruthWindows(String topic, long windowMicros, long slideMicros) {}

    private static final long STEP_MICROS = 100_000;

    private final SceneSimulator simulator;
    private final Properties kafka;
    private final Map<Modality, String> topics;
    private final String labelsTopic;
    private final TruthWindows truth;
    private final boolean realTime;
    private final long endMicros;
    private final int corruptEvery;
    private final AtomicBoolean stop;
    private final PrintStream progress;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();
    final AtomicLong labels = new AtomicLong();
    final AtomicLong truths = new AtomicLong();

    /**
     * @param endMicros absolute end of the simulated time, or Long.MAX_VALUE for endless
     * @param progress where a progress bar goes when bounded, or null
     */
    SimulationPublisher(SceneSimulator simulator, Properties kafka, Map<Modality, String> topics, String labelsTopic, TruthWindows truth,
                        boolean realTime, long endMicros, int corruptEvery, AtomicBoolean stop, PrintStream progress) {
        this.simulator = simulator;
        this.kafka = kafka;
        this.topics = topics;
        this.labelsTopic = labelsTopic;
        this.truth = truth;
        this.realTime = realTime;
        this.endMicros = endMicros;
        this.corruptEvery = corruptEvery;
        this.stop = stop;
        this.progress = progress;
    }

    @Override
    public void run() {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ProducerConfig.LINGER_MS_CONFIG, realTime ? "2" : "20");
        long start = simulator.scenes().get(0).epochMicros();
        PriorityQueue<SimRecord> pending = new PriorityQueue<>((a, b) -> Long.compare(a.deliveryMicros(), b.deliveryMicros()));
        try (CheckedProducer producer = new CheckedProducer(properties)) {
            long generatedUntil = start;
            long lastProgress = 0;
            while (!stop.get() && (generatedUntil < endMicros || !pending.isEmpty())) {
                long now = System.currentTimeMillis() * 1000;
                // generate a little ahead of the wall clock in real time; in fast mode, one step at a time
                if (generatedUntil < endMicros && (!realTime || generatedUntil < now + 2 * STEP_MICROS)) {
                    long next = Math.min(endMicros, generatedUntil + STEP_MICROS);
                    pending.addAll(simulator.records(generatedUntil, next));
                    for (StreamScene scene : simulator.scenes()) {
                        for (Label label : scene.completedLabels(generatedUntil, next)) {
                            producer.send(labelsTopic, key(label.getStreamId()), WireCodec.encode(label));
                            labels.incrementAndGet();
                        }
                    }
                    for (WindowTruth window : simulator.completedWindows(generatedUntil, next, truth.windowMicros(), truth.slideMicros())) {
                        producer.send(truth.topic(), key(window.getStreamId()), WireCodec.encode(window));
                        truths.incrementAndGet();
                    }
                    generatedUntil = next;
                }
                // a record can be released once nothing not yet generated could be delivered before it
                long releaseUntil = realTime ? Math.min(now, generatedUntil) : (generatedUntil >= endMicros ? Long.MAX_VALUE : generatedUntil);
                while (!pending.isEmpty() && pending.peek().deliveryMicros() <= releaseUntil) {
                    send(producer, pending.poll());
                }
                if (realTime && generatedUntil >= now + 2 * STEP_MICROS) {
                    long waitMillis = pending.isEmpty() ? 10 : Math.max(1, (pending.peek().deliveryMicros() - now) / 1000);
                    sleep(Math.min(waitMillis, 20));
                }
                if (progress != null && endMicros != Long.MAX_VALUE && System.nanoTime() - lastProgress > 200_000_000) {
                    lastProgress = System.nanoTime();
                    printProgress(generatedUntil - start, endMicros - start);
                }
            }
            producer.flush();
            if (progress != null && endMicros != Long.MAX_VALUE) {
                printProgress(endMicros - start, endMicros - start);
                progress.println();
            }
        }
    }

    private void send(CheckedProducer producer, SimRecord record) {
        byte[] value = record.value();
        if (corruptEvery > 0 && sent.get() % corruptEvery == corruptEvery - 1) {
            value = corrupt(value, corrupted.incrementAndGet());
        }
        producer.send(topics.get(record.modality()), key(record.streamId()), value);
        sent.incrementAndGet();
    }

    /** Alternates between an unknown schema fingerprint and a truncated body. */
    static byte[] corrupt(byte[] value, long n) {
        if (n % 2 == 0) {
            byte[] copy = value.clone();
            copy[2] ^= 0x5A;
            return copy;
        }
        return java.util.Arrays.copyOf(value, Math.min(value.length, 14));
    }

    private void printProgress(long doneMicros, long totalMicros) {
        int width = 30;
        double share = Math.min(1, (double) doneMicros / totalMicros);
        int filled = (int) Math.round(share * width);
        progress.printf("\r[%s%s] %3.0f%%  %.1f / %.1f s simulated, %d records, %d labels", "#".repeat(filled), " ".repeat(width - filled),
                share * 100, doneMicros / 1e6, totalMicros / 1e6, sent.get(), labels.get());
        progress.flush();
    }

    private static byte[] key(String streamId) {
        return streamId.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis); // pacing to the wall clock is the point here, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
