package io.mmstream.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import io.mmstream.inference.ModelSettings;
import io.mmstream.job.LocalClusterEnvironment;
import io.mmstream.job.Pipeline;
import io.mmstream.sim.SimRecord;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code bench pipeline --cluster}: the same comparison as {@link PipelineBench}, with both jobs on the real standalone
 * cluster of {@code deploy/local/cluster.sh} (a JobManager, 2 TaskManagers of one slot each, a Kafka broker process)
 * instead of a MiniCluster in this process. The topics are preloaded on the cluster's broker, each job is submitted
 * from the job jar ({@code target/mmstream-job.jar}), and throughput counts from every task running to the last
 * window's prediction. CPU is read per process from /proc (Linux), so the broker's share is known as in-process.
 */
final class ClusterBench {

    private static final Path CLUSTER = Path.of("deploy", "local", "cluster.sh");
    private static final Path JOB_JAR = Path.of("target", "mmstream-job.jar");
    private static final Path WORK = Path.of("target", "bench-cluster");
    private static final long CLOCK_TICKS = 100; // USER_HZ: /proc's CPU times are in these on every Linux we run on
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAIVE = NaiveJob.class.getName();

    private final Map<String, String> environment = new HashMap<>();
    private final String bootstrap;
    private final int restPort;
    private final HttpClient http = HttpClient.newHttpClient();

    private ClusterBench(String taskManagerJvmOptions) throws IOException {
        LocalClusterEnvironment cluster = LocalClusterEnvironment.fresh(WORK);
        environment.putAll(cluster.variables());
        if (taskManagerJvmOptions != null) {
            environment.put("TASKMANAGER_JVM_OPTS", taskManagerJvmOptions);
        }
        bootstrap = cluster.bootstrap();
        restPort = cluster.restPort();
    }

    static PipelineBench.Result measure(int streams, int seconds, Map<String, String> settings, String taskManagerJvmOptions) throws Exception {
        if (!Files.isRegularFile(CLUSTER) || !Files.isRegularFile(JOB_JAR)) {
            throw new IllegalStateException("bench pipeline --cluster runs from the repository root after mvn package: it needs " + CLUSTER + " and " + JOB_JAR);
        }
        int taskManagers = 2;
        List<SimRecord> records = BenchJobs.simulate(streams, seconds);
        long frames = BenchJobs.frames(records);
        ModelSettings models = Pipeline.modelSettings(JobConfig.defaults(settings));
        PipelineBench.Limit before = PipelineBench.limit(models, records);
        ClusterBench cluster = new ClusterBench(taskManagerJvmOptions);
        cluster.script(Map.of(), "start", Integer.toString(taskManagers));
        try {
            // each job once over a small input first, not measured: the TaskManagers are long-lived, and whichever job
            // ran first would pay alone for the JIT compiling Flink's and Kafka's code in them
            List<SimRecord> small = BenchJobs.simulate(4, 8);
            cluster.run("warmup-pipeline", null, small, 4, 8, BenchJobs.frames(small), settings);
            cluster.run("warmup-naive", NAIVE, small, 4, 8, BenchJobs.frames(small), settings);
            PipelineBench.Run pipeline = cluster.run("pipeline", null, records, streams, seconds, frames, settings);
            PipelineBench.Run naive = cluster.run("naive", NAIVE, records, streams, seconds, frames, settings);
            PipelineBench.Limit limit = before.averagedWith(PipelineBench.limit(models, records));
            int cores = Runtime.getRuntime().availableProcessors();
            return new PipelineBench.Result(streams, seconds, frames, cores, limit, cores * PipelineBench.FPS / limit.perStreamSecond(), pipeline, naive);
        } finally {
            cluster.script(Map.of(), "stop");
        }
    }

    /**
     * One job over its own preloaded topics, from submission until every window has its prediction.
     *
     * @param entryClass the job jar's class to run; null for its main class (the pipeline)
     */
    private PipelineBench.Run run(String job, String entryClass, List<SimRecord> records, int streams, int seconds, long frames,
                                  Map<String, String> settings) throws Exception {
        int parallelism = Runtime.getRuntime().availableProcessors();
        Map<String, String> values = new HashMap<>(BenchJobs.preloadedValues(bootstrap, "bench-" + job, parallelism, settings));
        values.put("checkpoint.dir", WORK.resolve("checkpoints").toAbsolutePath().toUri().toString());
        values.putIfAbsent("topics.embeddings", "bench-" + job + ".embeddings");
        values.putIfAbsent("topics.separated", "bench-" + job + ".separated");
        JobConfig config = JobConfig.defaults(values);
        Properties kafka = new Properties();
        kafka.setProperty("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(kafka)) {
            List<NewTopic> topics = new ArrayList<>();
            for (var topic : List.of(JobOptions.TOPIC_VIDEO, JobOptions.TOPIC_AUDIO, JobOptions.TOPIC_SENSOR, JobOptions.TOPIC_TEXT,
                    JobOptions.TOPIC_PREDICTIONS, JobOptions.TOPIC_LATE, JobOptions.TOPIC_DEADLETTER, JobOptions.TOPIC_EMBEDDINGS, JobOptions.TOPIC_SEPARATED)) {
                NewTopic created = new NewTopic(config.get(topic), parallelism, (short) 1);
                topics.add(topic == JobOptions.TOPIC_VIDEO ? created.configs(Map.of("max.message.bytes", "4194304")) : created);
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList());
        }
        BenchJobs.preload(kafka, config, records);

        List<String> arguments = new ArrayList<>(List.of("submit"));
        values.forEach((key, value) -> arguments.addAll(List.of("--set", key + "=" + value)));
        long submitted = System.nanoTime();
        String jobId = script(entryClass == null ? Map.of() : Map.of("MMSTREAM_ENTRY_CLASS", entryClass), arguments.toArray(String[]::new)).strip();
        if (!jobId.matches("[0-9a-f]{32}")) {
            throw new IllegalStateException("cluster.sh submit gave no job id: '" + jobId + "' (see " + WORK.resolve("logs") + ")");
        }
        double running = awaitRunning(jobId, submitted, Duration.ofMinutes(3));
        Map<String, Long> cpuRunning = processCpuTicks();
        Set<String> expected = new HashSet<>(BenchJobs.windows(streams, BenchJobs.EPOCH - 1_000_000, BenchJobs.EPOCH + (seconds - 1) * 1_000_000L));
        Set<String> seen = new HashSet<>();
        double first = 0;
        double last = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = BenchJobs.predictionReader(kafka, config)) {
            while (!seen.containsAll(expected)) {
                if ((System.nanoTime() - submitted) / 1e9 > 900) {
                    throw new IllegalStateException(job + " did not predict every window within 15 minutes: " + seen.size() + " of " + expected.size());
                }
                for (BenchJobs.Arrival arrival : BenchJobs.poll(consumer, Duration.ofMillis(50))) {
                    if (seen.add(arrival.window())) {
                        last = (arrival.nanos() - submitted) / 1e9;
                        first = first == 0 ? last : first;
                    }
                }
            }
        }
        Map<String, Long> cpuAfter = processCpuTicks();
        double measured = (System.nanoTime() - submitted) / 1e9 - running;
        if (!job.startsWith("warmup")) {
            memory(job);
        }
        cancel(jobId);
        Map<String, Double> cpuSeconds = new LinkedHashMap<>();
        long busyTicks = 0;
        for (var process : cpuAfter.entrySet()) {
            long ticks = process.getValue() - cpuRunning.getOrDefault(process.getKey(), 0L);
            cpuSeconds.put(process.getKey(), ticks / (double) CLOCK_TICKS);
            busyTicks += ticks;
        }
        double busy = busyTicks / (double) CLOCK_TICKS / measured / Runtime.getRuntime().availableProcessors();
        return new PipelineBench.Run(frames, running, first, last, BenchJobs.largestFirst(cpuSeconds), busy, 0, 0);
    }

    /**
     * Waits until the broker names a leader for every partition of the new topics: records sent before that could sit
     * in the producer until its delivery timeout (two minutes) and expire.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean all = true;
            for (var description : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                all &= description.partitions().stream().allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the broker named no leader for every partition of " + topics + " within 60 s");
            }
            Thread.sleep(100);
        }
    }

    /** Seconds from submission until every task of the job runs (models loaded). */
    private double awaitRunning(String jobId, long submitted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = rest("/jobs/" + jobId);
            if (job != null && job.path("vertices").size() > 0) {
                boolean all = true;
                for (JsonNode vertex : job.path("vertices")) {
                    all &= vertex.path("status").asText().equals("RUNNING") || vertex.path("status").asText().equals("FINISHED");
                }
                if (all) {
                    return (System.nanoTime() - submitted) / 1e9;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("job " + jobId + " was not running after " + timeout.toSeconds() + " s (see " + WORK.resolve("logs") + ")");
    }

    private void cancel(String jobId) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    }

    private JsonNode rest(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    /**
     * CPU ticks (user and system) per process of the cluster, by cluster.sh's pid files, and of this process: the
     * broker and this process (the measuring consumer) are not the job, as in-process.
     */
    private Map<String, Long> processCpuTicks() throws IOException {
        Map<String, Long> ticks = new LinkedHashMap<>();
        try (var pids = Files.list(WORK.resolve("pids"))) {
            for (Path pidFile : pids.toList()) {
                String name = pidFile.getFileName().toString().replace(".pid", "");
                ticks.put(name.equals("kafka") ? "kafka-broker (process)" : name, cpuTicks(Files.readString(pidFile).strip()));
            }
        }
        ticks.put("main", cpuTicks("self"));
        return ticks;
    }

    private static long cpuTicks(String pid) throws IOException {
        Path stat = Path.of("/proc", pid, "stat");
        if (!Files.exists(stat)) {
            return 0;
        }
        String text = Files.readString(stat);
        // fields after the command name (which may hold spaces), closed by the last ')': utime and stime are the 12th and 13th
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * Each TaskManager's memory at the end of a job: its largest resident set (VmHWM) and, where the TaskManagers run
     * with {@code -XX:NativeMemoryTracking=summary}, what the JVM itself committed; the rest of the resident set is
     * native memory the JVM does not know of, mostly ONNX Runtime's (sessions, weights, arenas), which Flink's memory
     * model must leave room for (taskmanager.memory.task.off-heap.size).
     */
    private void memory(String job) throws Exception {
        try (var pids = Files.list(WORK.resolve("pids"))) {
            for (Path pidFile : pids.filter(p -> p.getFileName().toString().startsWith("taskmanager-")).sorted().toList()) {
                String pid = Files.readString(pidFile).strip();
                Path status = Path.of("/proc", pid, "status");
                long peak = 0;
                long resident = 0;
                for (String line : Files.exists(status) ? Files.readAllLines(status) : List.<String>of()) {
                    if (line.startsWith("VmHWM:")) {
                        peak = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                    } else if (line.startsWith("VmRSS:")) {
                        resident = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                    }
                }
                String line = String.format(java.util.Locale.ROOT, "%s %s: resident %d MB (largest %d MB)", job,
                        pidFile.getFileName().toString().replace(".pid", ""), resident, peak);
                Long jvm = nativeMemoryTrackingCommittedMb(pid);
                if (jvm != null) {
                    line += String.format(java.util.Locale.ROOT, ", of which the JVM committed %d MB (NMT) and %d MB is native memory outside it",
                            jvm, resident - jvm);
                }
                System.out.println(line);
            }
        }
    }

    /** The JVM's own committed memory by Native Memory Tracking, in MB; null when the process does not track it. */
    private static Long nativeMemoryTrackingCommittedMb(String pid) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid, "VM.native_memory", "summary", "scale=MB")
                .redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        var total = java.util.regex.Pattern.compile("Total: reserved=\\d+MB, committed=(\\d+)MB").matcher(out);
        return total.find() ? Long.parseLong(total.group(1)) : null;
    }

    private String script(Map<String, String> extra, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", CLUSTER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        builder.environment().putAll(extra);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("cluster.sh " + args[0] + " failed: " + out);
        }
        return out;
    }
}
