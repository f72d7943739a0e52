package io.mmstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The monitoring files of deploy/: what the Grafana dashboard and the Prometheus alert rules query. */
public final class MonitoringFiles {

    public static final Path DASHBOARD = Path.of("deploy", "grafana", "mmstream-dashboard.json");
    public static final Path ALERTS = Path.of("deploy", "prometheus", "alerts.yml");
    /** A metric name, or a prefix with alternatives as in {__name__=~"prefix_(a|b)"}. */
    private static final Pattern METRIC = Pattern.compile("(flink_\\w+)(?:\\(([\\w|]+)\\))?");

    private MonitoringFiles() {}

    /** Every metric name in the dashboard's queries and the alert rules' expressions. */
    public static Set<String> metricsQueried() throws IOException {
        StringBuilder expressions = new StringBuilder();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            panel.path("targets").forEach(target -> expressions.append(target.path("expr").asText()).append('\n'));
        }
        expressions.append(Files.readString(ALERTS));
        Set<String> names = new TreeSet<>();
        Matcher metric = METRIC.matcher(expressions);
        while (metric.find()) {
            if (metric.group(2) == null) {
                names.add(metric.group(1));
            } else {
                for (String alternative : metric.group(2).split("\\|")) {
                    names.add(metric.group(1) + alternative);
                }
            }
        }
        return names;
    }
}
