package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.codec.HostileRecords;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once through failures on a real standalone Flink cluster (deploy/local/cluster.sh: a JobManager and
 * TaskManagers as separate JVMs, a Kafka broker process). The simulator feeds a bounded set of streams at capture
 * pace; after completed checkpoints a TaskManager is killed with -9 and replaced, three times; then the whole
 * Flink cluster is killed and the job restarted from its latest retained checkpoint with the same transactional
 * id prefix. The committed predictions must equal, window for window, those of a failure-free run of the same input.
 */
class ClusterFaultIT {

    private static final Configuration NO_RESTARTS = MiniClusters.NO_RESTARTS;

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final Path CLUSTER = Path.of("deploy/local/cluster.sh");
    private static final Path WORK = Path.of("target/cluster").toAbsolutePath();
    private static final long EPOCH = DatasetWriter.EPOCH_MICROS;
    private static final long SECOND = 1_000_000;
    /**
     * Long enough that data still flows when the third TaskManager is killed, a recovery being measured by new predictions:
     * each kill costs about 30 s (a cold TaskManager loads the models), and the hostile records a few seconds more.
     */
    private static final int SECONDS = 130;
    private static final SimulationSettings INPUT = SimulationSettings.defaults(3).withSeed(5000);
    private static final List<String> STREAMS = List.of("stream-000", "stream-001", "stream-002");

    private static Map<String, String> environment;
    private static String bootstrap;
    private static int restPort;
    private static int metricsPort;

    @BeforeAll
    static void startCluster() throws Exception {
        // a fresh broker and no old checkpoints; each Flink process takes the first free metrics port of its range
        LocalClusterEnvironment ports = LocalClusterEnvironment.fresh(WORK);
        environment = ports.variables();
        restPort = ports.restPort();
        metricsPort = ports.metricsPort();
        bootstrap = ports.bootstrap();
        cluster("start", "2");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : List.of("video", "audio", "sensor", "text", "predictions", "late", "deadletter", "reference", "reference-late",
                    "reference-deadletter")) {
                topics.add(new NewTopic("fault." + topic, 2, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (environment != null) {
            cluster("stop");
        }
    }

    @Test
    void noPredictionIsLostOrDuplicatedThroughTaskManagerKillsAndAWholeClusterRestart() throws Exception {
        List<String> args = jobArgs("fault.predictions", "fault.late", "fault.deadletter", "fault");
        String job = run(Map.of(), concat("submit", args)).strip();
        assertThat(job).as("job id from the REST API").matches("[0-9a-f]{32}");

        try (KafkaTestClient client = new KafkaTestClient(bootstrap)) {
            await(Duration.ofSeconds(120), "every task of " + job + " running", () -> allTasksRunning(job));
            Thread publisher = new Thread(() -> publishAtCapturePace(client), "fault-publisher");
            publisher.start();

            // every record that once made the job restart for ever, mixed into the live streams once both TaskManagers are warm;
            // their memory: the peak of the clean part of the run, against the peak while the hostile records are read,
            // until every one of them is a committed dead letter (after a kill, a fresh TaskManager's warm-up would blur it)
            TaskManagerMemory clean = new TaskManagerMemory();
            clean.start();
            awaitPredictionEmittedAfter(client, 0, "the start");
            for (int checkpoints = 0; checkpoints < 10; checkpoints++) {
                awaitNewCheckpoint(job, Duration.ofSeconds(90));
            }
            long[] memory = {clean.stopSampling(), 0};
            TaskManagerMemory peak = new TaskManagerMemory();
            peak.start();
            sendHostileRecords(client);
            await(Duration.ofSeconds(90), "a dead letter for every hostile record",
                    () -> client.readCommitted("fault.deadletter").size() >= hostile.size());
            memory[1] = peak.stopSampling();

            List<Long> recoveries = new ArrayList<>();
            int next = 3;
            int kills = 3;
            for (int kill = 1; kill <= kills; kill++) {
                awaitNewCheckpoint(job, Duration.ofSeconds(90));
                long killed = System.currentTimeMillis();
                // the TaskManager numbers in use are those started last: kill the older of the two
                cluster("taskmanager", "kill", Integer.toString(next - 2));
                cluster("taskmanager", "start", Integer.toString(next++));
                recoveries.add(awaitPredictionEmittedAfter(client, killed, "kill " + kill) - killed);
            }
            publisher.join();
            List<String> failures = failures(job);

            // the whole cluster goes down abruptly; the job comes back from its latest retained checkpoint
            awaitNewCheckpoint(job, Duration.ofSeconds(90));
            cluster("flink", "kill");
            long killed = System.currentTimeMillis();
            Path checkpoint = latestCheckpoint(job);
            cluster("flink", "start", "2");
            String restored = clusterWithSavepoint(checkpoint, args).strip();
            assertThat(restored).matches("[0-9a-f]{32}");
            long restartRecovery = awaitPredictionEmittedAfter(client, killed, "the whole-cluster restart") - killed;
            // checked here, not at the start: the fault sequence's timing against the publisher stays as it was
            await(Duration.ofSeconds(60), "the restarted cluster's Prometheus endpoints report predictions", () -> predictionsReported() > 0);

            Map<String, TreeMap<Long, Prediction>> faulty = awaitAllWindows(client, "fault.predictions");
            Map<String, TreeMap<Long, Prediction>> reference = failureFreeRun(client);
            // every failure is infrastructure: the kills, and at times the Kafka connector's own race (a WakeupException while
            // committing offsets after a restore); a record that failed the job would show our code in its stack trace
            assertThat(failures).as("failures of the job").hasSizeGreaterThanOrEqualTo(kills)
                    .allSatisfy(failure -> assertThat(failure).as("a failure from our code").doesNotContain("io.mmstream"));
            assertThat(failures(restored)).as("failures of the restored job")
                    .allSatisfy(failure -> assertThat(failure).as("a failure from our code").doesNotContain("io.mmstream"));
            assertDeadLettersAreTheHostileRecords(client, "fault.deadletter");
            assertDeadLettersAreTheHostileRecords(client, "fault.reference-deadletter");
            assertThat(lateEvents(client, "fault.late")).as("late events, against the failure-free run")
                    .isEqualTo(lateEvents(client, "fault.reference-late"));
            assertThat(memory[1]).as("TaskManager peak RSS while the hostile records were read (MB), against the clean run's peak (%d MB)", memory[0])
                    .isPositive().isLessThanOrEqualTo(memory[0] + 200);

            int windows = faulty.values().stream().mapToInt(Map::size).sum();
            int labelsCompared = 0;
            double largestScoreDifference = 0;
            assertThat(faulty.keySet()).isEqualTo(reference.keySet());
            for (String stream : reference.keySet()) {
                assertThat(faulty.get(stream).keySet()).as("windows of %s", stream).isEqualTo(reference.get(stream).keySet());
                for (Map.Entry<Long, Prediction> entry : reference.get(stream).entrySet()) {
                    Prediction expected = entry.getValue();
                    Prediction actual = faulty.get(stream).get(entry.getKey());
                    assertThat(actual.getCoverage().toString()).as("what the window of %s at %d held", stream, entry.getKey())
                            .isEqualTo(expected.getCoverage().toString());
                    PipelineAccuracyTest.assertSameOffset(actual.getAvOffsetMicros(), expected.getAvOffsetMicros(), "sync of " + stream + " at " + entry.getKey());
                    // the stream's sync estimate lives in keyed state: restored, it goes on as if nothing had happened
                    PipelineAccuracyTest.assertSameOffset(actual.getStreamAvOffsetMicros(), expected.getStreamAvOffsetMicros(), "stream sync of " + stream + " at " + entry.getKey());
                    assertThat(actual.getStreamSyncWindows()).isEqualTo(expected.getStreamSyncWindows());
                    for (int r = 0; r < expected.getResults().size(); r++) {
                        TaskResult e = expected.getResults().get(r);
                        TaskResult a = actual.getResults().get(r);
                        assertThat(a.getLabel()).as("%s of %s at %d", e.getTask(), stream, entry.getKey()).isEqualTo(e.getLabel());
                        labelsCompared++;
                        for (int i = 0; i < e.getScores().size(); i++) {
                            float difference = Math.abs(a.getScores().get(i).getScore() - e.getScores().get(i).getScore());
                            largestScoreDifference = Math.max(largestScoreDifference, difference);
                            assertThat(a.getScores().get(i).getScore()).isCloseTo(e.getScores().get(i).getScore(), within(1e-4f));
                        }
                    }
                }
            }
            System.out.printf("cluster fault test: %d windows, %d labels equal to the failure-free run, largest score difference %.2e; "
                    + "recovery (kill -9 of a TaskManager to the first committed prediction emitted after it) %s ms; whole-cluster kill "
                    + "to the first committed prediction of the restored job %d ms; %d failures and restarts for %d kills; %d hostile records, %d dead letters; "
                    + "TaskManager peak RSS %d MB in the clean part of the run, %d MB while the hostile records were read%n", windows, labelsCompared, largestScoreDifference,
                    recoveries, restartRecovery, failures.size(), kills, hostile.size(), hostile.size(), memory[0], memory[1]);
        }
    }

    private static final List<HostileRecords.Hostile> hostile = HostileRecords.all(STREAMS.get(1), EPOCH + 10 * SECOND, 900_000);
    /** Where each hostile record was written, with the error its dead letter must give. */
    private static final Map<String, String> hostileErrors = new HashMap<>();

    private static void sendHostileRecords(KafkaTestClient client) {
        for (HostileRecords.Hostile record : hostile) {
            String topic = "fault." + record.modality().wireName();
            RecordMetadata written = client.send(topic, null, record.key(), record.value());
            hostileErrors.put(topic + "/" + written.partition() + "@" + written.offset(), record.expectedError());
        }
    }

    /** Exactly one committed dead letter per hostile record, with its error, and nothing else. */
    private static void assertDeadLettersAreTheHostileRecords(KafkaTestClient client, String topic) throws IOException {
        Map<String, String> errors = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : client.readCommitted(topic)) {
            DeadLetter letter = WireCodec.decode(DeadLetter.class, record.value());
            String where = letter.getSourceTopic() + "/" + letter.getPartition() + "@" + letter.getOffset();
            assertThat(errors.put(where, letter.getError())).as("a second dead letter for %s on %s", where, topic).isNull();
        }
        assertThat(errors.keySet()).as("dead letters on %s", topic).isEqualTo(hostileErrors.keySet());
        errors.forEach((where, error) -> assertThat(error).as(where).contains(hostileErrors.get(where)));
    }

    private static List<String> lateEvents(KafkaTestClient client, String topic) throws IOException {
        List<String> late = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : client.readCommitted(topic)) {
            LateEvent event = WireCodec.decode(LateEvent.class, record.value());
            late.add(event.getStreamId() + "/" + event.getModality() + "@" + Times.micros(event.getCaptureTime()));
        }
        java.util.Collections.sort(late);
        return late;
    }

    /** The root cause of every failure (each followed by a restart) in the job's exception history, with its stack trace. */
    private static List<String> failures(String job) throws IOException {
        String answer = rest("/jobs/" + job + "/exceptions");
        JsonNode entries = new ObjectMapper().readTree(answer).path("exceptionHistory").path("entries");
        assertThat(entries.isArray()).as("exception history of %s: %s", job, answer).isTrue();
        List<String> failures = new ArrayList<>();
        entries.forEach(entry -> failures.add(entry.path("exceptionName").asText() + ": " + entry.path("stacktrace").asText()));
        return failures;
    }

    /** The largest resident memory of the running TaskManagers now, in MB. */
    private static long taskManagersResidentMb() {
        long largest = 0;
        try (var pids = Files.newDirectoryStream(WORK.resolve("pids"), "taskmanager-*.pid")) {
            for (Path pid : pids) {
                for (String line : Files.readAllLines(Path.of("/proc", Files.readString(pid).strip(), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        largest = Math.max(largest, Long.parseLong(line.replaceAll("\\D", "")) / 1024);
                    }
                }
            }
        } catch (IOException e) {
            // a TaskManager killed between listing and reading: the next sample sees the new one
        }
        return largest;
    }

    /** Samples {@link #taskManagersResidentMb} every 200 ms until stopped; returns the peak. */
    private static final class TaskManagerMemory extends Thread {
        private volatile boolean running = true;
        private volatile long peakMb;

        TaskManagerMemory() {
            super("taskmanager-memory");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                peakMb = Math.max(peakMb, taskManagersResidentMb());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long stopSampling() throws InterruptedException {
            running = false;
            join();
            return Math.max(peakMb, taskManagersResidentMb());
        }
    }

    private static List<String> jobArgs(String predictions, String late, String deadLetters, String prefix) {
        List<String> args = new ArrayList<>(List.of("--config", "local.yaml"));
        Map<String, String> set = new LinkedHashMap<>(settings(predictions, late, deadLetters, prefix));
        set.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return args;
    }

    private static Map<String, String> settings(String predictions, String late, String deadLetters, String prefix) {
        return Map.ofEntries(Map.entry("kafka.bootstrap-servers", bootstrap), Map.entry("kafka.group-id", prefix),
                Map.entry("topics.video", "fault.video"), Map.entry("topics.audio", "fault.audio"), Map.entry("topics.sensor", "fault.sensor"), Map.entry("topics.text", "fault.text"),
                Map.entry("topics.predictions", predictions), Map.entry("topics.late", late), Map.entry("topics.deadletter", deadLetters),
                Map.entry("source.starting-offsets", "earliest"), Map.entry("checkpoint.interval", "1s"),
                Map.entry("delivery.guarantee", "exactly-once"), Map.entry("delivery.transactional-id-prefix", prefix),
                Map.entry("state.backend", "rocksdb"), Map.entry("parallelism", "2"), Map.entry("window.lateness", "300ms"),
                Map.entry("watermark.out-of-orderness.video", "300ms"), Map.entry("watermark.out-of-orderness.audio", "300ms"),
                Map.entry("watermark.out-of-orderness.sensor", "300ms"),
                // the last windows close once the inputs have been quiet this long: after the last record, and after the
                // restored job has replayed everything
                Map.entry("watermark.idleness", "10s"));
    }

    /** The input as devices would deliver it, paced by delivery time, so that the failures fall during the run. */
    private static void publishAtCapturePace(KafkaTestClient client) {
        List<SimRecord> records = new SceneSimulator(INPUT, EPOCH).records(EPOCH, EPOCH + SECONDS * SECOND);
        long started = System.nanoTime();
        long first = records.get(0).deliveryMicros();
        for (SimRecord record : records) {
            long due = started + (record.deliveryMicros() - first) * 1000;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            client.sendAsync("fault." + record.modality().wireName(), record.streamId().getBytes(StandardCharsets.UTF_8), record.value());
        }
        client.flush();
    }

    /** The same input through the same job on a MiniCluster in this JVM, nothing failing. */
    private static Map<String, TreeMap<Long, Prediction>> failureFreeRun(KafkaTestClient client) throws Exception {
        JobConfig config = JobConfig.defaults(settings("fault.reference", "fault.reference-late", "fault.reference-deadletter", "reference"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(NO_RESTARTS);
        MmstreamJob.configure(env, config);
        Pipeline.build(env, config);
        JobClient job = env.executeAsync("mmstream-reference");
        try {
            return awaitAllWindows(client, "fault.reference");
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    /** Every window the input covers, by stream and start, read_committed; fails on a second prediction for a window. */
    private static Map<String, TreeMap<Long, Prediction>> awaitAllWindows(KafkaTestClient client, String topic) {
        List<Long> core = new ArrayList<>();
        for (long start = EPOCH - SECOND; start <= EPOCH + (SECONDS - 1) * SECOND; start += SECOND) {
            core.add(start);
        }
        List<ConsumerRecord<byte[], byte[]>> records = client.awaitCommitted(topic, Duration.ofMinutes(3), "every window on " + topic, r -> {
            Map<String, TreeMap<Long, Prediction>> seen = byWindow(r);
            return STREAMS.stream().allMatch(stream -> seen.containsKey(stream) && seen.get(stream).keySet().containsAll(core));
        });
        Map<String, TreeMap<Long, Prediction>> windows = byWindow(records);
        int count = windows.values().stream().mapToInt(Map::size).sum();
        assertThat(records).as("exactly one prediction per window on %s", topic).hasSize(count);
        return windows;
    }

    private static Map<String, TreeMap<Long, Prediction>> byWindow(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, TreeMap<Long, Prediction>> windows = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                Prediction p = WireCodec.decode(Prediction.class, record.value());
                windows.computeIfAbsent(p.getStreamId(), k -> new TreeMap<>()).put(Times.micros(p.getWindowStart()), p);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return windows;
    }

    /** Waits for a committed prediction that the job emitted after the given wall-clock time; returns when it was seen. */
    private static long awaitPredictionEmittedAfter(KafkaTestClient client, long afterMillis, String what) throws InterruptedException {
        await(Duration.ofSeconds(120), "a prediction emitted and committed after " + what,
                () -> byWindow(client.readCommitted("fault.predictions")).values().stream().flatMap(w -> w.values().stream())
                        .anyMatch(p -> p.getEmitTime().toEpochMilli() >= afterMillis));
        return System.currentTimeMillis();
    }

    private static void awaitNewCheckpoint(String job, Duration timeout) throws Exception {
        long before = completedCheckpoints(job);
        await(timeout, "a completed checkpoint of " + job, () -> completedCheckpoints(job) > before);
    }

    private static long completedCheckpoints(String job) {
        Matcher completed = Pattern.compile("\"completed\":(\\d+)").matcher(rest("/jobs/" + job + "/checkpoints"));
        return completed.find() ? Long.parseLong(completed.group(1)) : -1;
    }

    private static boolean allTasksRunning(String job) {
        Matcher counts = Pattern.compile("\"status-counts\":\\{([^}]*)\\}").matcher(rest("/jobs/" + job));
        if (!counts.find()) {
            return false;
        }
        String tasks = counts.group(1);
        return tasks.matches(".*\"RUNNING\":[1-9].*") && !tasks.matches(".*\"(CREATED|SCHEDULED|DEPLOYING|INITIALIZING)\":[1-9].*");
    }

    /** The predictions counter summed over every Flink process's Prometheus endpoint (cluster.sh turns the reporter on). */
    private static double predictionsReported() {
        double sum = 0;
        for (int port = metricsPort; port <= metricsPort + 5; port++) {
            try {
                String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher counter = Pattern.compile("(?m)^flink_taskmanager_job_task_operator_predictions\\{.*} (\\S+)$").matcher(body);
                while (counter.find()) {
                    sum += Double.parseDouble(counter.group(1));
                }
            } catch (IOException | InterruptedException e) {
                // no process on this port
            }
        }
        return sum;
    }

    private static String rest(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static Path latestCheckpoint(String job) throws IOException {
        try (var checkpoints = Files.list(WORK.resolve("checkpoints").resolve(job))) {
            return checkpoints.filter(dir -> dir.getFileName().toString().startsWith("chk-") && Files.exists(dir.resolve("_metadata")))
                    .max((a, b) -> Long.compare(number(a), number(b))).orElseThrow();
        }
    }

    private static long number(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring(4));
    }

    private static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    private static String clusterWithSavepoint(Path checkpoint, List<String> args) throws Exception {
        return run(Map.of("MMSTREAM_SAVEPOINT", checkpoint.toUri().toString()), concat("submit", args));
    }

    private static String cluster(String... args) throws Exception {
        return run(Map.of(), List.of(args));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new ArrayList<>(List.of(first));
        out.addAll(rest);
        return out;
    }

    private static String run(Map<String, String> extra, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", CLUSTER.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        builder.environment().putAll(extra);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("cluster.sh %s: %s", args, out).isZero();
        return out;
    }
}
