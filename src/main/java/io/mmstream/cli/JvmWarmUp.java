package io.mmstream.cli;

import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import io.mmstream.job.MmstreamJob;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A few seconds of simulated input through the whole job once, on topics of its own, before the embedded default's
 * sources start. In one JVM on two cores the JIT compiling Flink's, Kafka's, Avro's and our code took most of a core
 * for the first minute (BENCHMARKS.md), and a job started cold fell seconds behind its input; after this, the real
 * job starts on compiled code. A cluster's TaskManagers live long and need none of it.
 */
final class JvmWarmUp {

    private static final int STREAMS = 4;
    private static final long SECONDS = 6;

    private JvmWarmUp() {}

    /** @return how long it took, in seconds */
    static double run(EmbeddedKafka kafka, Path configFile, Map<String, String> overrides) throws Exception {
        long started = System.nanoTime();
        Map<String, String> values = new HashMap<>(overrides);
        for (var topic : JobOptions.TOPICS) {
            values.put(topic.key(), "warm-up." + topic.key().substring("topics.".length()));
        }
        values.put(JobOptions.BOUNDED.key(), "true");
        values.put(JobOptions.STARTING_OFFSETS.key(), "earliest");
        values.put(JobOptions.GROUP_ID.key(), "mmstream-warm-up-" + UUID.randomUUID());
        values.put(JobOptions.DELIVERY_GUARANTEE.key(), "at-least-once");
        // no checkpoint in a run of seconds: none to decline as the bounded tasks finish, no offsets to commit
        values.put(JobOptions.CHECKPOINT_INTERVAL.key(), "1min");
        JobConfig config = JobConfig.load(configFile, values);
        kafka.createTopics(config, config.get(JobOptions.PARALLELISM));

        long epochMicros = (System.currentTimeMillis() - 60_000) * 1000;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SimRecord record : new SceneSimulator(SimulationSettings.defaults(STREAMS), epochMicros)
                    .records(epochMicros, epochMicros + SECONDS * 1_000_000)) {
                producer.send(new ProducerRecord<>(config.get(JobOptions.inputTopic(record.modality())),
                        record.streamId().getBytes(StandardCharsets.UTF_8), record.value()));
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(MmstreamJob.flinkConfiguration(config));
        MmstreamJob.configure(env, config);
        Pipeline.build(env, config);
        env.execute("mmstream warm-up");
        return (System.nanoTime() - started) / 1e9;
    }
}
