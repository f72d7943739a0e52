package io.mmstream.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar mmstream.jar COMMAND}: the command line of mmstream. */
@Command(name = "mmstream", mixinStandardHelpOptions = true, version = "mmstream 0.1",
        description = "Streaming multimodal processing on Kafka and Flink.",
        subcommands = {DemoCommand.class, RunCommand.class, TailCommand.class, FrameCommand.class, SimulateCommand.class, DatasetCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    /** Set when Ctrl-C started the JVM's shutdown: System.exit would then block forever. */
    static final AtomicBoolean shutdownInProgress = new AtomicBoolean();

    public static void main(String[] args) {
        int exitCode = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        // Flink and Kafka leave non-daemon threads behind; exit explicitly unless the JVM is already on its way out
        if (!shutdownInProgress.get()) {
            System.exit(exitCode);
        }
    }
}
