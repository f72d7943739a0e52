package io.mmstream.job;

import static io.mmstream.config.JobOptions.*;

import io.mmstream.config.JobConfig;
import io.mmstream.config.Option;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the job jar on a Flink cluster: {@code --config flink-jobs/NAME.yaml [--set key=value ...]}.
 * A relative config path that is not a file is looked up in the jar, so the bundled pipelines need no copy.
 */
public final class MmstreamJob {

    private static final Logger LOG = LoggerFactory.getLogger(MmstreamJob.class);

    private MmstreamJob() {}

    public static void main(String[] args) throws Exception {
        run(args, flink -> {});
    }

    /** Runs the job of the arguments, with settings of a local run (a metrics reporter) added to Flink's configuration. */
    public static void run(String[] args, Consumer<Configuration> localSettings) throws Exception {
        run(args, localSettings, Pipeline::build);
    }

    /** Runs the given graph with the configuration of the arguments (the benchmark's naive baseline on a cluster). */
    public static void run(String[] args, Consumer<Configuration> localSettings, BiConsumer<StreamExecutionEnvironment, JobConfig> graph) throws Exception {
        JobArguments arguments = JobArguments.parse(args, "--config", "--config flink-jobs/NAME.yaml [--set key=value ...]");
        String configPath = arguments.file();
        Map<String, String> overrides = arguments.values();
        JobConfig config = configPath == null ? JobConfig.defaults(overrides) : JobConfig.load(ConfigFiles.resolve(configPath), overrides);
        LOG.info("Starting {} with {}", config.get(JOB_NAME), config);
        Configuration flink = flinkConfiguration(config);
        localSettings.accept(flink);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        configure(env, config);
        graph.accept(env, config);
        env.execute(config.get(JOB_NAME));
    }

    /** Settings of the configuration that belong to Flink itself rather than to the graph. */
    public static Configuration flinkConfiguration(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(StateBackendOptions.STATE_BACKEND, Option.wireName(config.get(STATE_BACKEND)));
        // a failure restarts the job after a growing pause, for ever: an outage of Kafka or of a TaskManager never fails it
        // for good, and after a healthy period the pause starts short again
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, config.get(RESTART_INITIAL_BACKOFF));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, config.get(RESTART_MAX_BACKOFF));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, config.get(RESTART_RESET_AFTER));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        if (!config.get(CHECKPOINT_DIR).isEmpty()) {
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.get(CHECKPOINT_DIR));
        }
        return flink;
    }

    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        env.setParallelism(config.get(PARALLELISM));
        env.enableCheckpointing(config.get(CHECKPOINT_INTERVAL).toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointTimeout(config.get(CHECKPOINT_TIMEOUT).toMillis());
        env.getConfig().setAutoWatermarkInterval(config.get(WATERMARK_INTERVAL).toMillis());
        env.setBufferTimeout(config.get(BUFFER_TIMEOUT).toMillis());
        // no operator changes its input objects, and the batching operators, which keep theirs, get fresh ones from
        // the operators chained before them: so chained operators may share objects instead of Flink copying every
        // record (a frame's JPEG included) at each chained step
        env.getConfig().enableObjectReuse();
    }
}
