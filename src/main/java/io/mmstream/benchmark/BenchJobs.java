package io.mmstream.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.job.LocalFlink;
import io.mmstream.job.MmstreamJob;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.VideoFrame;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the benchmarks share: simulated input, topics, jobs on a MiniCluster in this process, and reading their output. */
final class BenchJobs {

    static final long EPOCH = DatasetWriter.EPOCH_MICROS;
    static final int FPS = 15;
    /** Distinct simulated streams; more streams are copies of these under new ids (simulating costs ~15 ms a stream second). */
    static final int DISTINCT_STREAMS = 8;

    /** Checkpoints of the benchmark jobs: the JobManager's memory takes at most 5 MB, the naive job's raw frames exceed it. */
    static final java.nio.file.Path CHECKPOINTS = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "mmstream-bench-checkpoints");

    private BenchJobs() {}

    /** {@code streams} streams of {@code seconds} seconds from the epoch, realistic delivery, in delivery order. */
    static List<SimRecord> simulate(int streams, int seconds) {
        int distinct = Math.min(streams, DISTINCT_STREAMS);
        SimulationSettings settings = SimulationSettings.defaults(distinct).withSeed(6000);
        List<SimRecord> base = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + seconds * 1_000_000L);
        List<SimRecord> records = new ArrayList<>(base);
        for (int stream = distinct; stream < streams; stream++) {
            String original = SceneSimulator.streamId(stream % distinct);
            String copy = SceneSimulator.streamId(stream);
            for (SimRecord record : base) {
                if (record.streamId().equals(original)) {
                    records.add(moved(record, copy, 0));
                }
            }
        }
        records.sort((a, b) -> Long.compare(a.deliveryMicros(), b.deliveryMicros()));
        return records;
    }

    /** The record under another stream id, its capture (and delivery) time shifted. */
    static SimRecord moved(SimRecord record, String streamId, long shiftMicros) {
        try {
            byte[] value = switch (record.modality()) {
                case VIDEO -> {
                    VideoFrame frame = WireCodec.decode(VideoFrame.class, record.value());
                    yield WireCodec.encode(VideoFrame.newBuilder(frame).setStreamId(streamId)
                            .setCaptureTime(Times.ofMicros(Times.micros(frame.getCaptureTime()) + shiftMicros)).build());
                }
                case AUDIO -> {
                    AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
                    yield WireCodec.encode(AudioChunk.newBuilder(chunk).setStreamId(streamId)
                            .setCaptureTime(Times.ofMicros(Times.micros(chunk.getCaptureTime()) + shiftMicros)).build());
                }
                case SENSOR -> {
                    SensorBatch batch = WireCodec.decode(SensorBatch.class, record.value());
                    yield WireCodec.encode(SensorBatch.newBuilder(batch).setStreamId(streamId)
                            .setCaptureTime(Times.ofMicros(Times.micros(batch.getCaptureTime()) + shiftMicros)).build());
                }
                case TEXT -> throw new IllegalArgumentException("the simulator writes no text");
            };
            return new SimRecord(record.modality(), streamId, record.captureMicros() + shiftMicros, record.deliveryMicros() + shiftMicros, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long frames(List<SimRecord> records) {
        return records.stream().filter(r -> r.modality() == Modality.VIDEO).count();
    }

    /** {@link #config} for a job over preloaded input: bounded, it stops at the end of the input and closes every window. */
    static JobConfig preloadedConfig(EmbeddedKafka kafka, String prefix, int parallelism, Map<String, String> overrides) {
        return JobConfig.defaults(preloadedValues(kafka.bootstrapServers(), prefix, parallelism, overrides));
    }

    /** The settings of {@link #preloadedConfig}, for a job submitted to a cluster as {@code --set} arguments. */
    static Map<String, String> preloadedValues(String bootstrap, String prefix, int parallelism, Map<String, String> overrides) {
        Map<String, String> bounded = new HashMap<>(overrides);
        bounded.put("source.bounded", "true");
        return values(bootstrap, prefix, parallelism, bounded);
    }

    /** The job's configuration on topics named {@code prefix.*}: at-least-once, 300 ms out-of-orderness and lateness. */
    static JobConfig config(EmbeddedKafka kafka, String prefix, int parallelism, Map<String, String> overrides) {
        return JobConfig.defaults(values(kafka.bootstrapServers(), prefix, parallelism, overrides));
    }

    private static Map<String, String> values(String bootstrap, String prefix, int parallelism, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.ofEntries(Map.entry("kafka.bootstrap-servers", bootstrap),
                Map.entry("kafka.group-id", "bench-" + UUID.randomUUID()),
                Map.entry("topics.video", prefix + ".video"), Map.entry("topics.audio", prefix + ".audio"),
                Map.entry("topics.sensor", prefix + ".sensor"), Map.entry("topics.text", prefix + ".text"), Map.entry("topics.predictions", prefix + ".predictions"),
                Map.entry("topics.late", prefix + ".late"), Map.entry("topics.deadletter", prefix + ".deadletter"),
                Map.entry("source.starting-offsets", "earliest"), Map.entry("delivery.guarantee", "at-least-once"),
                Map.entry("checkpoint.interval", "10s"), Map.entry("parallelism", Integer.toString(parallelism)),
                Map.entry("window.lateness", "300ms"), Map.entry("watermark.out-of-orderness.video", "300ms"),
                Map.entry("watermark.out-of-orderness.audio", "300ms"), Map.entry("watermark.out-of-orderness.sensor", "300ms")));
        values.put("checkpoint.dir", CHECKPOINTS.toUri().toString());
        values.putAll(overrides);
        return values;
    }

    static java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, JobConfig config,
                                                                                            SimRecord record) {
        String topic = config.get(JobOptions.inputTopic(record.modality()));
        return producer.send(new ProducerRecord<>(topic, record.streamId().getBytes(StandardCharsets.UTF_8), record.value()));
    }

    static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka, int lingerMillis) {
        return producer(kafka.clientProperties(), lingerMillis);
    }

    static KafkaProducer<byte[], byte[]> producer(Properties kafka, int lingerMillis) {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty("linger.ms", Integer.toString(lingerMillis));
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * The records, before a job reads them; the jobs over preloaded input run bounded (see {@link #preloadedConfig}),
     * so the end of the input closes every window of the data.
     */
    static void preload(EmbeddedKafka kafka, JobConfig config, List<SimRecord> records) {
        preload(kafka.clientProperties(), config, records);
    }

    static void preload(Properties kafka, JobConfig config, List<SimRecord> records) {
        // not idempotent, one request in flight (order kept): on cluster.sh's broker the idempotent producer's retried
        // batches were refused as out of sequence until they expired, two minutes later (records lost, the run held up)
        Properties plain = new Properties();
        plain.putAll(kafka);
        plain.setProperty("enable.idempotence", "false");
        plain.setProperty("max.in.flight.requests.per.connection", "1");
        KafkaProducer<byte[], byte[]> producer = producer(plain, 20);
        try {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>(records.size());
            for (SimRecord record : records) {
                sent.add(send(producer, config, record));
            }
            producer.flush();
            for (var future : sent) {
                future.get(); // a record the broker refused fails the run here, not as a window that never comes
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("preloading " + config.get(JobOptions.TOPIC_VIDEO) + " and its siblings failed", e);
        } finally {
            // every record is acknowledged, or its failure thrown, by now: nothing is left for close to wait for
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** A job on a MiniCluster in this process, with Flink's REST API on a free port for its checkpoint statistics. */
    static final class RunningJob implements AutoCloseable {
        final JobClient client;
        private final LocalFlink rest;
        final long startedNanos;

        private RunningJob(JobClient client, LocalFlink rest, long startedNanos) {
            this.client = client;
            this.rest = rest;
            this.startedNanos = startedNanos;
        }

        static RunningJob start(JobConfig config, BiConsumer<StreamExecutionEnvironment, JobConfig> graph) throws Exception {
            Configuration flink = MmstreamJob.flinkConfiguration(config);
            LocalFlink rest = LocalFlink.onFreePort(flink);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
            MmstreamJob.configure(env, config);
            graph.accept(env, config);
            long started = System.nanoTime();
            return new RunningJob(env.executeAsync("bench"), rest, started);
        }

        double secondsSinceStart() {
            return (System.nanoTime() - startedNanos) / 1e9;
        }

        /** Waits until every task of the job runs (its operators opened: models loaded). */
        void awaitRunning(Duration timeout) throws Exception {
            rest.awaitRunning(client, timeout);
        }

        /** Checkpointed state bytes per operator chain (by name) of the latest completed checkpoint, empty if none. */
        Map<String, Long> latestCheckpointBytes() throws Exception {
            JsonNode latest = rest.get("/jobs/" + client.getJobID() + "/checkpoints");
            JsonNode completed = latest == null ? null : latest.path("latest").path("completed");
            Map<String, Long> bytes = new LinkedHashMap<>();
            if (completed == null || completed.isMissingNode() || completed.isNull()) {
                return bytes;
            }
            JsonNode details = rest.get("/jobs/" + client.getJobID() + "/checkpoints/details/" + completed.path("id").asLong());
            JsonNode job = rest.get("/jobs/" + client.getJobID());
            if (details == null || job == null) {
                return bytes;
            }
            Map<String, String> names = new HashMap<>();
            for (JsonNode vertex : job.path("vertices")) {
                names.put(vertex.path("id").asText(), vertex.path("name").asText());
            }
            details.path("tasks").fields().forEachRemaining(task ->
                    bytes.put(names.getOrDefault(task.getKey(), task.getKey()), task.getValue().path("state_size").asLong()));
            return bytes;
        }

        @Override
        public void close() throws Exception {
            // a bounded job may have finished, and its MiniCluster with it, which then answers no status request
            var result = client.getJobExecutionResult();
            try {
                if (!result.isDone()) {
                    client.cancel().get(60, TimeUnit.SECONDS);
                }
            } catch (ExecutionException e) {
                if (!result.isDone()) {
                    throw e;
                }
            }
        }
    }

    /** A prediction and the wall clock (ms) when this reader got it. */
    record Arrival(Prediction prediction, long wallMillis, long nanos) {
        String window() {
            return prediction.getStreamId() + "@" + Times.micros(prediction.getWindowStart());
        }
    }

    /** Reads a predictions topic from the beginning, committed records only (what an exactly-once consumer sees). */
    static KafkaConsumer<byte[], byte[]> predictionReader(EmbeddedKafka kafka, JobConfig config) {
        return predictionReader(kafka.clientProperties(), config);
    }

    static KafkaConsumer<byte[], byte[]> predictionReader(Properties kafka, JobConfig config) {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(config.get(JobOptions.TOPIC_PREDICTIONS)));
        return consumer;
    }

    static List<Arrival> poll(KafkaConsumer<byte[], byte[]> consumer, Duration timeout) throws IOException {
        List<Arrival> arrivals = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            arrivals.add(new Arrival(WireCodec.decode(Prediction.class, record.value()), System.currentTimeMillis(), System.nanoTime()));
        }
        return arrivals;
    }

    /** The window starts of streams x seconds of data with 2 s windows sliding by 1 s, as stream@startMicros. */
    static List<String> windows(int streams, long firstStartMicros, long lastStartMicros) {
        List<String> windows = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            for (long start = firstStartMicros; start <= lastStartMicros; start += 1_000_000) {
                windows.add(SceneSimulator.streamId(s) + "@" + start);
            }
        }
        return windows;
    }

    static double percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    /**
     * CPU time per thread group between two points of a run: Flink names a task's thread after its operator chain,
     * so this is the job's cost per operator (ONNX Runtime runs its one intra-op thread on the caller), next to
     * the Kafka broker's and the clients' threads that share the machine with it.
     */
    static final class CpuByThread {
        private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final Map<Long, Long> startNanos = new HashMap<>();
        /** Each thread's CPU time and name when last seen: a bounded job's tasks end before the run does. */
        private final Map<Long, Long> lastNanos = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();
        private final long startProcessNanos = processCpuNanos();

        CpuByThread() {
            for (long id : THREADS.getAllThreadIds()) {
                startNanos.put(id, Math.max(0, THREADS.getThreadCpuTime(id)));
            }
        }

        static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        /** Notes every live thread's CPU time so far; call it now and then, so that threads that end are still counted. */
        void sample() {
            for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                long nanos = info == null ? -1 : THREADS.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    lastNanos.put(info.getThreadId(), nanos);
                    names.put(info.getThreadId(), info.getThreadName());
                }
            }
        }

        /** CPU seconds since construction per group (digits and subtask suffixes removed from names), largest first. */
        Map<String, Double> secondsByGroup() {
            sample();
            Map<String, Double> seconds = new HashMap<>();
            double process = (processCpuNanos() - startProcessNanos) / 1e9;
            lastNanos.forEach((id, nanos) -> {
                String group = names.get(id).replaceAll(" \\(\\d+/\\d+\\)#\\d+$", "").replaceAll("\\d+", "#");
                seconds.merge(group, (nanos - startNanos.getOrDefault(id, 0L)) / 1e9, Double::sum);
            });
            // the garbage collector's and the JIT compiler's threads are not Java threads: the process's CPU time less the Java threads'
            seconds.put("(the JVM's own threads: garbage collector, JIT compiler; threads that ended)",
                    Math.max(0, process - seconds.values().stream().mapToDouble(Double::doubleValue).sum()));
            return largestFirst(seconds);
        }
    }

    /** CPU seconds per thread group or process, largest first. */
    static Map<String, Double> largestFirst(Map<String, Double> seconds) {
        Map<String, Double> sorted = new LinkedHashMap<>();
        seconds.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }
}
