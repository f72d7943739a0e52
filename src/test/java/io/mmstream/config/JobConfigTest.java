package io.mmstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    private static JobConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    private static JobConfig parse(String yaml, Map<String, String> environment) {
        return JobConfig.parse("flink-jobs/test.yaml", new StringReader(yaml), Map.of(), environment);
    }

    @Test
    void aYamlListIsTheCommaSeparatedListAndAListOfListsIsRefused() {
        assertThat(parse("models:\n  run: [blazeface_front, my_model]\n").get(JobOptions.MODELS_RUN)).containsExactly("blazeface_front", "my_model");
        assertThat(parse("models:\n  run: []\n").get(JobOptions.MODELS_RUN)).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("models:\n  run: [[a]]\n"))
                .hasMessage("flink-jobs/test.yaml: models.run = '[[a]]': must be a single value or a list of single values");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("models:\n  run: [a, 'b c']\n"))
                .hasMessageContaining("models.run").hasMessageContaining("must be a comma-separated list of distinct model names");
    }

    @Test
    void theConfluentWireFormatNeedsARegistry() {
        assertThat(parse("kafka:\n  wire-format: confluent\n  schema-registry-url: http://127.0.0.1:8080/apis/ccompat/v7\n").get(JobOptions.WIRE_FORMAT))
                .isEqualTo(JobOptions.WireFormat.CONFLUENT);
        assertThatThrownBy(() -> parse("kafka:\n  wire-format: confluent\n"))
                .hasMessage("flink-jobs/test.yaml: kafka.wire-format = 'confluent': needs kafka.schema-registry-url, where the schemas are registered");
        assertThatThrownBy(() -> parse("kafka:\n  wire-format: avro\n")).hasMessageContaining("kafka.wire-format = 'avro': must be one of [single-object, confluent]");
    }

    @Test
    void standingQuestionsAreFreeTextAListOrNone() {
        assertThat(parse("models:\n  questions: ['is anyone on the floor?', how many people are there]\n").get(JobOptions.MODELS_QUESTIONS))
                .containsExactly("is anyone on the floor?", "how many people are there");
        assertThat(parse("models:\n  questions: []\n").get(JobOptions.MODELS_QUESTIONS)).isEmpty();
        assertThat(parse("window:\n  size: 2s\n").get(JobOptions.MODELS_QUESTIONS)).contains("is anyone on the floor?");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("models:\n  questions: ['is it dark?', 'is it dark?']\n"))
                .hasMessageContaining("models.questions = 'is it dark?,is it dark?'").hasMessageContaining("distinct, non-empty texts");
    }

    @Test
    void nestedYamlKeysSetTheOptions() {
        JobConfig config = parse("""
                window:
                  size: 4s
                  slide: 500ms
                watermark:
                  out-of-orderness:
                    audio: 1s
                delivery:
                  guarantee: at-least-once
                parallelism: 3
                """);

        assertThat(config.get(JobOptions.WINDOW_SIZE)).isEqualTo(Duration.ofSeconds(4));
        assertThat(config.get(JobOptions.WINDOW_SLIDE)).isEqualTo(Duration.ofMillis(500));
        assertThat(config.get(JobOptions.OUT_OF_ORDER_AUDIO)).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.get(JobOptions.OUT_OF_ORDER_VIDEO)).isEqualTo(Duration.ofMillis(200));
        assertThat(config.get(JobOptions.DELIVERY_GUARANTEE)).isEqualTo(JobOptions.DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.get(JobOptions.PARALLELISM)).isEqualTo(3);
    }

    @Test
    void aBadValueNamesTheFileTheKeyAndTheValue() {
        assertThatThrownBy(() -> parse("window:\n  slide: 0s\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("flink-jobs/test.yaml: window.slide = '0s': must be a positive duration");
        assertThatThrownBy(() -> parse("window:\n  size: two seconds\n"))
                .hasMessage("flink-jobs/test.yaml: window.size = 'two seconds': must be a duration such as 250ms, 2s, 1min or 1h");
        assertThatThrownBy(() -> parse("delivery:\n  guarantee: maybe\n"))
                .hasMessage("flink-jobs/test.yaml: delivery.guarantee = 'maybe': must be one of [exactly-once, at-least-once]");
        assertThatThrownBy(() -> parse("parallelism: 0\n"))
                .hasMessage("flink-jobs/test.yaml: parallelism = '0': must be between 1 and 4096");
    }

    @Test
    void anUnknownKeyIsAnErrorNotSilentlyIgnored() {
        assertThatThrownBy(() -> parse("window:\n  sise: 2s\n"))
                .hasMessage("flink-jobs/test.yaml: unknown key 'window.sise' (see the configuration reference in README.md)");
    }

    @Test
    void settingsThatContradictEachOtherAreRefused() {
        assertThatThrownBy(() -> parse("window:\n  size: 1s\n  slide: 2s\n"))
                .hasMessage("flink-jobs/test.yaml: window.slide = '2s': must not exceed window.size (1s)");
        assertThatThrownBy(() -> parse("window:\n  size: 2s\n  slide: 500ms\n  grid-step: 600ms\n"))
                .hasMessage("flink-jobs/test.yaml: window.grid-step = '600ms': must be whole microseconds and at most window.slide (500ms)");
        assertThatThrownBy(() -> parse("delivery:\n  transaction-timeout: 20min\n"))
                .hasMessage("flink-jobs/test.yaml: delivery.transaction-timeout = '20min': must not exceed the broker default transaction.max.timeout.ms of 15min");
        assertThatThrownBy(() -> parse("delivery:\n  transaction-timeout: 7min\n"))
                .hasMessage("flink-jobs/test.yaml: delivery.transaction-timeout = '7min': must exceed checkpoint.timeout (2min) + checkpoint.interval (5s) "
                        + "+ delivery.recovery-budget (5min) = 425s, or the broker aborts transactions that a recovered job would still commit");
        assertThatThrownBy(() -> parse("restart:\n  initial-backoff: 2min\n"))
                .hasMessage("flink-jobs/test.yaml: restart.initial-backoff = '2min': must not exceed restart.max-backoff (1min)");
    }

    @Test
    void secretsComeFromTheEnvironmentOrAFileAndAreNeverShown(@TempDir Path dir) throws Exception {
        Path jaas = dir.resolve("jaas.conf");
        Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";\n");
        JobConfig config = parse("""
                kafka:
                  properties:
                    security.protocol: SASL_SSL
                    sasl.jaas.config: ${file:%s}
                    ssl.truststore.password: ${env:KAFKA_TRUSTSTORE_PASSWORD}
                    client.id: ${env:KAFKA_CLIENT_ID}
                """.formatted(jaas), Map.of("KAFKA_TRUSTSTORE_PASSWORD", "s3cret", "KAFKA_CLIENT_ID", "tenant-7",
                JobConfig.ALLOWED_SECRET_PATHS, dir.toString(), JobConfig.ALLOWED_SECRET_ENV_PREFIXES, "KAFKA_"));

        assertThat(config.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.password", "s3cret")
                .containsEntry("client.id", "tenant-7")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";")
                .containsEntry("bootstrap.servers", "localhost:9092");
        assertThat(config.toString()).doesNotContain("hunter2").doesNotContain("s3cret").doesNotContain("tenant-7")
                .contains("security.protocol=SASL_SSL").contains("kafka.properties.client.id=******");
    }

    @Test
    void theTransactionalIdPrefixIsTheJobsOwnUnlessSet() {
        assertThat(parse("kafka:\n  group-id: cameras-east\n").transactionalIdPrefix()).isEqualTo("mmstream-cameras-east");
        assertThat(parse("job:\n  name: fall-alerts\nkafka:\n  group-id: g\n").transactionalIdPrefix()).isEqualTo("fall-alerts-g");
        assertThat(parse("delivery:\n  transactional-id-prefix: mine\n").transactionalIdPrefix()).isEqualTo("mine");
    }

    @Test
    void secretReferencesReadOnlyWhatTheDeploymentAllows(@TempDir Path dir) throws Exception {
        Path allowed = Files.createDirectory(dir.resolve("secrets"));
        Files.writeString(allowed.resolve("password"), "hunter2");
        Path outside = Files.writeString(dir.resolve("elsewhere"), "not for the job");
        Map<String, String> environment = Map.of(JobConfig.ALLOWED_SECRET_PATHS, allowed.toString(),
                JobConfig.ALLOWED_SECRET_ENV_PREFIXES, "KAFKA_", "HOME_SECRET", "x", "KAFKA_PASSWORD", "y");

        assertThat(parse("kafka:\n  properties:\n    ssl.key.password: ${file:" + allowed.resolve("password") + "}\n", environment)
                .kafkaProperties()).containsEntry("ssl.key.password", "hunter2");
        assertThatThrownBy(() -> parse("kafka:\n  properties:\n    ssl.key.password: ${file:" + allowed.resolve("../elsewhere") + "}\n", environment))
                .hasMessageContaining("kafka.properties.ssl.key.password").hasMessageContaining("is not inside a directory of MMSTREAM_SECRET_PATHS");
        assertThatThrownBy(() -> parse("kafka:\n  properties:\n    ssl.key.password: ${file:" + outside + "}\n", Map.of()))
                .hasMessageContaining("is not inside a directory of MMSTREAM_SECRET_PATHS ([])");
        assertThatThrownBy(() -> parse("kafka:\n  properties:\n    ssl.key.password: ${env:HOME_SECRET}\n", environment))
                .hasMessage("flink-jobs/test.yaml: kafka.properties.ssl.key.password = '${env:HOME_SECRET}': environment variable HOME_SECRET "
                        + "does not start with a prefix of MMSTREAM_SECRET_ENV_PREFIXES ([KAFKA_])");
        assertThatThrownBy(() -> parse("kafka:\n  group-id: ${env:KAFKA_PASSWORD}\n", environment))
                .hasMessage("flink-jobs/test.yaml: kafka.group-id = '${env:KAFKA_PASSWORD}': ${env:} and ${file:} work only in kafka.properties values");
    }

    @Test
    void aMissingSecretNamesTheKeyAndTheVariable() {
        assertThatThrownBy(() -> parse("kafka:\n  properties:\n    ssl.key.password: ${env:KAFKA_NOT_SET_ANYWHERE}\n",
                Map.of(JobConfig.ALLOWED_SECRET_ENV_PREFIXES, "KAFKA_")))
                .hasMessage("flink-jobs/test.yaml: kafka.properties.ssl.key.password = '${env:KAFKA_NOT_SET_ANYWHERE}': environment variable "
                        + "KAFKA_NOT_SET_ANYWHERE is not set");
    }

    @Test
    void theBundledPipelinesAreValid() {
        for (String name : new String[] {"flink-jobs/demo.yaml", "flink-jobs/local.yaml"}) {
            JobConfig config = JobConfig.load(Path.of(name), Map.of());
            assertThat(config.source()).isEqualTo(name);
        }
    }

    @Test
    void theReadmeDocumentsEveryKey() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Option<?> option : JobOptions.ALL) {
            assertThat(readme).as("README.md configuration reference").contains("`" + option.key() + "`");
        }
    }
}
