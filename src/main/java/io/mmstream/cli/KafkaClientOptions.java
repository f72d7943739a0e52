package io.mmstream.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How every command reaches Kafka: the bootstrap servers and, for a secured cluster, a file of client properties
 * (security.protocol, SASL, TLS), as Kafka's own tools take with --command-config.
 */
final class KafkaClientOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers, host:port.")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (e.g. security.protocol, sasl.*, ssl.*), one key=value per line.")
    Path kafkaConfig;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    /** The client properties: the file's, then bootstrap.servers from --bootstrap. */
    Properties properties() {
        if (bootstrap == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--bootstrap'");
        }
        Properties properties = new Properties();
        if (kafkaConfig != null) {
            try (Reader reader = Files.newBufferedReader(kafkaConfig)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--kafka-config " + kafkaConfig + ": cannot be read: " + e.getMessage());
            }
        }
        properties.setProperty("bootstrap.servers", bootstrap);
        return properties;
    }
}
