package io.mmstream.cli;

import io.mmstream.codec.WireCodec;
import io.mmstream.eval.LiveAccuracy;
import io.mmstream.eval.LiveCrossModal;
import io.mmstream.schema.Label;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.WindowTruth;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * `eval --live`: any deployment's predictions joined with its labels and its per-window truth, accuracy, the
 * standing questions' answers and the captions reported as they accumulate.
 */
final class LiveEvaluation {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String predictionsTopic;
    private final String labelsTopic;
    private final String separatedTopic;
    private final String embeddingsTopic;
    private final LiveAccuracy accuracy;
    private final LiveCrossModal crossModal;
    /** The text model the retrieval queries are embedded by; null where the models run no retrieval head. */
    private final io.mmstream.inference.OnnxModel textModel;

    /** @param models where the job's models are: the retrieval head's card names the text model its queries need */
    LiveEvaluation(Properties kafka, String predictionsTopic, String labelsTopic, String truthTopic, String separatedTopic, String embeddingsTopic,
                   String models, boolean fromBeginning) throws java.io.IOException {
        Properties properties = new Properties();
        properties.putAll(kafka);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "mmstream-eval-" + UUID.randomUUID());
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(predictionsTopic, labelsTopic, truthTopic, separatedTopic, embeddingsTopic));
        this.separatedTopic = separatedTopic;
        this.embeddingsTopic = embeddingsTopic;
        io.mmstream.inference.ModelCard text = io.mmstream.dashboard.WindowSearch.textModelOf(
                io.mmstream.inference.ModelSettings.of(models, List.of(), io.mmstream.inference.InferenceOptions.cpu(1), 0), io.mmstream.inference.WindowHeads.TASK_RETRIEVAL);
        textModel = text == null ? null : io.mmstream.inference.OnnxModel.open(text, io.mmstream.inference.InferenceOptions.cpu(1));
        java.util.function.Function<String, float[]> embed = textModel == null ? null
                : io.mmstream.dashboard.WindowSearch.textEmbedder(new io.mmstream.inference.ElementModel(textModel));
        crossModal = new LiveCrossModal(embed == null ? null : texts -> texts.stream().map(embed).toList());
        this.predictionsTopic = predictionsTopic;
        this.labelsTopic = labelsTopic;
        this.accuracy = new LiveAccuracy(DashboardCommand.gridStepMicros());
    }

    int run(Duration every, Duration duration) throws Exception {
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long nextReport = System.nanoTime() + every.toNanos();
        long predictions = 0;
        try (consumer; textModel) {
            while (System.nanoTime() < deadline && !Main.shutdownInProgress.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        if (record.topic().equals(predictionsTopic)) {
                            Prediction prediction = WireCodec.decode(Prediction.class, record.value());
                            accuracy.add(prediction);
                            crossModal.add(prediction);
                            predictions++;
                        } else if (record.topic().equals(labelsTopic)) {
                            accuracy.add(WireCodec.decode(Label.class, record.value()));
                        } else if (record.topic().equals(embeddingsTopic)) {
                            crossModal.add(WireCodec.decode(io.mmstream.schema.WindowEmbedding.class, record.value()));
                        } else if (record.topic().equals(separatedTopic)) {
                            crossModal.add(WireCodec.decode(io.mmstream.schema.AudioChunk.class, record.value()));
                        } else {
                            crossModal.add(WireCodec.decode(WindowTruth.class, record.value()));
                        }
                    } catch (java.io.IOException | RuntimeException e) {
                        System.err.println("skipping undecodable record " + record.topic() + "/" + record.partition() + "@" + record.offset() + ": " + e);
                    }
                }
                if (System.nanoTime() >= nextReport) {
                    nextReport += every.toNanos();
                    System.out.println(report(predictions));
                }
            }
            // while the text model is open: the retrieval figures embed their queries
            System.out.println("{" + accuracy.json() + ", " + crossModal.json() + "}");
        }
        return 0;
    }

    private String report(long predictions) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s  %d predictions (%d waiting for labels)",
                LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")), predictions, accuracy.waiting()));
        for (LiveAccuracy.TaskScore score : accuracy.scores()) {
            line.append(String.format(Locale.ROOT, "  %s %.3f of %d", score.model(), score.accuracy(), score.scored()));
            if (score.undecided() > 0) {
                line.append(String.format(Locale.ROOT, " (+%d undecided)", score.undecided()));
            }
        }
        line.append(String.format(Locale.ROOT, "  sync on %d sounding windows: in-sync recall %.3f, balanced %.3f, mean error %.0f ms",
                accuracy.syncWindows(), accuracy.syncInSyncRecall(), accuracy.syncBalancedAccuracy(), accuracy.syncMeanAbsoluteErrorMillis()));
        for (LiveCrossModal.QuestionScore score : crossModal.questions()) {
            line.append(String.format(Locale.ROOT, "  %s %.3f of %d", score.question(), score.accuracy(), score.scored()));
        }
        if (crossModal.retrievalWindows() > 0) {
            io.mmstream.eval.RetrievalEvaluation.Figures all = crossModal.textToWindow().get("all");
            line.append(String.format(Locale.ROOT, "  text to window over %d windows: R@5 %.3f, mAP %.3f", crossModal.retrievalWindows(),
                    all.recallAt5(), all.meanAveragePrecision()));
        }
        if (crossModal.separationWindows() > 0) {
            line.append(String.format(Locale.ROOT, "  separation of %d seconds: SI-SDR improvement %.2f dB", crossModal.separationWindows(),
                    crossModal.separationImprovementDb()));
        }
        if (crossModal.captionWindows() > 0) {
            line.append(String.format(Locale.ROOT, "  captions of %d windows: BLEU-4 %.3f, CIDEr-D %.3f", crossModal.captionWindows(),
                    crossModal.captionBleu4(), crossModal.captionCiderD()));
        }
        return line.toString();
    }
}
