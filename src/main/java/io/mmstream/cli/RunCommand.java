package io.mmstream.cli;

import io.mmstream.job.LocalFlink;
import io.mmstream.job.MmstreamJob;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the job of a pipeline file against an existing Kafka, on a local Flink MiniCluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a pipeline (flink-jobs/*.yaml) on a local Flink MiniCluster against any Kafka.")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "Pipeline file, e.g. flink-jobs/local.yaml.")
    String config;

    @Option(names = "--set", description = "Override one key, e.g. --set kafka.bootstrap-servers=host:9092.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--metrics-port", defaultValue = "9249",
            description = "Port of the Prometheus metrics endpoint, a free one if taken; 0 for any free port (default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of("--config", config));
        overrides.forEach(assignment -> args.addAll(List.of("--set", assignment)));
        MmstreamJob.run(args.toArray(String[]::new),
                flink -> System.out.println("Prometheus metrics on " + LocalFlink.prometheusOn(flink, metricsPort)));
        return 0;
    }
}
