package io.mmstream.cli;

import io.mmstream.job.ConfigFiles;
import io.mmstream.job.LocalFlink;
import io.mmstream.job.sql.SqlScript;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a Flink SQL script over mmstream topics on a local MiniCluster, until Ctrl-C. */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a Flink SQL script (flink-jobs/*.sql, 'format' = 'mmstream-avro') over mmstream topics on a local MiniCluster.")
final class SqlCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, the script's ${bootstrap}.")
    String bootstrap;

    @Option(names = "--file", required = true, description = "The script, e.g. flink-jobs/alerts.sql (a bare name picks the bundled one).")
    String file;

    @Option(names = "--set", description = "A value for a ${name} placeholder of the script: --set name=value.")
    List<String> assignments = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("bootstrap", bootstrap);
        for (String assignment : assignments) {
            if (!assignment.contains("=")) {
                throw new IllegalArgumentException("--set '" + assignment + "': expected name=value");
            }
            values.put(assignment.substring(0, assignment.indexOf('=')), assignment.substring(assignment.indexOf('=') + 1));
        }
        SqlScript script = SqlScript.of(file, Files.readString(ConfigFiles.resolve(file)), values);
        Configuration flink = new Configuration();
        LocalFlink web = LocalFlink.onFreePort(flink);
        TableResult job = script.run(TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(flink).build()));
        if (job == null) {
            System.out.println(file + " has no INSERT: nothing runs");
            return 0;
        }
        System.out.println("Flink SQL job " + job.getJobClient().orElseThrow().getJobID() + " running " + file + " on a local MiniCluster (web UI on "
                + web.url() + "); Ctrl-C stops");
        job.await();
        return 0;
    }
}
