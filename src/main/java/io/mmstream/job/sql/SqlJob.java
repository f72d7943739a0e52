package io.mmstream.job.sql;

import io.mmstream.job.ConfigFiles;
import io.mmstream.job.JobArguments;
import java.nio.file.Files;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Entry point for a SQL script on a Flink cluster:
 * {@code flink run -c io.mmstream.job.sql.SqlJob mmstream-job.jar --file alerts.sql --set bootstrap=HOST:PORT}.
 * A bare file name picks the script bundled from flink-jobs/.
 */
public final class SqlJob {

    private SqlJob() {}

    public static void main(String[] args) throws Exception {
        JobArguments arguments = JobArguments.parse(args, "--file", "--file NAME.sql [--set name=value ...]");
        if (arguments.file() == null) {
            throw new IllegalArgumentException("usage: --file NAME.sql [--set name=value ...]");
        }
        SqlScript script = SqlScript.of(arguments.file(), Files.readString(ConfigFiles.resolve(arguments.file())), arguments.values());
        script.run(TableEnvironment.create(EnvironmentSettings.inStreamingMode()));
    }
}
