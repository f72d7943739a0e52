package io.mmstream.benchmark;

import io.mmstream.align.Modality;
import io.mmstream.align.WindowTensors;
import io.mmstream.bench.BenchInputs;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.AudioSeparation;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.WindowHeads;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.media.AudioPatches;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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

    private static final long EPOCH = BenchJobs.EPOCH;
    static final int FPS = BenchJobs.FPS;

    @Option(names = "--streams", defaultValue = "8", description = "Simulated streams (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of each stream (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--set", description = "A job configuration key=value for both jobs (repeatable), e.g. --set network.buffer-timeout=100ms.")
    Map<String, String> settings = new java.util.HashMap<>();

    @Option(names = "--quick", description = "4 streams x 12 s: a smoke check of about a minute.")
    boolean quick;

    @Option(names = "--cluster", description = "Both jobs on deploy/local's standalone cluster (2 TaskManagers, a Kafka broker process), "
            + "submitted from target/mmstream-job.jar; run from the repository root.")
    boolean cluster;

    @Option(names = "--taskmanager-jvm-opts", paramLabel = "OPTS", description = "With --cluster: JVM options added to the TaskManagers' (e.g. -XX:+UseParallelGC).")
    String taskManagerJvmOptions;

    /**
     * Seconds of one core per element: a frame, an audio patch, a window through the heads and the separation (median
     * of 31 calls); and frames a second of the same work with every core doing it at once.
     */
    record Limit(double frame, double patch, double window, double allCoresAtOnceFps) {
        double perStreamSecond() {
            return FPS * frame + FPS * patch + window;
        }

        Limit averagedWith(Limit other) {
            return new Limit((frame + other.frame) / 2, (patch + other.patch) / 2, (window + other.window) / 2,
                    (allCoresAtOnceFps + other.allCoresAtOnceFps) / 2);
        }
    }

    /**
     * One job over the preloaded input; seconds counted from the submission.
     *
     * @param runningSeconds when every task was running (models loaded): throughput is counted from here
     * @param lastSeconds when the last window's prediction arrived
     * @param cpuSeconds CPU seconds per thread group from running to the last prediction, the JVM's own threads included
     * @param busyShare share of all cores this process used from running to the last prediction
     * @param heapBytes heap in use after a full collection half-way through the predictions, or 0 when not measured
     * @param stateBytes largest checkpointed state seen during the run, or 0 when not measured
     */
    record Run(long frames, double runningSeconds, double firstSeconds, double lastSeconds, Map<String, Double> cpuSeconds, double busyShare,
               long heapBytes, long stateBytes) {

        /** Frames a second from the moment every task ran to the last prediction: the job's wall time on this input. */
        double framesPerSecond() {
            return frames / (lastSeconds - runningSeconds);
        }
    }

    /** The three figures of one run; frames a second. */
    record Result(int streams, int seconds, long frames, int cores, Limit limit, double limitFps, Run pipeline, Run naive) {
        double pipelineFps() {
            return pipeline.framesPerSecond();
        }

        double naiveFps() {
            return naive.framesPerSecond();
        }

        /** The pipeline run's CPU that was not the job's: the broker serving it and the measuring consumer (share of all). */
        double notTheJobShare() {
            double total = pipeline.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
            double others = pipeline.cpuSeconds().entrySet().stream().filter(e -> notTheJob(e.getKey())).mapToDouble(Map.Entry::getValue).sum();
            return others / total;
        }

        /** The limit of the cores left to the job once the broker and the measuring consumer have taken theirs. */
        double limitOfCoresLeftFps() {
            return limitFps * (1 - notTheJobShare());
        }

        void print() {
            System.out.printf(Locale.ROOT, "%n%d streams x %d s (%d frames at %d fps, 16 kHz audio, 100 Hz IMU), %d cores, parallelism %d%n",
                    streams, seconds, frames, FPS, cores, cores);
            System.out.printf(Locale.ROOT, "limit, one core per element (mean of before and after the jobs): frame %.3f ms (decode, resize, normalise, encoder at batch 32), "
                    + "audio patch %.3f ms (log-mel, encoder at batch 32), window %.3f ms (the graph's heads at batch 64, and its separation)%n",
                    limit.frame() * 1e3, limit.patch() * 1e3, limit.window() * 1e3);
            System.out.printf(Locale.ROOT, "%-34s %12s %14s %20s%n", "", "frames/s", "streams@15fps", "first prediction");
            System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %20s%n", "limit (model work, all cores)", limitFps, limitFps / FPS, "-");
            System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %20s%n", "limit, every core busy at once", limit.allCoresAtOnceFps(),
                    limit.allCoresAtOnceFps() / FPS, "-");
            System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %19.1fs%n", "pipeline (this job)", pipelineFps(), pipelineFps() / FPS, pipeline.firstSeconds());
            System.out.printf(Locale.ROOT, "%-34s %12.0f %14.1f %19.1fs%n", "naive (per record, raw windows)", naiveFps(), naiveFps() / FPS, naive.firstSeconds());
            System.out.printf(Locale.ROOT, "pipeline / limit = %.2f    pipeline / naive = %.2f%n", pipelineFps() / limitFps, pipelineFps() / naiveFps());
            System.out.printf(Locale.ROOT, "the broker and the measuring consumer took %.0f%% of the CPU: pipeline / limit of the cores left to the job = %.2f%n",
                    100 * notTheJobShare(), pipelineFps() / limitOfCoresLeftFps());
            System.out.printf(Locale.ROOT, "every core busy at once does %.2f times one core's work: pipeline / that limit = %.2f (of the cores left: %.2f)%n",
                    limit.allCoresAtOnceFps() / limitFps * cores, pipelineFps() / limit.allCoresAtOnceFps(),
                    pipelineFps() / (limit.allCoresAtOnceFps() * (1 - notTheJobShare())));
            System.out.printf(Locale.ROOT, "CPU busy while measured: pipeline %.0f%%, naive %.0f%% of %d cores%n",
                    100 * pipeline.busyShare(), 100 * naive.busyShare(), cores);
            System.out.println("CPU seconds by thread from running to the last prediction (Flink names task threads after their operators):");
            double total = pipeline.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
            pipeline.cpuSeconds().entrySet().stream().limit(12).forEach(e ->
                    System.out.printf(Locale.ROOT, "  %6.1f s %4.0f%%  %s%n", e.getValue(), 100 * e.getValue() / total, e.getKey()));
        }
    }

    /**
     * Whether a thread group of the pipeline run is not the job's: the in-process broker's threads (its request
     * handlers, network threads, controller and log housekeeping) and the measuring consumer on main. The Kafka
     * clients' threads ({@code kafka-producer-network-thread}, the sources' fetchers) are the job's own.
     */
    static boolean notTheJob(String group) {
        boolean client = group.startsWith("kafka-producer") || group.startsWith("kafka-coordinator") || group.startsWith("kafka-admin-client");
        return group.equals("main") || !client && group.matches("(data-plane-kafka|kafka-|controller-|broker-|quorum|raft|ExpirationReaper|"
                + "executor-|group-coordinator|share-|transaction-|TxnMarkerSender|AddPartitionsToTxnSender|[Pp]ersister|client-metrics|"
                + "network-partition-metadata|log-closing).*");
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            streams = 4;
            seconds = 12;
        }
        if (cluster) {
            ClusterBench.measure(streams, seconds, settings, taskManagerJvmOptions).print();
            return 0;
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            measure(kafka, streams, seconds, settings).print();
        }
        return 0;
    }

    static Result measure(EmbeddedKafka kafka, int streams, int seconds, Map<String, String> settings) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<SimRecord> records = BenchJobs.simulate(streams, seconds);
        long frames = BenchJobs.frames(records);
        ModelSettings models = Pipeline.modelSettings(JobConfig.defaults(settings));
        Limit before = limit(models, records);
        warmUp(kafka, settings);
        JobConfig pipelineConfig = BenchJobs.preloadedConfig(kafka, "bench", cores, settings);
        kafka.createTopics(pipelineConfig, cores);
        BenchJobs.preload(kafka, pipelineConfig, records);
        Run pipeline = run(kafka, pipelineConfig, Pipeline::build, streams, seconds, frames, false);
        Map<String, String> naiveSettings = new java.util.HashMap<>(settings);
        naiveSettings.put("topics.predictions", "bench.naive");
        JobConfig naiveConfig = BenchJobs.preloadedConfig(kafka, "bench", cores, naiveSettings);
        kafka.createTopics(naiveConfig, cores);
        Run naive = run(kafka, naiveConfig, NaiveBaseline::build, streams, seconds, frames, false);
        // the machine's speed drifts (other tenants, clocks): the limit is taken before and after the jobs
        Limit limit = before.averagedWith(limit(models, records));
        return new Result(streams, seconds, frames, cores, limit, cores * FPS / limit.perStreamSecond(), pipeline, naive);
    }

    /**
     * Both jobs once over a small input, not measured, so that neither pays alone for the JIT compiling Flink's and
     * Kafka's code paths (whichever ran first did, and the second ran on them compiled).
     */
    static void warmUp(EmbeddedKafka kafka, Map<String, String> settings) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<SimRecord> records = BenchJobs.simulate(4, 8);
        for (Map.Entry<String, BiConsumer<StreamExecutionEnvironment, JobConfig>> job
                : Map.<String, BiConsumer<StreamExecutionEnvironment, JobConfig>>of("pipeline", Pipeline::build, "naive", NaiveBaseline::build).entrySet()) {
            JobConfig config = BenchJobs.preloadedConfig(kafka, "warmup-" + job.getKey(), cores, settings);
            kafka.createTopics(config, cores);
            BenchJobs.preload(kafka, config, records);
            run(kafka, config, job.getValue(), 4, 8, BenchJobs.frames(records), false);
        }
    }

    /**
     * The per-element cost of the unavoidable work, each on one core (one intra-op thread), warmed up; and the same
     * work on every core at once, each core with its own model instances, in a stream second's proportions.
     */
    static Limit limit(ModelSettings models, List<SimRecord> records) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<LimitWork> works = new ArrayList<>();
        try {
            for (int c = 0; c < cores; c++) {
                works.add(new LimitWork(models, records));
            }
            LimitWork one = works.get(0);
            double frame = secondsPerCall(one::frames) / LimitWork.BATCH;
            double patch = secondsPerCall(one::patches) / LimitWork.BATCH;
            double window = secondsPerCall(one::heads) / LimitWork.HEADS_BATCH;
            if (one.separation != null) {
                window += secondsPerCall(one::separate);
            }
            return new Limit(frame, patch, window, allCoresAtOnce(works));
        } finally {
            works.forEach(LimitWork::close);
        }
    }

    /**
     * Frames a second of the limit's work with every core doing it at once: on this machine two busy cores do far
     * less than twice one core's work (BENCHMARKS.md, 2026-12-01), which the one-core figure times the cores hides.
     */
    private static double allCoresAtOnce(List<LimitWork> works) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(works.size());
        try {
            for (LimitWork work : works) { // warm-up, each on its own thread
                threads.submit(() -> work.streamSeconds(1)).get();
            }
            int rounds = 3;
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (LimitWork work : works) {
                running.add(threads.submit(() -> work.streamSeconds(rounds)));
            }
            for (Future<?> each : running) {
                each.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return (double) works.size() * rounds * LimitWork.HEADS_BATCH * FPS / seconds;
        } finally {
            threads.shutdownNow();
        }
    }

    /** One core's share of the limit: its own model instances and inputs, and the work per element. */
    private static final class LimitWork {

        static final int BATCH = 32;
        static final int HEADS_BATCH = 64;
        private final ModelSettings.Leased<MediaEncoders> encoders;
        private final ModelSettings.Leased<WindowHeads> heads;
        private final ModelSettings.Leased<AudioSeparation> separation;
        private final List<byte[]> frames;
        private final List<AudioPatches.Chunk> chunks;
        private final List<WindowTensors> windows;
        /** A window's audio following the previous window's, whose overlap it may take. */
        private final float[] audio;
        private final AudioSeparation.Overlap previous;

        LimitWork(ModelSettings models, List<SimRecord> records) throws Exception {
            encoders = models.encoders();
            heads = models.heads();
            separation = models.separationName() == null ? null : models.separation();
            frames = records.stream().filter(r -> r.modality() == Modality.VIDEO).limit(BATCH).map(SimRecord::value).toList();
            chunks = BenchInputs.audioChunks(records, SceneSimulator.streamId(0), 20);
            windows = BenchInputs.of(HEADS_BATCH, new Random(1), models);
            Random random = new Random(2);
            int samples = separation == null ? 0 : separation.value().input().samples();
            float[] stream = new float[samples + samples / 2];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = (float) (0.1 * random.nextGaussian());
            }
            int slide = samples / 2;
            audio = Arrays.copyOfRange(stream, slide, slide + samples);
            previous = separation == null ? null
                    : separation.value().separate(windows.get(0), Arrays.copyOf(stream, samples), 0, slide, slide, null).overlap();
        }

        /** A batch of frames: decode, resize, normalise, the frame encoders. */
        void frames() throws Exception {
            encoders.value().frames(frames);
        }

        /** A batch of audio patches: log-mel, the audio encoders. */
        void patches() throws Exception {
            AudioPatches patches = encoders.value().audioPatches();
            long first = chunks.get(0).startMicros() + 100_000;
            List<float[]> batch = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                batch.add(patches.patch(first + i * 50_000L, chunks).logMel());
            }
            encoders.value().audio(batch);
        }

        /** A batch of windows through every head. */
        void heads() throws Exception {
            heads.value().run(windows);
        }

        /**
         * One window's separation following its stream's previous window: the STFT of the frames that window did
         * not have, the mask model and the inverse of the window's last slide.
         */
        void separate() throws Exception {
            int slide = audio.length / 2;
            separation.value().separate(windows.get(0), audio, slide, slide, slide, previous);
        }

        /** The work of rounds x 64 stream seconds: 15 frames, 15 patches and a window each. */
        Void streamSeconds(int rounds) throws Exception {
            for (int r = 0; r < rounds; r++) {
                for (int b = 0; b < HEADS_BATCH * FPS / BATCH; b++) {
                    frames();
                    patches();
                }
                heads();
                for (int w = 0; separation != null && w < HEADS_BATCH; w++) {
                    separate();
                }
            }
            return null;
        }

        void close() {
            encoders.close();
            heads.close();
            if (separation != null) {
                separation.close();
            }
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

    /**
     * Runs a job until every window of every stream has its prediction.
     *
     * @param memory also take the heap after a full collection half-way (which pauses the job) and the checkpointed state
     */
    static Run run(EmbeddedKafka kafka, JobConfig config, BiConsumer<StreamExecutionEnvironment, JobConfig> graph, int streams, int seconds,
                   long frames, boolean memory) throws Exception {
        Set<String> expected = new HashSet<>(BenchJobs.windows(streams, EPOCH - 1_000_000, EPOCH + (seconds - 1) * 1_000_000L));
        Set<String> seen = new HashSet<>();
        double first = 0;
        double last = 0;
        long heap = 0;
        long state = 0;
        try (BenchJobs.RunningJob job = BenchJobs.RunningJob.start(config, graph);
             KafkaConsumer<byte[], byte[]> consumer = BenchJobs.predictionReader(kafka, config)) {
            job.awaitRunning(Duration.ofSeconds(120));
            double running = job.secondsSinceStart();
            long runningCpu = BenchJobs.CpuByThread.processCpuNanos();
            BenchJobs.CpuByThread cpu = new BenchJobs.CpuByThread();
            long nextSample = 0;
            while (!seen.containsAll(expected)) {
                if (job.secondsSinceStart() > 900) {
                    throw new IllegalStateException("the job did not predict every window within 15 minutes: " + seen.size() + " of " + expected.size());
                }
                for (BenchJobs.Arrival arrival : BenchJobs.poll(consumer, Duration.ofMillis(50))) {
                    if (seen.add(arrival.window())) {
                        last = (arrival.nanos() - job.startedNanos) / 1e9;
                        first = first == 0 ? last : first;
                        if (memory && seen.size() == expected.size() / 2) {
                            System.gc();
                            heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                        }
                    }
                }
                if (System.nanoTime() > nextSample) {
                    cpu.sample();
                    if (memory) {
                        state = Math.max(state, job.latestCheckpointBytes().values().stream().mapToLong(Long::longValue).sum());
                    }
                    nextSample = System.nanoTime() + 500_000_000L;
                }
            }
            double busy = (BenchJobs.CpuByThread.processCpuNanos() - runningCpu) / 1e9 / (job.secondsSinceStart() - running) / Runtime.getRuntime().availableProcessors();
            return new Run(frames, running, first, last, cpu.secondsByGroup(), busy, heap, state);
        }
    }
}
