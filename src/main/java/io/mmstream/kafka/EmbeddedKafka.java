package io.mmstream.kafka;

import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka broker (controller and broker combined) in this JVM, on a free loopback port,
 * for the embedded default and the tests. Its data lives in a temporary folder removed on close.
 */
public final class EmbeddedKafka implements AutoCloseable {

    public static final String LABELS_TOPIC = "mm.labels";
    public static final String TRUTH_TOPIC = "mm.truth";
    /** Where the SQL scripts of flink-jobs/ write (not the job's own topic: the job does not name it). */
    public static final String ALERTS_TOPIC = "mm.alerts";

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        PrintStream stdout = System.out;
        try {
            // the storage formatter prints its metadata to stdout; the demo's stdout is for results
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            cluster.format();
            System.setOut(stdout);
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            System.setOut(stdout);
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Properties clientProperties() {
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", bootstrapServers());
        return properties;
    }

    /** Creates every topic of the configuration (inputs, outputs, mm.labels, mm.truth and mm.alerts), leaving existing ones alone. */
    public void createTopics(JobConfig config, int partitions) throws InterruptedException, ExecutionException {
        List<String> names = new java.util.ArrayList<>(JobOptions.TOPICS.stream().map(config::get).toList());
        names.addAll(List.of(LABELS_TOPIC, TRUTH_TOPIC, ALERTS_TOPIC));
        try (Admin admin = Admin.create(clientProperties())) {
            for (String name : names) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
