package io.mmstream.cli;

import io.mmstream.config.ConfigException;
import io.mmstream.media.MediaException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar mmstream.jar COMMAND}: the command line of mmstream. */
@Command(name = "mmstream", mixinStandardHelpOptions = true, version = "mmstream 0.1",
        description = "Streaming multimodal processing on Kafka and Flink.",
        subcommands = {DemoCommand.class, RunCommand.class, TailCommand.class, FrameCommand.class, SimulateCommand.class, DatasetCommand.class, ProduceCommand.class, io.mmstream.benchmark.BenchCommand.class, EvalCommand.class, SearchCommand.class, DashboardCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
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

    public static void main(String[] args) {
        int exitCode = commandLine().execute(args);
        // Flink and Kafka leave non-daemon threads behind; exit explicitly unless the JVM is already on its way out
        if (!shutdownInProgress.get()) {
            System.exit(exitCode);
        }
    }
}
