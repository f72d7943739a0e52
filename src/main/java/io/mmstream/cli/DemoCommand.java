package io.mmstream.cli;

import static io.mmstream.config.JobOptions.*;

import io.mmstream.align.Modality;
import io.mmstream.config.JobConfig;
import io.mmstream.dashboard.DashboardServer;
import io.mmstream.dashboard.DashboardState;
import io.mmstream.dashboard.PredictionFeed;
import io.mmstream.dashboard.WindowSearch;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.WindowHeads;
import io.mmstream.job.ConfigFiles;
import io.mmstream.job.LocalFlink;
import io.mmstream.job.MmstreamJob;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.sim.SceneSimulator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default: an in-process Kafka broker, the job on a Flink MiniCluster, simulated streams published
 * in real time, and each window's result printed as a downstream consumer sees it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything in this process: Kafka broker, Flink job, simulated streams; print window results.")
final class DemoCommand implements Callable<Integer> {

    private static final Duration DEAD_LETTER_DRAIN = Duration.ofSeconds(15);

    @picocli.CommandLine.Mixin
    SimulationOptions simulation;

    @Option(names = "--duration", description = "Stop after this long, e.g. 30s or 2min, and print a JSON summary. Default: until Ctrl-C.")
    String duration;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run a few seconds of simulated input through the job once before the sources start, so that the first minute "
                    + "runs on compiled code (default ${DEFAULT-VALUE}; --no-warm-up starts at once).")
    boolean warmUp;

    @Option(names = "--config", defaultValue = "flink-jobs/demo.yaml", description = "Pipeline file (default ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--dashboard-port", defaultValue = "8088",
            description = "Port of the live web page on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int dashboardPort;

    @Option(names = "--metrics-port", defaultValue = "9249",
            description = "Port of the Prometheus metrics endpoint, a free one if taken; 0 for any free port (default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--corrupt-every", defaultValue = "2000",
            description = "Damage every n-th record to show the dead-letter path; 0 sends none (default ${DEFAULT-VALUE}).")
    int corruptEvery;

    @Override
    public Integer call() throws Exception {
        long startNanos = System.nanoTime();
        Duration runFor = duration == null ? null : parseDuration(duration);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            Main.shutdownInProgress.set(true);
            stop.set(true);
            try {
                stopped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mmstream-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> overrides = Map.of(BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers());
            JobConfig job = JobConfig.load(ConfigFiles.resolve(config), overrides);
            kafka.createTopics(job, 2);
            System.out.println("Kafka broker on " + kafka.bootstrapServers() + " (try: java -jar target/mmstream.jar tail --bootstrap "
                    + kafka.bootstrapServers() + " --topic " + job.get(TOPIC_PREDICTIONS) + ")");
            if (warmUp) {
                System.out.println("Warming up: a few seconds of simulated input through the job once, so that the first minute runs on compiled code");
                System.out.printf(java.util.Locale.ROOT, "Warm-up done in %.1f s%n", JvmWarmUp.run(kafka, ConfigFiles.resolve(config), overrides));
            }

            long gridStepMicros = job.get(GRID_STEP).toNanos() / 1000;
            DashboardState dashboardState = new DashboardState(gridStepMicros);
            try (OnnxModel text = searchBox(Pipeline.modelSettings(job), dashboardState);
                 PredictionFeed feed = new PredictionFeed(kafka.clientProperties(), new PredictionFeed.Topics(job.get(TOPIC_PREDICTIONS),
                         EmbeddedKafka.LABELS_TOPIC, job.get(TOPIC_LATE), job.get(TOPIC_DEADLETTER), job.get(TOPIC_EMBEDDINGS), job.get(TOPIC_SEPARATED)), true, dashboardState);
                 DashboardServer dashboard = DashboardServer.start("127.0.0.1", dashboardPort, dashboardState, DashboardCommand.PUSH_EVERY)) {
                System.out.println("Dashboard on " + dashboard.url());

                org.apache.flink.configuration.Configuration flink = MmstreamJob.flinkConfiguration(job);
                LocalFlink web = LocalFlink.onFreePort(flink);
                System.out.println("Prometheus metrics on " + LocalFlink.prometheusOn(flink, metricsPort));
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
                MmstreamJob.configure(env, job);
                Pipeline.build(env, job);
                JobClient client = env.executeAsync(job.get(io.mmstream.config.JobOptions.JOB_NAME));
                // the devices start once every task has loaded its models, or the first windows would wait for them
                web.awaitRunning(client, Duration.ofMinutes(2));
                System.out.println("Flink job " + client.getJobID() + " running on a local MiniCluster (web UI on " + web.url() + "); "
                        + simulation.streams + " simulated streams; Ctrl-C stops");
                if (Pipeline.modelSettings(job).separationName() != null) {
                    System.out.println("Separated audio (each actor's own sounds) on " + job.get(TOPIC_SEPARATED) + " (try: java -jar target/mmstream.jar tail "
                            + "--bootstrap " + kafka.bootstrapServers() + " --topic " + job.get(TOPIC_SEPARATED) + ")");
                }

                SimulationPublisher producer = new SimulationPublisher(
                        new SceneSimulator(simulation.settings(), System.currentTimeMillis() * 1000, simulation.trouble()), kafka.clientProperties(),
                        Map.of(Modality.VIDEO, job.get(TOPIC_VIDEO), Modality.AUDIO, job.get(TOPIC_AUDIO), Modality.SENSOR, job.get(TOPIC_SENSOR)),
                        EmbeddedKafka.LABELS_TOPIC, new SimulationPublisher.TruthWindows(EmbeddedKafka.TRUTH_TOPIC,
                                job.get(WINDOW_SIZE).toNanos() / 1000, job.get(WINDOW_SLIDE).toNanos() / 1000),
                        true, Long.MAX_VALUE, corruptEvery, stop, null);
                Thread producerThread = new Thread(producer, "mmstream-demo-producer");
                producerThread.start();

                long deadline = runFor == null ? Long.MAX_VALUE : System.nanoTime() + runFor.toNanos();
                try (OutputWatcher watcher = new OutputWatcher(kafka.clientProperties(), job.get(TOPIC_PREDICTIONS), job.get(TOPIC_LATE),
                        job.get(TOPIC_DEADLETTER), EmbeddedKafka.LABELS_TOPIC, gridStepMicros, System.out)) {
                    while (!stop.get() && System.nanoTime() < deadline) {
                        watcher.poll(Duration.ofMillis(200));
                        if (client.getJobStatus().get().isGloballyTerminalState()) {
                            throw new IllegalStateException("the job ended unexpectedly: " + client.getJobStatus().get());
                        }
                    }
                    stop.set(true);
                    producerThread.join();
                    // every corrupted record becomes a dead letter, visible at the checkpoint after it: wait for the last ones
                    long drained = System.nanoTime() + DEAD_LETTER_DRAIN.toNanos();
                    while (watcher.deadLetters() < producer.corrupted.get() && System.nanoTime() < drained && !Main.shutdownInProgress.get()) {
                        watcher.poll(Duration.ofMillis(200));
                    }
                    System.out.println(watcher.summaryJson(simulation.streams, (System.nanoTime() - startNanos) / 1e9, producer.sent.get(),
                            producer.corrupted.get()));
                    cancel(client);
                }
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /** On Ctrl-C the MiniCluster's own shutdown hook may already be closing it; then there is nothing left to cancel. */
    private static void cancel(JobClient client) {
        try {
            client.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (!Main.shutdownInProgress.get()) {
                throw new IllegalStateException("could not cancel the job", e);
            }
        }
    }

    private static Duration parseDuration(String text) {
        try {
            return io.mmstream.config.Option.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new DemoCommand()), "--duration '" + text + "' " + e.getMessage());
        }
    }

    /**
     * The dashboard's search box over the retrieval head's embeddings, words embedded by the text model its card
     * names; without a retrieval head in the models the box says search is off.
     *
     * @return the opened text model, for the caller to close, or null
     */
    static OnnxModel searchBox(ModelSettings models, DashboardState state) throws java.io.IOException {
        ModelCard card = WindowSearch.textModelOf(models, WindowHeads.TASK_RETRIEVAL);
        if (card == null) {
            System.out.println("search box off: the models run no " + WindowHeads.TASK_RETRIEVAL + " head");
            return null;
        }
        OnnxModel text = OnnxModel.open(card, InferenceOptions.cpu(1));
        state.searchWith(new WindowSearch(WindowHeads.TASK_RETRIEVAL, WindowSearch.textEmbedder(new ElementModel(text)), SEARCH_CAPACITY));
        return text;
    }

    /** Windows the search box holds at most (about 1.5 KB each): the newest, some 7 hours of 4 streams. */
    static final int SEARCH_CAPACITY = 100_000;
}
