package io.mmstream.cli;

import io.mmstream.codec.PrintableText;
import io.mmstream.codec.RecordText;
import io.mmstream.codec.WireCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the records of any mmstream topic as one JSON line each, whatever their schema version. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print decoded records of an mmstream topic.")
final class TailCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--topic", required = true, description = "Topic to read, e.g. mm.predictions.")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the earliest offset instead of the end.")
    boolean fromBeginning;

    @Option(names = "--max", defaultValue = "0", description = "Stop after this many records (0: never).")
    long max;

    @Option(names = "--idle-timeout", defaultValue = "0", description = "Stop after this many seconds without a record (0: never).")
    long idleTimeoutSeconds;

    @Option(names = "--read-uncommitted", description = "Also show records of open or aborted transactions.")
    boolean readUncommitted;

    @Override
    public Integer call() {
        Properties properties = kafkaClient.properties();
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-tail-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readUncommitted ? "read_uncommitted" : "read_committed");
        PrintStream out = System.out;
        long printed = 0;
        long lastRecordNanos = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (max == 0 || printed < max) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty() && idleTimeoutSeconds > 0 && System.nanoTime() - lastRecordNanos > idleTimeoutSeconds * 1_000_000_000L) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    lastRecordNanos = System.nanoTime();
                    out.println(line(record));
                    if (++printed == max) {
                        break;
                    }
                }
            }
        }
        return 0;
    }

    static String line(ConsumerRecord<byte[], byte[]> record) {
        // whatever a producer put in the key, the terminal gets no control, bidirectional or zero-width characters
        String key = record.key() == null ? "null" : PrintableText.escaped(new String(record.key(), StandardCharsets.UTF_8));
        String where = record.topic() + "/" + record.partition() + "@" + record.offset() + " key=" + key + " ";
        if (record.value() == null) {
            // an upsert topic's delete of its key (mm.alerts: the retraction just before a count's update)
            return where + "tombstone";
        }
        try {
            return where + RecordText.json(WireCodec.decodeAny(record.value()));
        } catch (Exception e) {
            return where + "undecodable (" + PrintableText.escaped(String.valueOf(e.getMessage())) + "), " + (record.value() == null ? 0 : record.value().length) + " bytes";
        }
    }
}
