package io.mmstream.cli;

import io.mmstream.config.ConfigException;
import io.mmstream.media.MediaException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar mmstream.jar COMMAND}: the command line of mmstream. */
@Command(name = "mmstream", mixinStandardHelpOptions = true, version = "mmstream 0.1",
        description = "Streaming multimodal processing on Kafka and Flink.",
        subcommands = {DemoCommand.class, RunCommand.class, TailCommand.class, FrameCommand.class, SimulateCommand.class, DatasetCommand.class, ProduceCommand.class, io.mmstream.benchmark.BenchCommand.class, EvalCommand.class, SearchCommand.class, SqlCommand.class, DashboardCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    /** Set when Ctrl-C started the JVM's shutdown: System.exit would then block forever. */
    static final AtomicBoolean shutdownInProgress = new AtomicBoolean();

    /** The command line with its error handling: a bad file, config or option is one clear line, not a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof MediaException || e instanceof ConfigException || e instanceof IllegalArgumentException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                    commandLine.getErr().println("error: Kafka refused this client: " + cause.getMessage()
                            + " (check the user, password and TLS settings of --kafka-config, and the user's ACLs)");
                    return 3;
                }
            }
            throw e;
        });
    }

    /** Declared so that every command takes it and --help lists it; read from the arguments before parsing, by routeLibraryLogs. */
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Also show the libraries' warnings (Flink, Kafka) on the console; they always go to the log file.")
    boolean verbose;

    public static void main(String[] args) {
        routeLibraryLogs(args);
        int exitCode = commandLine().execute(args);
        // Flink and Kafka leave non-daemon threads behind; exit explicitly unless the JVM is already on its way out
        if (!shutdownInProgress.get()) {
            System.exit(exitCode);
        }
    }

    /**
     * Before the first logger exists: the libraries' logs go to a file of this run (log.file, which Flink's web UI
     * shows too), named once on the console, so that a healthy run prints only our own lines.
     */
    private static void routeLibraryLogs(String[] args) {
        List<String> arguments = Arrays.asList(args);
        if (arguments.contains("--verbose")) {
            System.setProperty("mmstream.console.libraries", "WARN");
        }
        if (System.getProperty("log.file") != null || arguments.isEmpty()
                || arguments.stream().anyMatch(a -> List.of("--help", "-h", "--version", "-V", "help").contains(a))) {
            return;
        }
        Path folder = Path.of(System.getProperty("java.io.tmpdir"), "mmstream-logs");
        Path file = folder.resolve(arguments.get(0).replaceAll("[^A-Za-z0-9_-]", "_") + "-" + ProcessHandle.current().pid() + ".log");
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the log folder " + folder, e);
        }
        System.setProperty("log.file", file.toString());
        System.err.println("Library logs in " + file + (arguments.contains("--verbose") ? "" : " (--verbose shows their warnings here)"));
    }
}
