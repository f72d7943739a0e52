package io.mmstream.job.sql;

import io.mmstream.job.ConfigFiles;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Entry point for a SQL script on a Flink cluster:
 * {@code flink run -c io.mmstream.job.sql.SqlJob mmstream-job.jar --file falls-per-minute.sql --set bootstrap=HOST:PORT}.
 * A bare file name picks the script bundled from flink-jobs/.
 */
public final class SqlJob {

    private SqlJob() {}

    public static void main(String[] args) throws Exception {
        String file = null;
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--file") && i + 1 < args.length) {
                file = args[++i];
            } else if (args[i].equals("--set") && i + 1 < args.length && args[i + 1].contains("=")) {
                String assignment = args[++i];
                values.put(assignment.substring(0, assignment.indexOf('=')), assignment.substring(assignment.indexOf('=') + 1));
            } else {
                throw new IllegalArgumentException("usage: --file NAME.sql [--set name=value ...]; unexpected '" + args[i] + "'");
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("usage: --file NAME.sql [--set name=value ...]");
        }
        SqlScript script = SqlScript.of(file, Files.readString(ConfigFiles.resolve(file)), values);
        script.run(TableEnvironment.create(EnvironmentSettings.inStreamingMode()));
    }
}
