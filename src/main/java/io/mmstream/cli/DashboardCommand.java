package io.mmstream.cli;

import io.mmstream.config.JobOptions;
import io.mmstream.dashboard.DashboardServer;
import io.mmstream.dashboard.DashboardState;
import io.mmstream.dashboard.PredictionFeed;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The live web page for any deployment: consumes its predictions (and labels, when there are any) and serves them. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve a live web page of every stream's predictions, read from Kafka (read_committed).")
final class DashboardCommand implements Callable<Integer> {

    /** How often browsers get the streams that changed. */
    static final Duration PUSH_EVERY = Duration.ofMillis(250);

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8088", description = "HTTP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--from-beginning", description = "Show the topics' history, not only what arrives from now on.")
    boolean fromBeginning;

    @Option(names = "--predictions-topic", defaultValue = "mm.predictions", description = "(default ${DEFAULT-VALUE})")
    String predictions;

    @Option(names = "--labels-topic", defaultValue = "mm.labels", description = "Ground truth, when present (default ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--late-topic", defaultValue = "mm.late", description = "(default ${DEFAULT-VALUE})")
    String late;

    @Option(names = "--deadletter-topic", defaultValue = "mm.deadletter", description = "(default ${DEFAULT-VALUE})")
    String deadLetter;

    @Override
    public Integer call() throws Exception {
        Properties kafka = kafkaClient.properties();
        DashboardState state = new DashboardState(gridStepMicros());
        try (PredictionFeed feed = new PredictionFeed(kafka, new PredictionFeed.Topics(predictions, labels, late, deadLetter), fromBeginning, state);
             DashboardServer server = DashboardServer.start(host, port, state, PUSH_EVERY)) {
            System.out.println("Dashboard on " + server.url() + " (Ctrl-C stops)");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        }
        return 0;
    }

    /** The frame step the committed models were trained on, which the sync offsets are judged in. */
    static long gridStepMicros() {
        return JobOptions.GRID_STEP.parse().apply(JobOptions.GRID_STEP.defaultText()).toNanos() / 1000;
    }
}
