package io.mmstream.benchmark;

import io.mmstream.codec.Times;
import io.mmstream.config.JobConfig;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.sim.SimRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Latency with the streams in real time: simulated records sent when the wall clock reaches their delivery time
 * (capture time plus the simulated network), predictions read committed, as a downstream consumer sees them.
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Capture-to-prediction and window-close-to-prediction latency, streams in real time, at-least-once and exactly-once.")
final class LatencyBench implements Callable<Integer> {

    /** Out-of-orderness of the latency runs: the simulator's realistic delivery disorders records by at most 206 ms. */
    static final Duration OUT_OF_ORDERNESS = Duration.ofMillis(250);

    @Option(names = "--streams", defaultValue = "32", description = "Streams in real time (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of each run (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--lagging-devices", defaultValue = "0",
            description = "This many more streams reach Kafka --lag later than the others; the figures are the others' (default ${DEFAULT-VALUE}).")
    int laggingDevices;

    @Option(names = "--lag", defaultValue = "10s", description = "How far the lagging devices lag (default ${DEFAULT-VALUE}).")
    String lag;

    @Option(names = "--set", description = "A job configuration key=value for the runs (repeatable), e.g. --set overload.max-window-lag=2s.")
    Map<String, String> settings = new java.util.HashMap<>();

    @Option(names = "--naive", description = "Also run the naive baseline at the same load.")
    boolean naive;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run both jobs once over a few simulated seconds before the measured runs, as the embedded default warms "
                    + "its JVM before its sources start (default ${DEFAULT-VALUE}; --no-warm-up: the first measured job pays for the JIT).")
    boolean warmUp;

    /**
     * Latencies of the windows after the first quarter of a run (start-up left out), in ms, sorted.
     *
     * @param closeToPredictionAtStart window close to prediction of the first quarter's windows: what start-up costs
     * @param expected windows after the first quarter; {@code received} of them had a prediction within the wait, of
     *     which {@code shed} were shed under overload (their latencies are left out: no model ran on them)
     */
    record Latency(String job, String guarantee, int streams, List<Long> captureToPrediction, List<Long> closeToPrediction,
                   List<Long> closeToEmit, List<Long> closeToPredictionAtStart, int expected, int received, int shed) {
        static String header() {
            return String.format(Locale.ROOT, "%-10s %-14s %8s %12s %6s %12s %6s %12s %6s %14s %12s %6s", "job", "guarantee", "streams",
                    "capture p50", "p99", "close p50", "p99", "(in job) p50", "p99", "start close p99", "windows", "shed");
        }

        String row() {
            return String.format(Locale.ROOT, "%-10s %-14s %8d %12.0f %6.0f %12.0f %6.0f %12.0f %6.0f %14.0f %5d of %-5d %6d", job, guarantee, streams,
                    p(captureToPrediction, 0.5), p(captureToPrediction, 0.99), p(closeToPrediction, 0.5), p(closeToPrediction, 0.99),
                    p(closeToEmit, 0.5), p(closeToEmit, 0.99), p(closeToPredictionAtStart, 0.99), received, expected, shed);
        }

        static double p(List<Long> sorted, double p) {
            return BenchJobs.percentile(sorted, p);
        }
    }

    @Override
    public Integer call() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            if (warmUp) {
                PipelineBench.warmUp(kafka, settings);
            }
            System.out.println(Latency.header());
            for (String guarantee : List.of("at-least-once", "exactly-once")) {
                System.out.println(measure(kafka, "pipeline", Pipeline::build, guarantee, streams, seconds, laggingDevices, lagMicros(), settings).row());
            }
            if (naive) {
                System.out.println(measure(kafka, "naive", NaiveBaseline::build, "at-least-once", streams, seconds, laggingDevices, lagMicros(), settings).row());
            }
        }
        return 0;
    }

    /** The configuration of a latency run: no allowed lateness, so a window closes out-of-orderness after its end. */
    static JobConfig config(EmbeddedKafka kafka, String prefix, String guarantee, Map<String, String> settings) {
        String ooo = OUT_OF_ORDERNESS.toMillis() + "ms";
        Map<String, String> values = new java.util.HashMap<>(Map.of("delivery.guarantee", guarantee,
                "checkpoint.interval", "1s", "window.lateness", "0ms", "watermark.out-of-orderness.video", ooo,
                "watermark.out-of-orderness.audio", ooo, "watermark.out-of-orderness.sensor", ooo,
                "delivery.transactional-id-prefix", prefix));
        values.putAll(settings);
        return BenchJobs.config(kafka, prefix, Runtime.getRuntime().availableProcessors(), values);
    }

    private long lagMicros() {
        return io.mmstream.config.Option.parseDuration(lag).toNanos() / 1000;
    }

    static Latency measure(EmbeddedKafka kafka, String job, BiConsumer<StreamExecutionEnvironment, JobConfig> graph, String guarantee,
                           int streams, int seconds) throws Exception {
        return measure(kafka, job, graph, guarantee, streams, seconds, 0, 0, Map.of());
    }

    /**
     * @param lagging streams beyond the measured ones whose records reach Kafka lagMicros later (devices on a slow uplink,
     *     sharing the partitions): the figures are the measured streams', which a lagging partition-mate must not slow
     */
    static Latency measure(EmbeddedKafka kafka, String job, BiConsumer<StreamExecutionEnvironment, JobConfig> graph, String guarantee,
                           int streams, int seconds, int lagging, long lagMicros, Map<String, String> settings) throws Exception {
        String prefix = "latency-" + job + "-" + guarantee + (lagging > 0 ? "-lagging" : "");
        JobConfig config = config(kafka, prefix, guarantee, settings);
        kafka.createTopics(config, Runtime.getRuntime().availableProcessors());
        List<SimRecord> records = new ArrayList<>();
        for (SimRecord record : BenchJobs.simulate(streams + lagging, seconds)) {
            boolean lags = Integer.parseInt(record.streamId().substring(record.streamId().lastIndexOf('-') + 1)) >= streams;
            records.add(lags ? new SimRecord(record.modality(), record.streamId(), record.captureMicros(), record.deliveryMicros() + lagMicros,
                    record.value()) : record);
        }
        records.sort(java.util.Comparator.comparingLong(SimRecord::deliveryMicros));
        try (BenchJobs.RunningJob running = BenchJobs.RunningJob.start(config, graph);
             KafkaConsumer<byte[], byte[]> reader = BenchJobs.predictionReader(kafka, config)) {
            running.awaitRunning(Duration.ofSeconds(120));
            long shift = shiftToNow();
            long start = BenchJobs.EPOCH + shift;
            AtomicReference<Exception> failure = new AtomicReference<>();
            publisher(kafka, config, records, shift, failure);
            // windows that end before the data does and start after the first quarter of the run
            Set<String> expected = new HashSet<>(BenchJobs.windows(streams, start + seconds / 4 * 1_000_000L, start + (seconds - 3) * 1_000_000L));
            Set<String> seen = new HashSet<>();
            // the first quarter's windows, apart: the start-up (model loading, ONNX Runtime's first runs, the JIT)
            Set<String> atStart = new HashSet<>(BenchJobs.windows(streams, start, start + seconds / 4 * 1_000_000L));
            atStart.removeAll(expected);
            List<Long> closeAtStart = new ArrayList<>();
            int shed = 0;
            // the lagging devices' windows of the same stretch: whether they are kept at all
            Set<String> laggingExpected = new HashSet<>();
            BenchJobs.windows(streams + lagging, start + seconds / 4 * 1_000_000L, start + (seconds - 3) * 1_000_000L).stream()
                    .filter(window -> !expected.contains(window)).forEach(laggingExpected::add);
            Set<String> laggingSeen = new HashSet<>();
            List<Long> capture = new ArrayList<>();
            List<Long> close = new ArrayList<>();
            List<Long> closeToEmit = new ArrayList<>();
            long giveUpMillis = start / 1000 + seconds * 1000L + lagMicros / 1000 + 30_000;
            while (!(seen.containsAll(expected) && laggingSeen.containsAll(laggingExpected)) && System.currentTimeMillis() < giveUpMillis
                    && failure.get() == null) {
                for (BenchJobs.Arrival arrival : BenchJobs.poll(reader, Duration.ofMillis(10))) {
                    if (laggingExpected.contains(arrival.window())) {
                        laggingSeen.add(arrival.window());
                    }
                    boolean wasShed = arrival.prediction().getResults().stream()
                            .anyMatch(result -> io.mmstream.inference.OverloadPolicy.shed(result.getReason()));
                    if (atStart.remove(arrival.window()) && !wasShed) {
                        closeAtStart.add(arrival.wallMillis() - Times.micros(arrival.prediction().getWindowEnd()) / 1000);
                    }
                    if (expected.contains(arrival.window()) && seen.add(arrival.window())) {
                        Prediction prediction = arrival.prediction();
                        if (wasShed) {
                            shed++;
                            continue;
                        }
                        long lastCapture = prediction.getCoverage().stream().map(ModalityCoverage::getLastCapture)
                                .filter(java.util.Objects::nonNull).mapToLong(Times::micros).max().orElseThrow();
                        capture.add(arrival.wallMillis() - lastCapture / 1000);
                        close.add(arrival.wallMillis() - Times.micros(prediction.getWindowEnd()) / 1000);
                        closeToEmit.add(prediction.getWindowCloseToEmitMillis());
                    }
                }
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            capture.sort(null);
            close.sort(null);
            closeToEmit.sort(null);
            closeAtStart.sort(null);
            if (lagging > 0) {
                System.out.printf(Locale.ROOT, "  %s %s: %d lagging devices %d s behind: %d of their %d windows%n", job, guarantee, lagging,
                        lagMicros / 1_000_000, laggingSeen.size(), laggingExpected.size());
            }
            return new Latency(job, guarantee, streams, capture, close, closeToEmit, closeAtStart, expected.size(), seen.size(), shed);
        }
    }

    /** What moves the simulated records to start a second or two from now, in whole seconds so windows keep their place. */
    static long shiftToNow() {
        return ((System.currentTimeMillis() * 1000 + 1_000_000 - BenchJobs.EPOCH) / 1_000_000 + 1) * 1_000_000;
    }

    /** A started thread that sends each record, moved by {@code shift}, when the wall clock reaches its delivery time. */
    static Thread publisher(EmbeddedKafka kafka, JobConfig config, List<SimRecord> records, long shift, AtomicReference<Exception> failure) {
        Thread publisher = new Thread(() -> publish(kafka, config, records, shift, failure), "bench-publisher");
        publisher.setDaemon(true);
        publisher.start();
        return publisher;
    }

    private static void publish(EmbeddedKafka kafka, JobConfig config, List<SimRecord> records, long shift, AtomicReference<Exception> failure) {
        try (KafkaProducer<byte[], byte[]> producer = BenchJobs.producer(kafka, 1)) {
            for (SimRecord record : records) {
                long waitMillis = (record.deliveryMicros() + shift) / 1000 - System.currentTimeMillis();
                if (waitMillis > 0) {
                    Thread.sleep(waitMillis);
                }
                BenchJobs.send(producer, config, BenchJobs.moved(record, record.streamId(), shift));
            }
        } catch (Exception e) {
            failure.set(e);
        }
    }
}
