package io.mmstream.config;

import static io.mmstream.config.JobOptions.*;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A validated pipeline configuration: every option of {@link JobOptions} parsed once, at start-up.
 * Errors name the file, the key and the bad value.
 */
public final class JobConfig {

    private static final Pattern SECRET_REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");
    private static final Pattern SENSITIVE_KEY = Pattern.compile("(?i).*(password|secret|jaas|token|credential|key\\.pem).*");

    /** Set by the deployment, never by the pipeline file: the directories ${file:} may read, colon-separated. */
    public static final String ALLOWED_SECRET_PATHS = "MMSTREAM_SECRET_PATHS";
    /** Set by the deployment: the prefixes of the variables ${env:} may read, comma-separated. */
    public static final String ALLOWED_SECRET_ENV_PREFIXES = "MMSTREAM_SECRET_ENV_PREFIXES";

    private final String source;
    private final Map<String, Object> values;
    private final Map<String, String> kafkaProperties;
    /** Kafka properties whose values came from a secret reference: never shown, whatever their name. */
    private final Set<String> resolvedSecrets;

    private JobConfig(String source, Map<String, Object> values, Map<String, String> kafkaProperties, Set<String> resolvedSecrets) {
        this.source = source;
        this.values = values;
        this.kafkaProperties = kafkaProperties;
        this.resolvedSecrets = resolvedSecrets;
    }

    public static JobConfig load(Path file, Map<String, String> overrides) {
        return load(file, overrides, System.getenv());
    }

    /** @param environment the process environment: secret references and their allowlist come from it */
    public static JobConfig load(Path file, Map<String, String> overrides, Map<String, String> environment) {
        try (Reader reader = Files.newBufferedReader(file)) {
            return parse(file.toString(), reader, overrides, environment);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
    }

    /** Only the defaults and the given overrides (tests, the embedded demo). */
    public static JobConfig defaults(Map<String, String> overrides) {
        return parse("(defaults)", new StringReader("{}"), overrides, System.getenv());
    }

    static JobConfig parse(String source, Reader yamlText, Map<String, String> overrides, Map<String, String> environment) {
        Map<String, String> raw = new LinkedHashMap<>();
        Object document;
        try {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
        } catch (RuntimeException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getMessage());
        }
        if (document != null && !(document instanceof Map)) {
            throw new ConfigException(source + ": must be a mapping of keys to values");
        }
        if (document != null) {
            flatten(source, "", (Map<?, ?>) document, raw);
        }
        raw.putAll(overrides);

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> kafkaProperties = new TreeMap<>();
        Set<String> resolvedSecrets = new HashSet<>();
        SecretAllowlist allowlist = SecretAllowlist.of(environment);
        for (Map.Entry<String, String> entry : raw.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(KAFKA_PROPERTIES_PREFIX)) {
                String property = key.substring(KAFKA_PROPERTIES_PREFIX.length());
                String resolved = resolveSecrets(source, key, entry.getValue(), environment, allowlist);
                if (!resolved.equals(entry.getValue())) {
                    resolvedSecrets.add(property);
                }
                kafkaProperties.put(property, resolved);
            } else if (JobOptions.ALL.stream().noneMatch(option -> option.key().equals(key))) {
                if (key.startsWith("watermark.alignment.")) {
                    throw new ConfigException(source + ": key '" + key + "' was removed: event time is kept per stream, and the sources "
                            + "are no longer aligned; delete it (README.md, 'Per-stream event time')");
                }
                throw new ConfigException(source + ": unknown key '" + key + "' (see the configuration reference in README.md)");
            } else if (SECRET_REFERENCE.matcher(entry.getValue()).find()) {
                throw new ConfigException(source + ": " + key + " = '" + entry.getValue() + "': ${env:} and ${file:} work only in kafka.properties values");
            }
        }
        for (Option<?> option : JobOptions.ALL) {
            String text = raw.getOrDefault(option.key(), option.defaultText());
            try {
                values.put(option.key(), option.parse().apply(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": " + option.key() + " = '" + text + "': " + e.getMessage());
            }
        }
        JobConfig config = new JobConfig(source, values, Collections.unmodifiableMap(kafkaProperties), Set.copyOf(resolvedSecrets));
        config.checkConsistency();
        return config;
    }

    private void checkConsistency() {
        Duration size = get(WINDOW_SIZE);
        requireThat(size.toNanos() % 1_000_000 == 0, WINDOW_SIZE, "must be a whole number of milliseconds");
        requireThat(get(WINDOW_SLIDE).toNanos() % 1_000_000 == 0, WINDOW_SLIDE, "must be a whole number of milliseconds");
        requireThat(get(WINDOW_SLIDE).compareTo(size) <= 0, WINDOW_SLIDE, "must not exceed window.size (" + raw(WINDOW_SIZE) + ")");
        requireThat(size.toNanos() % get(WINDOW_SLIDE).toNanos() == 0, WINDOW_SIZE, "must be a whole number of window.slide ("
                + raw(WINDOW_SLIDE) + "): each stream keeps its events in panes of one slide");
        requireThat(get(STREAM_RETENTION).compareTo(get(IDLENESS)) >= 0, STREAM_RETENTION, "must be at least watermark.idleness ("
                + raw(IDLENESS) + ")");
        requireThat(get(GRID_STEP).toNanos() % 1000 == 0 && get(GRID_STEP).compareTo(get(WINDOW_SLIDE)) <= 0, GRID_STEP,
                "must be whole microseconds and at most window.slide (" + raw(WINDOW_SLIDE) + ")");
        requireThat(get(WIRE_FORMAT) != WireFormat.CONFLUENT || !get(SCHEMA_REGISTRY_URL).isEmpty(), WIRE_FORMAT,
                "needs kafka.schema-registry-url, where the schemas are registered");
        requireThat(get(TRANSACTION_TIMEOUT).compareTo(Duration.ofMinutes(15)) <= 0, TRANSACTION_TIMEOUT,
                "must not exceed the broker default transaction.max.timeout.ms of 15min");
        Duration committedWithin = get(CHECKPOINT_TIMEOUT).plus(get(CHECKPOINT_INTERVAL)).plus(get(RECOVERY_BUDGET));
        requireThat(committedWithin.compareTo(get(TRANSACTION_TIMEOUT)) < 0, TRANSACTION_TIMEOUT,
                "must exceed checkpoint.timeout (" + raw(CHECKPOINT_TIMEOUT) + ") + checkpoint.interval (" + raw(CHECKPOINT_INTERVAL)
                + ") + delivery.recovery-budget (" + raw(RECOVERY_BUDGET) + ") = " + describe(committedWithin)
                + ", or the broker aborts transactions that a recovered job would still commit");
        requireThat(get(RESTART_INITIAL_BACKOFF).compareTo(get(RESTART_MAX_BACKOFF)) <= 0, RESTART_INITIAL_BACKOFF,
                "must not exceed restart.max-backoff (" + raw(RESTART_MAX_BACKOFF) + ")");
    }

    private void requireThat(boolean condition, Option<?> option, String reason) {
        if (!condition) {
            throw rejection(option, reason);
        }
    }

    /** An error naming this file, the key and its value, for checks made outside the catalogue (e.g. against model cards). */
    public ConfigException rejection(Option<?> option, String reason) {
        return new ConfigException(source + ": " + option.key() + " = '" + raw(option) + "': " + reason);
    }

    private String raw(Option<?> option) {
        Object value = values.get(option.key());
        if (value instanceof Enum<?> constant) {
            return Option.wireName(constant);
        }
        return value instanceof Duration duration ? describe(duration) : String.valueOf(value);
    }

    private static String describe(Duration duration) {
        if (duration.toNanos() % 1_000_000 != 0) {
            return duration.toNanos() / 1000 + "us";
        }
        long millis = duration.toMillis();
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "min";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static void flatten(String source, String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = prefix + entry.getKey();
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(source, key + ".", nested, out);
            } else if (value instanceof Iterable<?> list) {
                // a YAML list of single values is the same as the comma-separated text (models.run: [a, b])
                List<String> items = new ArrayList<>();
                for (Object item : list) {
                    if (item == null || item instanceof Map<?, ?> || item instanceof Iterable<?>) {
                        throw new ConfigException(source + ": " + key + " = '" + value + "': must be a single value or a list of single values");
                    }
                    items.add(item.toString());
                }
                out.put(key, String.join(",", items));
            } else if (value == null) {
                throw new ConfigException(source + ": " + key + " = 'null': must be a single value");
            } else {
                out.put(key, value.toString());
            }
        }
    }

    /**
     * ${env:NAME} and ${file:PATH} keep secrets out of the YAML file; their values are never logged. Like Kafka's own
     * config providers' allowed paths, only what the deployment allows can be read: a pipeline file must not be able
     * to read any file or variable of the JobManager into a client property that a broker or a log would then see.
     */
    private static String resolveSecrets(String source, String key, String value, Map<String, String> environment, SecretAllowlist allowlist) {
        Matcher matcher = SECRET_REFERENCE.matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String where = source + ": " + key + " = '" + matcher.group() + "': ";
            String replacement;
            if (matcher.group(1).equals("env")) {
                if (!allowlist.allowsVariable(matcher.group(2))) {
                    throw new ConfigException(where + "environment variable " + matcher.group(2) + " does not start with a prefix of "
                            + ALLOWED_SECRET_ENV_PREFIXES + " (" + allowlist.prefixes() + ")");
                }
                replacement = environment.get(matcher.group(2));
                if (replacement == null) {
                    throw new ConfigException(where + "environment variable " + matcher.group(2) + " is not set");
                }
            } else {
                Path file = allowlist.allowedFile(matcher.group(2));
                if (file == null) {
                    throw new ConfigException(where + matcher.group(2) + " is not inside a directory of " + ALLOWED_SECRET_PATHS + " ("
                            + allowlist.directories() + ")");
                }
                try {
                    replacement = Files.readString(file).strip();
                } catch (IOException e) {
                    throw new ConfigException(where + "cannot read " + matcher.group(2) + ": " + e);
                }
            }
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /** What the deployment lets secret references read: directories (resolved, links followed) and variable prefixes. */
    private record SecretAllowlist(List<Path> directories, List<String> prefixes) {

        static SecretAllowlist of(Map<String, String> environment) {
            List<Path> directories = new ArrayList<>();
            for (String dir : environment.getOrDefault(ALLOWED_SECRET_PATHS, "").split(":")) {
                if (!dir.isBlank()) {
                    try {
                        directories.add(Path.of(dir.strip()).toRealPath());
                    } catch (IOException | RuntimeException e) {
                        // a directory that does not exist allows nothing
                    }
                }
            }
            List<String> prefixes = new ArrayList<>();
            for (String prefix : environment.getOrDefault(ALLOWED_SECRET_ENV_PREFIXES, "").split(",")) {
                if (!prefix.isBlank()) {
                    prefixes.add(prefix.strip());
                }
            }
            return new SecretAllowlist(directories, prefixes);
        }

        boolean allowsVariable(String name) {
            return prefixes.stream().anyMatch(name::startsWith);
        }

        /** The file's real path when it lies inside an allowed directory, else null. */
        Path allowedFile(String name) {
            try {
                Path real = Path.of(name).toRealPath();
                return directories.stream().anyMatch(real::startsWith) ? real : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        return (T) values.get(option.key());
    }

    public String source() {
        return source;
    }

    /** The sinks' transactional id prefix: as configured, or derived from the job's name and its consumer group. */
    public String transactionalIdPrefix() {
        String configured = get(TRANSACTIONAL_ID_PREFIX);
        return configured.isEmpty() ? get(JOB_NAME) + "-" + get(GROUP_ID) : configured;
    }

    /** Client properties for every Kafka source and sink: the pass-through ones plus bootstrap servers. */
    public Properties kafkaProperties() {
        Properties properties = new Properties();
        properties.putAll(kafkaProperties);
        properties.setProperty("bootstrap.servers", get(BOOTSTRAP_SERVERS));
        return properties;
    }

    /** Every effective setting, secrets masked: safe to log. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((key, value) -> shown.put(key, value instanceof Duration d ? describe(d)
                : value instanceof Enum<?> e ? Option.wireName(e) : String.valueOf(value)));
        kafkaProperties.forEach((key, value) -> shown.put(KAFKA_PROPERTIES_PREFIX + key,
                resolvedSecrets.contains(key) || SENSITIVE_KEY.matcher(key).matches() ? "******" : value));
        return source + " " + shown;
    }
}
