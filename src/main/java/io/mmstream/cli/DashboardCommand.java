package io.mmstream.cli;

import io.mmstream.config.JobOptions;
import io.mmstream.dashboard.DashboardServer;
import io.mmstream.dashboard.DashboardState;
import io.mmstream.dashboard.PredictionFeed;
import java.io.IOException;
import java.nio.file.Files;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

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

    @Option(names = "--allowed-host", paramLabel = "NAME",
            description = "A Host name browsers use to reach this page besides localhost and the bound address (repeatable); "
                    + "others are refused, against DNS rebinding.")
    List<String> allowedHosts = List.of();

    @Option(names = "--max-clients", defaultValue = "" + DashboardServer.Settings.DEFAULT_MAX_CLIENTS, description = "Browsers served at once (default ${DEFAULT-VALUE}).")
    int maxClients;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Require this token (the file's first line): open the page as /?token=TOKEN, or send Authorization: Bearer TOKEN.")
    Path tokenFile;

    @Option(names = "--tls-keystore", paramLabel = "FILE.p12", description = "Serve HTTPS with the key and certificate of this PKCS12 keystore.")
    Path tlsKeystore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "The keystore's password (the file's first line).")
    Path tlsPasswordFile;

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

    @Option(names = "--embeddings-topic", defaultValue = "mm.embeddings", description = "Window embeddings for the search box (default ${DEFAULT-VALUE}).")
    String embeddings;

    @Option(names = "--separated-topic", defaultValue = "mm.audio.separated",
            description = "The separated audio, its level shown and its last seconds played per stream (default ${DEFAULT-VALUE}).")
    String separated;

    @Option(names = "--models", defaultValue = "onnx-models",
            description = "The job's models directory: its retrieval head's card names the text model that embeds the search box's words (default ${DEFAULT-VALUE}).")
    String models;

    @Override
    public Integer call() throws Exception {
        Properties kafka = kafkaClient.properties();
        DashboardState state = new DashboardState(gridStepMicros());
        DashboardServer.Settings settings = new DashboardServer.Settings(host, port, PUSH_EVERY, maxClients, Set.copyOf(allowedHosts),
                tokenFile == null ? null : firstLine(tokenFile, "--token-file"), tlsKeystore == null ? null : tls());
        try (OnnxModel text = DemoCommand.searchBox(ModelSettings.of(models, List.of(), InferenceOptions.cpu(1), 0), state);
             PredictionFeed feed = new PredictionFeed(kafka, new PredictionFeed.Topics(predictions, labels, late, deadLetter, embeddings, separated), fromBeginning, state);
             DashboardServer server = DashboardServer.start(settings, state)) {
            System.out.println("Dashboard on " + server.url() + " (Ctrl-C stops)");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        }
        return 0;
    }

    private String firstLine(Path file, String option) {
        try {
            String line = Files.readAllLines(file).stream().findFirst().orElse("").strip();
            if (line.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this), option + " " + file + ": the file is empty");
            }
            return line;
        } catch (IOException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), option + " " + file + ": cannot be read: " + e.getMessage());
        }
    }

    private SSLContext tls() throws GeneralSecurityException {
        char[] password = (tlsPasswordFile == null ? "" : firstLine(tlsPasswordFile, "--tls-password-file")).toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(tlsKeystore)) {
            keys.load(in, password);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--tls-keystore " + tlsKeystore + ": cannot be read: " + e.getMessage());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    /** The frame step the committed models were trained on, which the sync offsets are judged in. */
    static long gridStepMicros() {
        return JobOptions.GRID_STEP.parse().apply(JobOptions.GRID_STEP.defaultText()).toNanos() / 1000;
    }
}
