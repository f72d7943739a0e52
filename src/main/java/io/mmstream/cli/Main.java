package io.mmstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar mmstream.jar COMMAND}: the command line of mmstream. */
@Command(name = "mmstream", mixinStandardHelpOptions = true, version = "mmstream 0.1",
        description = "Streaming multimodal processing on Kafka and Flink.",
        subcommands = {DemoCommand.class, RunCommand.class, TailCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
