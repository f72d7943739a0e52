package io.mmstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.config.JobConfig;
import io.mmstream.config.JobOptions;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine or Kubernetes runs here, so deploy/ is checked statically: every file parses, and what it names
 * exists in the project: the paths the Dockerfile copies, the jar and entry class, the topics, Flink's config keys,
 * and the pipeline files it runs pass the job's own start-up validation against the models the image carries.
 */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("deploy");

    @Test
    void everyManifestParses() throws Exception {
        try (var files = Files.walk(DEPLOY)) {
            List<Path> yaml = files.filter(p -> p.toString().matches(".*\\.ya?ml$") && !p.startsWith(DEPLOY.resolve("local/work"))).toList();
            assertThat(yaml).hasSizeGreaterThanOrEqualTo(4);
            for (Path file : yaml) {
                List<Object> documents = new ArrayList<>();
                new Yaml().loadAll(Files.readString(file)).forEach(documents::add);
                assertThat(documents).as(file.toString()).isNotEmpty().doesNotContainNull();
            }
        }
    }

    @Test
    void theDockerfileCopiesWhatTheBuildMakesToWhereTheDeploymentsLook() throws Exception {
        String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) (\\S+)$").matcher(dockerfile);
        Map<String, String> copies = new LinkedHashMap<>();
        while (copy.find()) {
            copies.put(copy.group(1), copy.group(2));
        }
        assertThat(copies).containsEntry("target/mmstream-job.jar", "/opt/flink/usrlib/mmstream-job.jar")
                .containsEntry("onnx-models/", "/opt/mmstream/models/")
                .containsEntry("target/pretrained-models/", "/opt/mmstream/models/");
        for (String source : copies.keySet()) {
            if (source.endsWith(".jar")) {
                // made by the build: the shade plugin's output file
                assertThat(Files.readString(Path.of("pom.xml"))).contains("<outputFile>${project.build.directory}/" + source.substring(7) + "</outputFile>");
            } else if (source.startsWith("target/")) {
                // the build's folder of fetched models, where the cards find them when they are not beside them
                assertThat(Path.of(source)).isEqualTo(io.mmstream.inference.ModelCard.PRETRAINED).isDirectory();
            } else {
                assertThat(Path.of(source)).as("COPY source").exists();
            }
        }
        assertThat(dockerfile).contains("FROM ${FLINK_IMAGE} AS cpu").contains("AS cuda").contains("ARG FLINK_IMAGE=flink:2.2.1-java17");
    }

    @Test
    void theFlinkDeploymentRunsTheJobJarWithRealFlinkKeysAndAValidPipeline() throws Exception {
        Map<String, Object> deployment = yaml("k8s/flinkdeployment.yaml").get(0);
        assertThat(deployment).containsEntry("kind", "FlinkDeployment").containsEntry("apiVersion", "flink.apache.org/v1beta1");
        Map<String, Object> spec = map(deployment.get("spec"));
        Map<String, Object> job = map(spec.get("job"));
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/mmstream-job.jar");
        assertThat(Class.forName((String) job.get("entryClass"))).isEqualTo(io.mmstream.job.MmstreamJob.class);

        Set<String> flinkKeys = flinkKeys();
        for (String key : map(spec.get("flinkConfiguration")).keySet()) {
            assertThat(flinkKeys).as("Flink config key in flinkdeployment.yaml").contains(key);
        }
        assertThat(map(spec.get("flinkConfiguration"))).containsEntry("state.backend.type", "rocksdb")
                .containsKey("high-availability.type").containsKey("execution.checkpointing.dir").containsKey("restart-strategy.type");

        // the pipeline file comes from the ConfigMap mounted where --config points
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) job.get("args");
        String configPath = args.get(args.indexOf("--config") + 1);
        Map<String, Object> configMap = yaml("k8s/pipeline-configmap.yaml").get(0);
        String mountPath = null;
        for (Object mount : (List<?>) map(((List<?>) map(map(spec.get("podTemplate")).get("spec")).get("containers")).get(0)).get("volumeMounts")) {
            if (map(mount).get("name").equals("pipeline")) {
                mountPath = (String) map(mount).get("mountPath");
            }
        }
        String key = configPath.substring(configPath.lastIndexOf('/') + 1);
        assertThat(mountPath + "/" + key).isEqualTo(configPath);
        String pipeline = (String) map(configMap.get("data")).get(key);
        assertThat(pipeline).as("ConfigMap key %s", key).isNotNull();
        validate(pipeline, Map.of());
    }

    @Test
    void theStrimziTopicsAreTheJobsTopics() throws Exception {
        Set<String> topics = new HashSet<>();
        for (Map<String, Object> document : yaml("k8s/kafka.yaml")) {
            if ("KafkaTopic".equals(document.get("kind"))) {
                topics.add((String) map(document.get("metadata")).get("name"));
            }
        }
        JobConfig defaults = JobConfig.defaults(Map.of());
        assertThat(topics).containsExactlyInAnyOrder(defaults.get(JobOptions.TOPIC_VIDEO), defaults.get(JobOptions.TOPIC_AUDIO),
                defaults.get(JobOptions.TOPIC_SENSOR), defaults.get(JobOptions.TOPIC_TEXT), defaults.get(JobOptions.TOPIC_PREDICTIONS), defaults.get(JobOptions.TOPIC_LATE),
                defaults.get(JobOptions.TOPIC_DEADLETTER), defaults.get(JobOptions.TOPIC_EMBEDDINGS), defaults.get(JobOptions.TOPIC_SEPARATED), io.mmstream.kafka.EmbeddedKafka.LABELS_TOPIC, io.mmstream.kafka.EmbeddedKafka.TRUTH_TOPIC,
                io.mmstream.kafka.EmbeddedKafka.ALERTS_TOPIC);
        // the standalone cluster and compose create the same topics, and the README's table lists each
        for (String file : List.of("local/cluster.sh", "compose/docker-compose.yml")) {
            Matcher loop = Pattern.compile("for topic in ([^;]+);").matcher(Files.readString(DEPLOY.resolve(file)));
            assertThat(loop.find()).as("%s creates its topics in a loop", file).isTrue();
            assertThat(Set.of(loop.group(1).trim().split("\\s+"))).as("topics of %s", file).isEqualTo(topics);
        }
        String readme = Files.readString(Path.of("README.md"));
        for (String topic : topics) {
            assertThat(readme).as("README's topic table").contains("| `" + topic + "` |");
        }
    }

    @Test
    void kafkaOnKubernetesTakesOnlyTlsScramLoginsAndTheJobsUserOnlyWhatTheJobDoes() throws Exception {
        List<Map<String, Object>> documents = yaml("k8s/kafka.yaml");
        Map<String, Object> kafka = map(map(documents.stream().filter(d -> "Kafka".equals(d.get("kind"))).findFirst().orElseThrow().get("spec")).get("kafka"));
        assertThat((List<?>) kafka.get("listeners")).isNotEmpty().allSatisfy(listener -> {
            assertThat(map(listener)).containsEntry("tls", true);
            assertThat(map(map(listener).get("authentication"))).containsEntry("type", "scram-sha-512");
        });
        assertThat(map(kafka.get("authorization"))).containsEntry("type", "simple");

        Path secrets = secretsDir();
        String configMap = (String) map(yaml("k8s/pipeline-configmap.yaml").get(0).get("data")).get("pipeline.yaml");
        JobConfig pipeline = JobConfig.load(pipelineFile(configMap, secrets), Map.of(), Map.of(JobConfig.ALLOWED_SECRET_PATHS, secrets.toString()));
        Map<String, Object> user = documents.stream().filter(d -> "KafkaUser".equals(d.get("kind"))).findFirst().orElseThrow();
        Map<String, Set<String>> granted = new LinkedHashMap<>();
        for (Object acl : (List<?>) map(map(map(user.get("spec")).get("authorization"))).get("acls")) {
            Map<String, Object> resource = map(map(acl).get("resource"));
            @SuppressWarnings("unchecked")
            List<String> operations = (List<String>) map(acl).get("operations");
            granted.computeIfAbsent(resource.get("type") + ":" + resource.get("name") + ":" + resource.get("patternType"), k -> new HashSet<>())
                    .addAll(operations);
        }
        Map<String, Set<String>> needed = new LinkedHashMap<>();
        for (var input : List.of(JobOptions.TOPIC_VIDEO, JobOptions.TOPIC_AUDIO, JobOptions.TOPIC_SENSOR, JobOptions.TOPIC_TEXT)) {
            needed.put("topic:" + pipeline.get(input) + ":literal", Set.of("Read", "Describe", "DescribeConfigs"));
        }
        for (var output : List.of(JobOptions.TOPIC_PREDICTIONS, JobOptions.TOPIC_LATE, JobOptions.TOPIC_DEADLETTER, JobOptions.TOPIC_EMBEDDINGS,
                JobOptions.TOPIC_SEPARATED)) {
            needed.put("topic:" + pipeline.get(output) + ":literal", Set.of("Write", "Describe", "DescribeConfigs"));
        }
        needed.put("group:" + pipeline.get(JobOptions.GROUP_ID) + ":literal", Set.of("Read", "Describe"));
        needed.put("transactionalId:" + pipeline.transactionalIdPrefix() + ":prefix", Set.of("Write", "Describe"));
        assertThat(granted).as("the ACLs are exactly what the pipeline file's job needs").isEqualTo(needed);

        for (Map<String, Object> topic : documents.stream().filter(d -> "KafkaTopic".equals(d.get("kind"))).toList()) {
            String name = (String) map(topic.get("metadata")).get("name");
            if (List.of("mm.video", "mm.audio", "mm.sensor", "mm.text").contains(name)) {
                Object retention = map(map(topic.get("spec")).get("config")).get("retention.ms");
                assertThat(((Number) retention).longValue()).as("retention of the media topic %s", name).isLessThanOrEqualTo(86_400_000L);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJobsPodsAreLockedDown() throws Exception {
        Map<String, Object> deployment = yaml("k8s/flinkdeployment.yaml").get(0);
        Map<String, Object> pod = map(map(map(deployment.get("spec")).get("podTemplate")).get("spec"));
        assertThat(map(pod.get("securityContext"))).containsEntry("runAsNonRoot", true);
        Map<String, Object> container = map(((List<?>) pod.get("containers")).get(0));
        assertThat(map(container.get("securityContext"))).containsEntry("readOnlyRootFilesystem", true)
                .containsEntry("allowPrivilegeEscalation", false).containsEntry("capabilities", Map.of("drop", List.of("ALL")));
        assertThat((List<Object>) container.get("env")).contains((Object) Map.of("name", JobConfig.ALLOWED_SECRET_PATHS, "value", "/opt/mmstream/secrets"));

        Map<String, Object> policy = yaml("k8s/networkpolicy.yaml").get(0);
        assertThat(policy).containsEntry("kind", "NetworkPolicy");
        Map<String, Object> policySpec = map(policy.get("spec"));
        assertThat(map(policySpec.get("podSelector"))).containsEntry("matchLabels", Map.of("app", map(deployment.get("metadata")).get("name")));
        assertThat((List<Object>) policySpec.get("policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");

        List<?> ports = (List<?>) map(map(yaml("compose/docker-compose.yml").get(0).get("services")).get("kafka")).get("ports");
        assertThat(ports).allSatisfy(port -> assertThat((String) port).startsWith("127.0.0.1:"));
        assertThat(Files.readString(DEPLOY.resolve("compose/docker-compose.yml"))).doesNotContainPattern("- \"\\d+:\\d+\"");
        for (String file : List.of("local/cluster.sh", "compose/docker-compose.yml", "k8s/flinkdeployment.yaml")) {
            assertThat(Files.readString(DEPLOY.resolve(file))).as(file).contains("restart-strategy.type: exponential-delay")
                    .contains("restart-strategy.exponential-delay.reset-backoff-threshold")
                    .contains("metrics.reporter.prom.factory.class: " + org.apache.flink.metrics.prometheus.PrometheusReporterFactory.class.getName());
        }
    }

    @Test
    void clusterShRefusesArgumentsThatAreNotWhatTheyClaim(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Map<List<String>, String> refused = new LinkedHashMap<>();
        refused.put(List.of("taskmanager", "kill", "../../etc/x"), "N must be a number from 1 to 999, was '../../etc/x'");
        refused.put(List.of("start", "2; rm -rf /"), "TASKMANAGERS must be a number from 1 to 64, was '2; rm -rf /'");
        refused.put(List.of("flink", "start", "$(id)"), "TASKMANAGERS must be a number from 1 to 64, was '$(id)'");
        for (Map.Entry<List<String>, String> call : refused.entrySet()) {
            assertThat(clusterSh(work, Map.of(), call.getKey())).as(call.getKey().toString()).contains(call.getValue());
        }
        assertThat(clusterSh(work, Map.of("KAFKA_PORT", "9092 -Dx"), List.of("status"))).contains("KAFKA_PORT must be a number");
        assertThat(clusterSh(work, Map.of("MALLOC_ARENA_MAX", "2 LD_PRELOAD=x"), List.of("status")))
                .contains("MALLOC_ARENA_MAX must be a positive whole number, was '2 LD_PRELOAD=x'");
        assertThat(clusterSh(work, Map.of("MMSTREAM_SAVEPOINT", work + "/../elsewhere"), List.of("submit")))
                .contains("MMSTREAM_SAVEPOINT must lie inside " + work.toRealPath());
    }

    /** Runs cluster.sh, expecting it to refuse (exit 2) before it starts anything; returns what it printed. */
    private static String clusterSh(Path work, Map<String, String> environment, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", DEPLOY.resolve("local/cluster.sh").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("MMSTREAM_CLUSTER_WORK", work.toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isEqualTo(2);
        return output;
    }

    private static Path secretsDir() throws Exception {
        Path secrets = Files.createTempDirectory("secrets");
        Files.writeString(secrets.resolve("kafka-password"), "not-a-real-password");
        return secrets;
    }

    /** A pipeline file of the image with its password path mapped to the temporary secrets directory. */
    private static Path pipelineFile(String pipeline, Path secrets) throws Exception {
        Path file = Files.createTempFile("pipeline", ".yaml");
        Files.writeString(file, pipeline.replace("/opt/mmstream/secrets/kafka/password", secrets.resolve("kafka-password").toString()));
        return file;
    }

    @Test
    void theComposeFileRunsTheImageWithAValidPipeline() throws Exception {
        Map<String, Object> services = map(yaml("compose/docker-compose.yml").get(0).get("services"));
        Map<String, Object> jobmanager = map(services.get("jobmanager"));
        assertThat(map(jobmanager.get("build")).get("dockerfile")).isEqualTo("deploy/docker/Dockerfile");
        assertThat(map(services.get("taskmanager")).get("image")).isEqualTo(jobmanager.get("image"));
        assertThat(map(yaml("k8s/flinkdeployment.yaml").get(0).get("spec")).get("image")).isEqualTo(jobmanager.get("image"));

        String command = (String) jobmanager.get("command");
        assertThat(command).startsWith("standalone-job --job-classname " + io.mmstream.job.MmstreamJob.class.getName());
        Matcher config = Pattern.compile("--config (\\S+)").matcher(command);
        assertThat(config.find()).isTrue();
        Map<String, String> overrides = new LinkedHashMap<>();
        Matcher set = Pattern.compile("--set (\\S+?)=(\\S+)").matcher(command);
        while (set.find()) {
            overrides.put(set.group(1), set.group(2));
        }
        validate(Files.readString(Path.of("flink-jobs", config.group(1))), overrides);
    }

    /** The job's own start-up checks, with the image's paths mapped back to the repository. */
    private static void validate(String pipeline, Map<String, String> overrides) throws Exception {
        Path secrets = secretsDir();
        Path file = pipelineFile(pipeline, secrets);
        Map<String, String> all = new LinkedHashMap<>(overrides);
        // the image's secrets directory, as the FlinkDeployment allows it
        Map<String, String> environment = Map.of(JobConfig.ALLOWED_SECRET_PATHS, secrets.toString());
        JobConfig config = JobConfig.load(file, all, environment);
        String modelsDir = config.get(JobOptions.MODELS_DIR).replace("/opt/mmstream/models", "onnx-models");
        all.put(JobOptions.MODELS_DIR.key(), modelsDir);
        config = JobConfig.load(file, all, environment);
        Pipeline.geometry(config, Pipeline.modelSettings(config));
    }

    /**
     * Every metric the Grafana dashboard and the alert rules query is one the job registers (its operators' counters
     * and histograms, by name in the source) or one of Flink's own; DemoProcessIT finds each in a live scrape too.
     */
    @Test
    void theDashboardAndTheAlertRulesQueryMetricsTheJobRegisters() throws Exception {
        Set<String> registered = new HashSet<>();
        Pattern registration = Pattern.compile("\\.(?:counter|histogram|gauge|meter)\\(\"(\\w+)\"");
        try (var sources = Files.walk(Path.of("src", "main", "java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher name = registration.matcher(Files.readString(source));
                while (name.find()) {
                    registered.add(name.group(1));
                }
            }
        }
        // Flink's own: the Kafka sources' consumer lag, and the job's restarts, checkpoints and uptime
        Set<String> flinks = Set.of("pendingRecords", "numRestarts", "lastCheckpointDuration", "lastCheckpointSize", "lastCheckpointFullSize",
                "lastCheckpointCompletedTimestamp", "numberOfFailedCheckpoints", "uptime");
        Set<String> queried = io.mmstream.MonitoringFiles.metricsQueried();
        assertThat(queried).hasSizeGreaterThan(15);
        for (String metric : queried) {
            String name = metric.replaceFirst("^flink_taskmanager_job_task_operator_(modality_)?", "").replaceFirst("^flink_jobmanager_job_", "")
                    .replaceFirst("_count$", "");
            assertThat(registered.contains(name) || flinks.contains(name)).as("%s: a metric the job registers, or Flink's own", metric).isTrue();
        }
    }

    private static Set<String> flinkKeys() throws IllegalAccessException {
        Set<String> keys = new HashSet<>();
        for (Class<?> options : List.of(CoreOptions.class, StateBackendOptions.class, CheckpointingOptions.class, HighAvailabilityOptions.class,
                RestartStrategyOptions.class, TaskManagerOptions.class, JobManagerOptions.class, HeartbeatManagerOptions.class)) {
            for (Field field : options.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.get(null) instanceof ConfigOption<?> option) {
                    keys.add(option.key());
                    option.fallbackKeys().forEach(fallback -> keys.add(fallback.getKey()));
                }
            }
        }
        // a reporter's keys carry its name (prom, as every deploy file names it)
        keys.add("metrics.reporter.prom." + MetricOptions.REPORTER_FACTORY_CLASS.key());
        keys.add("metrics.reporter.prom.port"); // PrometheusReporterFactory.ARG_PORT, package-private
        return keys;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> yaml(String file) throws Exception {
        List<Map<String, Object>> documents = new ArrayList<>();
        new Yaml().loadAll(Files.readString(DEPLOY.resolve(file))).forEach(document -> documents.add((Map<String, Object>) document));
        return documents;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
