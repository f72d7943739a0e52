package io.mmstream.cli;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.OnnxModel;
import io.mmstream.schema.WindowEmbedding;
import io.mmstream.search.WindowIndex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Finds windows by words or by example: every window embedding on the embeddings topic (committed ones, up to its
 * end now) into a {@link WindowIndex}, then the query, embedded by the same text model the windows were trained
 * against, or a window's own embedding.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Find the windows most like a text (--text \"someone falls\") or like another window (--like STREAM@TIME), among the embeddings on Kafka.")
final class SearchCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions kafkaClient;

    static final class Query {
        @Option(names = "--text", description = "Words describing the moments to find.")
        String text;

        @Option(names = "--like", description = "A window to find others like: STREAM@TIME, TIME an ISO instant or microseconds since the epoch.")
        String like;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Option(names = "--topic", defaultValue = "mm.embeddings", description = "The embeddings topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--result", defaultValue = "retrieval", description = "Which result's embeddings to search (default ${DEFAULT-VALUE}).")
    String result;

    @Option(names = "--last", description = "Only windows that started within this long before the newest one, e.g. 10min (default: all on the topic).")
    String last;

    @Option(names = "--top", defaultValue = "10", description = "How many windows to list (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--text-model", defaultValue = "onnx-models/minilm_text.json", description = "Card of the text model that embeds --text (default ${DEFAULT-VALUE}).")
    Path textModel;

    @Option(names = "--dashboard", defaultValue = "http://127.0.0.1:8088", description = "Dashboard address for the links (default ${DEFAULT-VALUE}, where the demo and the dashboard command serve it).")
    String dashboard;

    @Override
    public Integer call() throws Exception {
        List<WindowEmbedding> windows = read();
        long newest = windows.stream().mapToLong(w -> Times.micros(w.getWindowStart())).max().orElse(0);
        long since = last == null ? Long.MIN_VALUE : newest - io.mmstream.config.Option.parseDuration(last).toNanos() / 1000;
        windows = windows.stream().filter(w -> Times.micros(w.getWindowStart()) >= since).toList();
        if (windows.isEmpty()) {
            System.out.println("no " + result + " embeddings on " + topic + (last == null ? "" : " within " + last) + ": is the job running a model with that result?");
            return 1;
        }
        try (WindowIndex index = new WindowIndex(windows.get(0).getEmbedding().size())) {
            for (WindowEmbedding w : windows) {
                index.add(w.getStreamId(), Times.micros(w.getWindowStart()), Times.micros(w.getWindowEnd()), floats(w.getEmbedding()));
            }
            float[] vector = query.text != null ? embed(query.text) : example(index);
            System.out.printf(Locale.ROOT, "%d windows of %d streams indexed; the %d most like %s:%n", index.size(),
                    windows.stream().map(WindowEmbedding::getStreamId).distinct().count(), top,
                    query.text != null ? "\"" + query.text + "\"" : query.like);
            int rank = 1;
            for (WindowIndex.Hit hit : index.search(vector, top)) {
                System.out.printf(Locale.ROOT, "%3d. %s  %s .. %s  similarity %.3f  %s/#stream=%s%n", rank++, hit.streamId(),
                        Times.ofMicros(hit.startMicros()), Times.ofMicros(hit.endMicros()), hit.similarity(), dashboard,
                        java.net.URLEncoder.encode(hit.streamId(), StandardCharsets.UTF_8));
            }
        }
        return 0;
    }

    /** Every committed record of the topic up to its end at the start, of the chosen result. */
    private List<WindowEmbedding> read() {
        Properties properties = kafkaClient.properties();
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-search-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<WindowEmbedding> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        WindowEmbedding window = WireCodec.decode(WindowEmbedding.class, record.value());
                        if (window.getResultName().equals(result)) {
                            out.add(window);
                        }
                    } catch (Exception notAnEmbedding) {
                        System.err.println("skipped " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + notAnEmbedding.getMessage());
                    }
                }
            }
        }
        return out;
    }

    private float[] embed(String text) {
        try (OnnxModel onnx = OnnxModel.open(ModelCard.load(textModel), InferenceOptions.cpu(1))) {
            return io.mmstream.dashboard.WindowSearch.textEmbedder(new ElementModel(onnx)).apply(text);
        }
    }

    private float[] example(WindowIndex index) {
        int at = query.like.lastIndexOf('@');
        if (at <= 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--like '" + query.like + "': must be STREAM@TIME");
        }
        String stream = query.like.substring(0, at);
        String time = query.like.substring(at + 1);
        long micros = time.chars().allMatch(Character::isDigit) ? Long.parseLong(time) : Times.micros(Instant.parse(time));
        float[] embedding = index.embeddingAt(stream, micros);
        if (embedding == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--like '" + query.like + "': no window of "
                    + stream + " covers " + Times.ofMicros(micros) + " on " + topic);
        }
        return embedding;
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
