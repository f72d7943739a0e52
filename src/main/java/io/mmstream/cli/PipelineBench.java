package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelSettings;
import io.mmstream.job.MmstreamJob;
import io.mmstream.job.Pipeline;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.VideoFrame;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of the whole job, measured in one run against two references on the same machine: the limit (the
 * model work that cannot be avoided, per element at good batch sizes, one core each, times the cores) and the naive
 * baseline (raw media in window state, everything decoded and encoded one item per model call when a window fires).
 * Kafka and Flink run in this process; the topics are preloaded and the jobs read them as fast as they can.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "The job's throughput against the limit of its model work and against a naive baseline, in one run.")
final class PipelineBench implements Callable<Integer> {

    private static final long EPOCH = DatasetWriter.EPOCH_MICROS;
    private static final int FPS = 15;

    @Option(names = "--streams", defaultValue = "8", description = "Simulated streams (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of each stream (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--quick", description = "4 streams x 12 s: a smoke check of about a minute.")
    boolean quick;

    /** Seconds of one core per element: a frame, an audio patch, a window through the heads (median of 31 calls). */
    record Limit(double frame, double patch, double window) {
        double perStreamSecond() {
            return FPS * frame + FPS * patch + window;
        }
    }

    /**
     * When the predictions arrived, seconds after the job was submitted, in order.
     *
     * @param frames frames of the input
     */
    record Run(List<Double> arrivals, long frames) {
        double firstSeconds() {
            return arrivals.get(0);
        }

        /**
         * Frames a second over the last three quarters of the predictions: start-up (model loading, deployment, the
         * first windows waiting for the watermark) left out, the same way for every job.
         */
        double steadyFramesPerSecond() {
            double quarter = arrivals.get(arrivals.size() / 4);
            return frames * 0.75 / (arrivals.get(arrivals.size() - 1) - quarter);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            streams = 4;
            seconds = 12;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        SimulationSettings settings = SimulationSettings.defaults(streams).withSeed(6000);
        List<SimRecord> records = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + seconds * 1_000_000L);
        long frames = records.stream().filter(r -> r.modality() == Modality.VIDEO).count();
        ModelSettings models = new ModelSettings("classpath:onnx-models", List.of("fusion_early"), InferenceOptions.cpu(1), 0.5);

        Limit limit = limit(models, records);
        double limitFps = cores * FPS / limit.perStreamSecond();
        Run pipeline;
        Run naive;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            preload(kafka, records, cores);
            pipeline = run(kafka, config(kafka, "bench.predictions", cores), Pipeline::build, frames);
            naive = run(kafka, config(kafka, "bench.naive", cores), NaiveBaseline::build, frames);
        }
        double pipelineFps = pipeline.steadyFramesPerSecond();
        double naiveFps = naive.steadyFramesPerSecond();
        System.out.printf(Locale.ROOT, "%n%d streams x %d s (%d frames at %d fps, 16 kHz audio, 100 Hz IMU), %d cores, parallelism %d%n",
                streams, seconds, frames, FPS, cores, cores);
        System.out.printf(Locale.ROOT, "limit, one core per element: frame %.3f ms (decode, resize, normalise, encoder at batch 32), "
                + "audio patch %.3f ms (log-mel, encoder at batch 32), window %.3f ms (action, fusion, sync at batch 64)%n",
                limit.frame() * 1e3, limit.patch() * 1e3, limit.window() * 1e3);
        System.out.printf(Locale.ROOT, "%-34s %12s %14s %20s%n", "", "frames/s", "streams@15fps", "first prediction");
        System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %20s%n", "limit (model work, all cores)", limitFps, limitFps / FPS, "-");
        System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %19.1fs%n", "pipeline (this job)", pipelineFps, pipelineFps / FPS, pipeline.firstSeconds());
        System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %19.1fs%n", "naive (per record, raw windows)", naiveFps, naiveFps / FPS, naive.firstSeconds());
        System.out.printf(Locale.ROOT, "pipeline / limit = %.2f    pipeline / naive = %.2f%n", pipelineFps / limitFps, pipelineFps / naiveFps);
        return 0;
    }

    /** The per-element cost of the unavoidable work, each on one core (one intra-op thread), warmed up. */
    static Limit limit(ModelSettings models, List<SimRecord> records) throws Exception {
        try (var encoders = models.encoders(); var heads = models.heads()) {
            List<byte[]> frames = records.stream().filter(r -> r.modality() == Modality.VIDEO).limit(32).map(SimRecord::value).toList();
            double frame = secondsPerCall(() -> encoders.value().frames(frames)) / frames.size();

            AudioPatches patches = encoders.value().audioPatches();
            List<AudioPatches.Chunk> chunks = new ArrayList<>();
            for (SimRecord record : records) {
                if (record.modality() == Modality.AUDIO && record.streamId().equals(SceneSimulator.streamId(0)) && chunks.size() < 20) {
                    AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
                    chunks.add(new AudioPatches.Chunk(record.captureMicros(), Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels())));
                }
            }
            long first = chunks.get(0).startMicros() + 100_000;
            double patch = secondsPerCall(() -> {
                List<float[]> batch = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    batch.add(patches.patch(first + i * 50_000L, chunks).logMel());
                }
                encoders.value().audio(batch);
            }) / 32;

            Random random = new Random(1);
            List<WindowTensors> windows = new ArrayList<>();
            for (int w = 0; w < 64; w++) {
                windows.add(new WindowTensors(gaussian(random, 30 * 64), ones(30), gaussian(random, 30 * 64), ones(30), gaussian(random, 200 * 6), ones(200)));
            }
            double window = secondsPerCall(() -> heads.value().run(windows)) / windows.size();
            return new Limit(frame, patch, window);
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    /** Median seconds of one call, after a warm-up long enough for the JIT (5 calls left the figure 30% high). */
    private static double secondsPerCall(Work work) throws Exception {
        for (int i = 0; i < 30; i++) {
            work.run();
        }
        double[] seconds = new double[31];
        for (int i = 0; i < seconds.length; i++) {
            long start = System.nanoTime();
            work.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(seconds);
        return seconds[seconds.length / 2];
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private static float[] ones(int n) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, 1);
        return out;
    }

    private JobConfig config(EmbeddedKafka kafka, String predictions, int parallelism) {
        return JobConfig.defaults(Map.ofEntries(Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()),
                Map.entry("kafka.group-id", "bench-" + UUID.randomUUID()),
                Map.entry("topics.video", "bench.video"), Map.entry("topics.audio", "bench.audio"), Map.entry("topics.sensor", "bench.sensor"),
                Map.entry("topics.predictions", predictions), Map.entry("topics.late", "bench.late"), Map.entry("topics.deadletter", "bench.deadletter"),
                Map.entry("source.starting-offsets", "earliest"), Map.entry("delivery.guarantee", "at-least-once"),
                Map.entry("checkpoint.interval", "10s"), Map.entry("parallelism", Integer.toString(parallelism)),
                Map.entry("window.lateness", "300ms"), Map.entry("watermark.out-of-orderness.video", "300ms"),
                Map.entry("watermark.out-of-orderness.audio", "300ms"), Map.entry("watermark.out-of-orderness.sensor", "300ms")));
    }

    /** The simulated records, then far-future ones per stream so that every window of the data fires. */
    private void preload(EmbeddedKafka kafka, List<SimRecord> records, int partitions) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : List.of("video", "audio", "sensor", "predictions", "naive", "late", "deadletter")) {
                topics.add(new NewTopic("bench." + topic, partitions, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SimRecord record : records) {
                producer.send(new ProducerRecord<>("bench." + record.modality().wireName(), record.streamId().getBytes(StandardCharsets.UTF_8), record.value()));
            }
            long future = EPOCH + 1000 * 1_000_000L;
            for (int s = 0; s < streams; s++) {
                String stream = SceneSimulator.streamId(s);
                byte[] key = stream.getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>("bench.video", key, WireCodec.encode(VideoFrame.newBuilder(WireCodec.decode(VideoFrame.class,
                        records.stream().filter(r -> r.modality() == Modality.VIDEO).findFirst().orElseThrow().value()))
                        .setStreamId(stream).setCaptureTime(Times.ofMicros(future)).build())));
                producer.send(new ProducerRecord<>("bench.audio", key, WireCodec.encode(AudioChunk.newBuilder().setStreamId(stream)
                        .setCaptureTime(Times.ofMicros(future)).setSeq(0).setSampleRate(16_000).setChannels(1)
                        .setFormat(io.mmstream.schema.SampleFormat.PCM_S16LE).setData(ByteBuffer.wrap(new byte[3200])).build())));
                producer.send(new ProducerRecord<>("bench.sensor", key, WireCodec.encode(SensorReading.newBuilder().setStreamId(stream)
                        .setSensorId("imu0").setCaptureTime(Times.ofMicros(future)).setKind("imu6").setValues(List.of(0f, 0f, 9.81f, 0f, 0f, 0f)).build())));
            }
        }
    }

    /** Runs a job on a MiniCluster in this process until every window of every stream has its prediction. */
    private Run run(EmbeddedKafka kafka, JobConfig config, BiConsumer<StreamExecutionEnvironment, JobConfig> graph, long frames)
            throws Exception {
        Set<String> expected = new HashSet<>();
        for (int s = 0; s < streams; s++) {
            for (long start = EPOCH - 1_000_000; start <= EPOCH + (seconds - 1) * 1_000_000L; start += 1_000_000) {
                expected.add(SceneSimulator.streamId(s) + "@" + start);
            }
        }
        Properties properties = new Properties();
        properties.putAll(kafka.clientProperties());
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(MmstreamJob.flinkConfiguration(config));
        MmstreamJob.configure(env, config);
        graph.accept(env, config);
        long started = System.nanoTime();
        JobClient job = env.executeAsync("bench");
        List<Double> arrivals = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(config.get(io.mmstream.config.JobOptions.TOPIC_PREDICTIONS)));
            long deadline = started + TimeUnit.MINUTES.toNanos(15);
            while (!seen.containsAll(expected)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the job did not predict every window within 15 minutes: " + seen.size() + " of " + expected.size());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Prediction prediction = WireCodec.decode(Prediction.class, record.value());
                    if (seen.add(prediction.getStreamId() + "@" + Times.micros(prediction.getWindowStart()))) {
                        arrivals.add((System.nanoTime() - started) / 1e9);
                    }
                }
            }
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        return new Run(arrivals, frames);
    }
}
