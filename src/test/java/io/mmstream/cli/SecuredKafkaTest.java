package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.dashboard.DashboardState;
import io.mmstream.dashboard.PredictionFeed;
import io.mmstream.job.MmstreamJob;
import io.mmstream.job.Pipeline;
import io.mmstream.schema.Prediction;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job and every command that reaches Kafka against a broker secured as production ones are (SASL_SSL with
 * SCRAM, the standard authorizer, ACLs): with the right credentials everything works; a user without rights and a
 * wrong password are refused with one clear line; and no password appears in any log or output, at INFO level.
 */
class SecuredKafkaTest {

    private static final String JOB_USER = "mmstream-job";
    private static final String OPS_USER = "mmstream-ops";
    private static final String INTRUDER = "intruder";
    private static final String GROUP = "secured";
    private static final List<String> INPUTS = List.of("mm.video", "mm.audio", "mm.sensor", "mm.text");
    private static final List<String> OUTPUTS = List.of("mm.predictions", "mm.embeddings", "mm.audio.separated", "mm.late", "mm.deadletter");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).setConfiguration(noRestarts()).build());

    @TempDir
    static Path dir;
    private static SecuredKafkaBroker broker;
    private static final ByteArrayOutputStream LOGS = new ByteArrayOutputStream();
    private static WriterAppender capture;

    private static Configuration noRestarts() {
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return configuration;
    }

    @BeforeAll
    static void start() throws Exception {
        // everything Kafka, Flink and we log at INFO, where client configurations are printed, is kept to be searched
        LoggerContext context = LoggerContext.getContext(false);
        capture = WriterAppender.newBuilder().setName("secrets-capture").setTarget(new PrintWriter(LOGS, true, StandardCharsets.UTF_8))
                .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build()).build();
        capture.start();
        context.getConfiguration().getRootLogger().addAppender(capture, Level.INFO, null);
        Configurator.setRootLevel(Level.INFO);

        broker = new SecuredKafkaBroker(dir, List.of(JOB_USER, OPS_USER, INTRUDER));
        try (Admin admin = Admin.create(broker.client("admin"))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : List.of("mm.video", "mm.audio", "mm.sensor", "mm.text", "mm.labels", "mm.truth", "mm.predictions", "mm.embeddings", "mm.audio.separated", "mm.late", "mm.deadletter")) {
                topics.add(new NewTopic(topic, 2, (short) 1));
            }
            admin.createTopics(topics).all().get();
            List<AclBinding> acls = new ArrayList<>();
            // the job: exactly what deploy/k8s/kafka.yaml grants it
            for (String input : INPUTS) {
                allow(acls, JOB_USER, ResourceType.TOPIC, input, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            }
            for (String output : OUTPUTS) {
                allow(acls, JOB_USER, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            }
            allow(acls, JOB_USER, ResourceType.GROUP, GROUP, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
            allow(acls, JOB_USER, ResourceType.TRANSACTIONAL_ID, "mmstream-" + GROUP, PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE);
            // the people and devices around it: publish inputs and labels, read every mmstream topic with their own groups
            allow(acls, OPS_USER, ResourceType.TOPIC, "mm.", PatternType.PREFIXED, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
            allow(acls, OPS_USER, ResourceType.GROUP, "mmstream-", PatternType.PREFIXED, AclOperation.READ, AclOperation.DESCRIBE);
            admin.createAcls(acls).all().get();
        }
        // ACLs reach the broker's authorizer through the metadata log a moment after they are created
        awaitDescribable(JOB_USER, List.of("mm.video", "mm.audio", "mm.sensor", "mm.text", "mm.predictions", "mm.embeddings", "mm.audio.separated", "mm.late", "mm.deadletter"));
        awaitDescribable(OPS_USER, List.of("mm.video", "mm.audio", "mm.sensor", "mm.text", "mm.labels", "mm.truth", "mm.predictions", "mm.embeddings", "mm.audio.separated", "mm.late", "mm.deadletter"));
    }

    private static void awaitDescribable(String user, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(broker.client(user))) {
            while (true) {
                try {
                    admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
                    return;
                } catch (java.util.concurrent.ExecutionException notYet) {
                    assertThat(System.nanoTime()).as("%s's ACLs applied: %s", user, notYet.getCause()).isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
        }
    }

    private static void allow(List<AclBinding> acls, String user, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (capture != null) {
            LoggerContext.getContext(false).getConfiguration().getRootLogger().removeAppender(capture.getName());
            Configurator.setRootLevel(Level.WARN);
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theJobAndEveryCommandWorkWithTheirCredentialsAndNothingElseDoes() throws Exception {
        Path ops = broker.clientFile(OPS_USER, broker.password(OPS_USER));
        Path csv = Files.writeString(dir.resolve("imu.csv"), "seconds,ax,ay,az,gx,gy,gz\n" + imuRows(400));
        StringBuilder outputs = new StringBuilder();

        // devices publish: the simulator (camera, microphone, IMU, labels) and produce (a real sensor log)
        outputs.append(command(0, "simulate", "--bootstrap", broker.bootstrap(), "--kafka-config", ops.toString(), "--streams", "1",
                "--duration", "6s", "--fast"));
        outputs.append(command(0, "produce", "--bootstrap", broker.bootstrap(), "--kafka-config", ops.toString(), "--stream-id", "imu-log",
                "--sensor", csv.toString(), "--fast"));

        // the job, as its own user, its password read from a file the deployment allows
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("password"), broker.password(JOB_USER));
        Path pipeline = Files.writeString(dir.resolve("pipeline.yaml"), String.join("\n",
                "kafka:",
                "  bootstrap-servers: " + broker.bootstrap(),
                "  group-id: " + GROUP,
                "  properties:",
                "    security.protocol: SASL_SSL",
                "    sasl.mechanism: SCRAM-SHA-512",
                "    sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + JOB_USER
                        + "\" password=\"${file:" + secrets.resolve("password") + "}\";",
                "    ssl.truststore.type: PEM",
                "    ssl.truststore.location: " + dir.resolve("ca.pem"),
                "source:",
                "  starting-offsets: earliest",
                "  bounded: true",
                "checkpoint:",
                "  interval: 500ms",
                ""));
        JobConfig config = JobConfig.load(pipeline, Map.of(), Map.of(JobConfig.ALLOWED_SECRET_PATHS, secrets.toString()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(noRestarts());
        MmstreamJob.configure(env, config);
        Pipeline.build(env, config);
        JobClient job = env.executeAsync("mmstream-secured");
        assertThat(job.getJobExecutionResult().get(3, TimeUnit.MINUTES)).isNotNull();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);

        List<Prediction> predictions = committedPredictions();
        assertThat(predictions).extracting(Prediction::getStreamId).contains("stream-000", "imu-log");

        // everything downstream reads them with the operators' user
        String tail = command(0, "tail", "--bootstrap", broker.bootstrap(), "--kafka-config", ops.toString(), "--topic", "mm.predictions",
                "--from-beginning", "--max", Integer.toString(predictions.size()));
        assertThat(tail.lines().filter(line -> line.startsWith("mm.predictions/"))).hasSize(predictions.size());
        String eval = command(0, "eval", "--live", "--bootstrap", broker.bootstrap(), "--kafka-config", ops.toString(), "--from-beginning",
                "--every", "1s", "--duration", "8s");
        Matcher scored = Pattern.compile("\"windows\": ([1-9]\\d*)").matcher(eval);
        assertThat(scored.find()).as(eval).isTrue();
        DashboardState state = new DashboardState(66_667);
        // the dashboard command's own feed, with the client properties its options make
        KafkaClientOptions dashboard = new KafkaClientOptions();
        dashboard.bootstrap = broker.bootstrap();
        dashboard.kafkaConfig = ops;
        try (PredictionFeed feed = new PredictionFeed(dashboard.properties(),
                new PredictionFeed.Topics("mm.predictions", "mm.labels", "mm.late", "mm.deadletter"), true, state)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (state.streams() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(state.streams()).as("streams on the dashboard").isEqualTo(2);
        }
        outputs.append(tail).append(eval);

        // a user without rights, and a wrong password: one clear line each, no stack trace
        String refused = command(3, "tail", "--bootstrap", broker.bootstrap(), "--kafka-config",
                broker.clientFile(INTRUDER, broker.password(INTRUDER)).toString(), "--topic", "mm.predictions", "--from-beginning", "--max", "1");
        assertThat(refused).contains("error: Kafka refused this client: ").containsIgnoringCase("not authorized").doesNotContain("\tat ");
        String wrongPassword = command(3, "simulate", "--bootstrap", broker.bootstrap(), "--kafka-config",
                broker.clientFile(OPS_USER, "not-the-password").toString(), "--streams", "1", "--duration", "2s", "--fast");
        assertThat(wrongPassword).contains("error: Kafka refused this client: ").containsIgnoringCase("authentication failed");
        outputs.append(refused).append(wrongPassword);

        // no secret anywhere: our logs and Kafka's and Flink's at INFO, every command's output, the broker's own log
        String everything = LOGS.toString(StandardCharsets.UTF_8) + outputs + Files.readString(broker.log());
        assertThat(LOGS.toString(StandardCharsets.UTF_8)).as("the INFO logs were captured").contains("ConsumerConfig values");
        for (String secret : broker.secrets()) {
            assertThat(everything).as("a password in the logs or the output").doesNotContain(secret);
        }
    }

    private static List<Prediction> committedPredictions() throws Exception {
        var properties = broker.client("admin");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Prediction> predictions = new ArrayList<>();
        // the job has finished, its last transaction committed: everything up to the end offsets is all there is
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("mm.predictions").stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    predictions.add(WireCodec.decode(Prediction.class, record.value()));
                }
            }
        }
        return predictions;
    }

    /** Runs a command as `java -jar mmstream.jar` would, expecting its exit code; returns what it printed. */
    private static String command(int expectedExit, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            exit = Main.commandLine().setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("%s: %s", String.join(" ", args), printed).isEqualTo(expectedExit);
        return printed;
    }

    private static String imuRows(int rows) {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            csv.append(String.format(java.util.Locale.ROOT, "%.2f,0.1,0.2,9.8,0.01,0.02,0.03%n", i * 0.01));
        }
        return csv.toString();
    }
}
