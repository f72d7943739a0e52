package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.eval.CaptionEvaluation;
import io.mmstream.eval.Evaluation;
import io.mmstream.eval.QuestionEvaluation;
import io.mmstream.eval.WindowModels;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.WindowHeads;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.TaskResult;
import io.mmstream.schema.VideoFrame;
import io.mmstream.schema.WindowEmbedding;
import io.mmstream.schema.WindowTruth;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SceneTruth;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The mission in one run: simulated streams (realistic delivery: jitter, reordering, bursts, drops) through a real
 * broker and the whole job on a MiniCluster at parallelism 2 with the committed models; predictions read with
 * read_committed and checked against the simulator's ground truth and against the offline evaluation of the very
 * same streams. Variants of the streams ride along under other ids: one delivered in capture order, one muted, one
 * whose camera stops, one whose audio runs 200 ms late.
 */
class PipelineAccuracyTest {

    private static final Configuration NO_RESTARTS = MiniClusters.NO_RESTARTS;

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final long EPOCH = DatasetWriter.EPOCH_MICROS;
    private static final long SECOND = 1_000_000;
    private static final long FRAME = 66_667;
    private static final int SECONDS = 40;
    /** Seeds never used in training (1000, 2000) nor by `eval` (3000). */
    private static final SimulationSettings BASE = SimulationSettings.defaults(4).withSeed(4000).withAvOffset(0, 0, 0);
    private static final SimulationSettings LATE_AUDIO = SimulationSettings.defaults(1).withSeed(4001).withAvOffset(200_000, 0, 0);
    private static final String IN_ORDER = "inorder-000";
    private static final String MUTED = "muted-001";
    private static final String NO_CAMERA = "nocam-002";
    private static final String OFFSET = "offset-200ms";
    private static final long CAMERA_STOPS = EPOCH + 20 * SECOND;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** A record to send, ordered by when it reaches Kafka. */
    private record Outgoing(long sendAt, String topic, String streamId, byte[] value) {}

    @Test
    void predictionsMatchTheTruthAndTheOfflineEvaluation() throws Exception {
        JobConfig config = JobConfig.defaults(Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "accuracy"),
                Map.entry("topics.video", "acc.video"), Map.entry("topics.audio", "acc.audio"), Map.entry("topics.sensor", "acc.sensor"),
                Map.entry("topics.predictions", "acc.predictions"), Map.entry("topics.late", "acc.late"),
                Map.entry("topics.deadletter", "acc.deadletter"), Map.entry("topics.embeddings", "acc.embeddings"),
                Map.entry("topics.separated", "acc.separated"),
                Map.entry("source.starting-offsets", "earliest"),
                Map.entry("window.lateness", "300ms"),
                Map.entry("watermark.out-of-orderness.video", "300ms"), Map.entry("watermark.out-of-orderness.audio", "300ms"),
                Map.entry("watermark.out-of-orderness.sensor", "300ms"),
                Map.entry("delivery.transactional-id-prefix", "accuracy"), Map.entry("checkpoint.interval", "500ms"),
                // every question of the simulator's truth, in its own words: the answers are checked per question
                Map.entry("models.questions", String.join(",", java.util.Arrays.stream(SceneTruth.Question.values()).map(q -> q.text).toList())),
                Map.entry("parallelism", "2")));
        kafka.createTopics(config, 2);

        long started = System.nanoTime();
        SceneSimulator base = new SceneSimulator(BASE, EPOCH);
        SceneSimulator lateAudio = new SceneSimulator(LATE_AUDIO, EPOCH);
        List<Outgoing> outgoing = new ArrayList<>();
        for (SimRecord record : base.records(EPOCH, EPOCH + SECONDS * SECOND)) {
            outgoing.add(new Outgoing(record.deliveryMicros(), topic(record.modality()), record.streamId(), record.value()));
            String copy = switch (record.streamId()) {
                case "stream-000" -> IN_ORDER;
                case "stream-001" -> record.modality() == Modality.AUDIO ? null : MUTED;
                case "stream-002" -> record.modality() == Modality.VIDEO && record.captureMicros() >= CAMERA_STOPS ? null : NO_CAMERA;
                default -> null;
            };
            if (copy != null) {
                // the in-order copy reaches Kafka exactly in capture order; the others as the original did
                long sendAt = copy.equals(IN_ORDER) ? record.captureMicros() : record.deliveryMicros();
                outgoing.add(new Outgoing(sendAt, topic(record.modality()), copy, renamed(record, copy)));
            }
        }
        for (SimRecord record : lateAudio.records(EPOCH, EPOCH + SECONDS * SECOND)) {
            outgoing.add(new Outgoing(record.deliveryMicros(), topic(record.modality()), OFFSET, renamed(record, OFFSET)));
        }
        outgoing.sort(Comparator.comparingLong(Outgoing::sendAt));
        Map<String, TreeMap<Long, float[][]>> shares = heardShares(base);
        System.out.printf("PHASE simulated %d records in %.1f s%n", outgoing.size(), (System.nanoTime() - started) / 1e9);
        List<String> streams = List.of("stream-000", "stream-001", "stream-002", "stream-003", IN_ORDER, MUTED, NO_CAMERA, OFFSET);

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            JobClient job = env.executeAsync("mmstream-accuracy");

            for (Outgoing record : outgoing) {
                client.sendAsync(record.topic(), record.streamId().getBytes(StandardCharsets.UTF_8), record.value());
            }
            client.flush();
            System.out.printf("PHASE sent in %.1f s%n", (System.nanoTime() - started) / 1e9);
            // no record after the data: each stream's last windows close when it has been silent for the idle timeout
            // every stream has data from EPOCH to EPOCH + SECONDS, give or take the clock skew of its devices
            List<Long> expected = windowStarts(EPOCH - SECOND, EPOCH + (SECONDS - 1) * SECOND);
            List<ConsumerRecord<byte[], byte[]>> records = client.awaitCommitted("acc.predictions", Duration.ofMinutes(4),
                    "every window of every stream", r -> {
                        Map<String, java.util.Set<Long>> seen = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> record : r) {
                            Prediction p = decode(record.value());
                            seen.computeIfAbsent(p.getStreamId(), k -> new java.util.HashSet<>()).add(Times.micros(p.getWindowStart()));
                        }
                        return streams.stream().allMatch(stream -> seen.getOrDefault(stream, java.util.Set.of()).containsAll(expected));
                    });
            System.out.printf("PHASE predicted in %.1f s%n", (System.nanoTime() - started) / 1e9);
            // each window's embedding, committed by its own sink on the same checkpoints
            int predicted = records.size();
            client.awaitCommitted("acc.embeddings", Duration.ofMinutes(1), "an embedding per prediction", r -> r.size() >= predicted);
            // and the separated audio: a chunk for every window whose last slide was heard
            client.awaitCommitted("acc.separated", Duration.ofMinutes(1), "a separated chunk per window heard", r -> {
                Map<String, java.util.Set<Long>> seen = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : r) {
                    io.mmstream.schema.AudioChunk chunk = separated(record.value());
                    seen.computeIfAbsent(chunk.getStreamId(), k -> new java.util.HashSet<>()).add(Times.micros(chunk.getCaptureTime()));
                }
                return shares.entrySet().stream().allMatch(e -> seen.getOrDefault(e.getKey(), java.util.Set.of()).containsAll(e.getValue().keySet()));
            });
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).as("no failure, no restart").isEqualTo(JobStatus.RUNNING);
            job.cancel().get(60, TimeUnit.SECONDS);

            Map<String, TreeMap<Long, Prediction>> byStream = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Prediction prediction = WireCodec.decode(Prediction.class, record.value());
                Prediction previous = byStream.computeIfAbsent(prediction.getStreamId(), k -> new TreeMap<>())
                        .put(Times.micros(prediction.getWindowStart()), prediction);
                assertThat(previous).as("a second prediction for %s at %s", prediction.getStreamId(), prediction.getWindowStart()).isNull();
            }
            for (String stream : streams) {
                assertThat(byStream.get(stream).keySet()).as("windows of %s", stream).containsAll(expected)
                        .allMatch(start -> start >= EPOCH - 2 * SECOND && start <= EPOCH + SECONDS * SECOND);
            }

            matchesTheOfflineEvaluation(client, byStream, base, shares);
            System.out.printf("PHASE offline evaluation done in %.1f s%n", (System.nanoTime() - started) / 1e9);
            outOfOrderDeliveryChangesNothing(byStream.get("stream-000"), byStream.get(IN_ORDER));
            syncIsJudgedPerStream(byStream, base, lateAudio);
            absentModalitiesAreStatedNotGuessed(byStream);
            wordsFindTheWindowsOfFalls(client, byStream, base, lateAudio);
        }
    }

    /**
     * Every window's embedding reaches the embeddings topic once, and `search` over them finds falls by the words
     * "someone falls": the windows it lists first are windows in which someone fell, by the simulator's truth.
     */
    private void wordsFindTheWindowsOfFalls(KafkaTestClient client, Map<String, TreeMap<Long, Prediction>> byStream, SceneSimulator base,
                                            SceneSimulator lateAudio) throws IOException {
        List<WindowEmbedding> embeddings = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : client.readCommitted("acc.embeddings")) {
            embeddings.add(WireCodec.decode(WindowEmbedding.class, record.value()));
        }
        Map<String, Long> perStream = embeddings.stream().collect(java.util.stream.Collectors.groupingBy(WindowEmbedding::getStreamId,
                java.util.stream.Collectors.counting()));
        byStream.forEach((stream, windows) -> assertThat(perStream.get(stream)).as("embeddings of %s", stream).isEqualTo((long) windows.size()));
        assertThat(embeddings).allSatisfy(e -> assertThat(e.getEmbedding()).hasSize(384));

        String printed = io.mmstream.MediaTools.command("search", "--bootstrap", kafka.bootstrapServers(), "--topic", "acc.embeddings",
                "--text", "someone falls", "--top", "3");
        List<String> hits = printed.lines().filter(line -> line.matches("\\s*\\d+\\. .*")).toList();
        assertThat(hits).as(printed).hasSize(3);
        for (String hit : hits) {
            String[] fields = hit.trim().split("\\s+");
            String stream = fields[1];
            long start = Times.micros(java.time.Instant.parse(fields[2]));
            StreamScene scene = switch (stream) {
                case IN_ORDER -> base.scene(0);
                case MUTED -> base.scene(1);
                case NO_CAMERA -> base.scene(2);
                case OFFSET -> lateAudio.scene(0);
                default -> base.scene(Integer.parseInt(stream.substring("stream-".length())));
            };
            SceneTruth truth = SceneTruth.of(scene, start, start + 2 * SECOND, FRAME);
            assertThat(truth.fell()).as("someone fell in %s (%s)", hit, truth).isTrue();
        }
    }

    private void matchesTheOfflineEvaluation(KafkaTestClient client, Map<String, TreeMap<Long, Prediction>> byStream, SceneSimulator base,
                                             Map<String, TreeMap<Long, float[][]>> shares) throws Exception {
        double offlineAction;
        double offlineFusion;
        io.mmstream.eval.SeparationEvaluation.Figure offlineSeparation;
        io.mmstream.eval.RetrievalEvaluation.Figures offlineRetrieval;
        Map<SceneTruth.Question, QuestionEvaluation.Figure> offlineAnswers;
        CaptionEvaluation.Figures offlineCaptions;
        try (WindowModels models = new WindowModels(Path.of("onnx-models"), InferenceOptions.cpu(1));
             OnnxModel text = OnnxModel.open(ModelCard.load(Path.of("onnx-models/minilm_text.json")), InferenceOptions.cpu(1))) {
            Evaluation evaluation = new Evaluation(models, 64);
            Evaluation.Labelled data = evaluation.windows(BASE, SECONDS);
            offlineAction = evaluation.action(data).accuracy();
            offlineFusion = evaluation.fusion("fusion_early", data).accuracy();
            ElementModel minilm = new ElementModel(text);
            offlineAnswers = QuestionEvaluation.of(models, "question_answering", data, q -> ModelSettings.embed(List.of(q), minilm).get(q));
            offlineCaptions = CaptionEvaluation.of(models, "caption_decoder", data, BASE.seed());
            offlineSeparation = io.mmstream.eval.SeparationEvaluation.of(data);
            offlineRetrieval = new io.mmstream.eval.RetrievalEvaluation(models, "window_embedding", data).textToWindow("embedding",
                    texts -> texts.stream().map(t -> ModelSettings.embed(List.of(t), minilm).get(t)).toList()).get("all");
        }
        double[] separation = separatedAudioMatchesTheOfflineEvaluation(client, shares, offlineSeparation);
        questionsAndCaptionsMatchTheOfflineEvaluation(client, byStream, base, offlineAnswers, offlineCaptions, separation, offlineRetrieval);
        // the same windows online: those the offline evaluation cuts, [EPOCH, EPOCH + SECONDS - 2 s]
        int windows = 0;
        int actionRight = 0;
        int fusionRight = 0;
        for (int s = 0; s < BASE.streams(); s++) {
            StreamScene scene = base.scene(s);
            for (Prediction prediction : byStream.get(SceneSimulator.streamId(s)).subMap(EPOCH, true, EPOCH + (SECONDS - 2) * SECOND, true).values()) {
                String truth = truth(scene, prediction).wireName();
                windows++;
                actionRight += truth.equals(result(prediction, WindowHeads.TASK_ACTION).getLabel()) ? 1 : 0;
                fusionRight += truth.equals(result(prediction, WindowHeads.TASK_FUSION).getLabel()) ? 1 : 0;
            }
        }
        double onlineAction = (double) actionRight / windows;
        double onlineFusion = (double) fusionRight / windows;
        System.out.printf("accuracy on %d windows, online (job) vs offline (eval): action %.3f vs %.3f, fusion_early %.3f vs %.3f%n",
                windows, onlineAction, offlineAction, onlineFusion, offlineFusion);
        assertThat(windows).isEqualTo(BASE.streams() * (SECONDS - 1));
        assertThat(onlineAction).as("action recognition, online against offline").isCloseTo(offlineAction, within(0.03));
        assertThat(onlineFusion).as("early fusion, online against offline").isCloseTo(offlineFusion, within(0.03));
    }

    /**
     * Each standing question's answers and each window's caption, online, scored against the simulator's truth as the
     * offline evaluation scores the same windows; and `eval --live` scores them the same from the truth topic.
     */
    private void questionsAndCaptionsMatchTheOfflineEvaluation(KafkaTestClient client, Map<String, TreeMap<Long, Prediction>> byStream,
                                                               SceneSimulator base,
                                                               Map<SceneTruth.Question, QuestionEvaluation.Figure> offlineAnswers,
                                                               CaptionEvaluation.Figures offlineCaptions, double[] separation,
                                                               io.mmstream.eval.RetrievalEvaluation.Figures offlineRetrieval) throws IOException {
        Map<SceneTruth.Question, Integer> right = new java.util.EnumMap<>(SceneTruth.Question.class);
        Map<SceneTruth.Question, Integer> asked = new java.util.EnumMap<>(SceneTruth.Question.class);
        List<List<String>> captions = new ArrayList<>();
        List<List<List<String>>> references = new ArrayList<>();
        int windows = 0;
        for (int s = 0; s < BASE.streams(); s++) {
            StreamScene scene = base.scene(s);
            for (Prediction prediction : byStream.get(SceneSimulator.streamId(s)).subMap(EPOCH, true, EPOCH + (SECONDS - 2) * SECOND, true).values()) {
                SceneTruth truth = SceneTruth.of(scene, Times.micros(prediction.getWindowStart()), Times.micros(prediction.getWindowEnd()),
                        BASE.framePeriodMicros());
                windows++;
                for (SceneTruth.Question question : SceneTruth.Question.values()) {
                    TaskResult answer = prediction.getResults().stream().filter(r -> question.text.equals(r.getQuestion())).findFirst().orElseThrow();
                    assertThat(answer.getTask()).isEqualTo(WindowHeads.TASK_ANSWER);
                    if (question.answerable(!truth.sounds().isEmpty())) {
                        asked.merge(question, 1, Integer::sum);
                        right.merge(question, truth.answer(question).equals(answer.getLabel()) ? 1 : 0, Integer::sum);
                    }
                }
                captions.add(List.of(result(prediction, WindowHeads.TASK_CAPTION).getLabel().split(" ")));
                references.add(truth.captions(BASE.seed()).stream().map(c -> List.of(c.split(" "))).toList());
            }
        }
        for (SceneTruth.Question question : SceneTruth.Question.values()) {
            double online = (double) right.get(question) / asked.get(question);
            System.out.printf("question '%s': online %.3f vs offline %.3f over %d windows%n", question.text, online, offlineAnswers.get(question).accuracy(),
                    asked.get(question));
            assertThat(online).as("answers to '%s', online against offline", question.text).isCloseTo(offlineAnswers.get(question).accuracy(), within(0.05));
        }
        double onlineCider = io.mmstream.eval.metrics.CiderD.corpus(references, captions);
        double onlineBleu = io.mmstream.eval.metrics.Bleu.corpus(references, captions, 4);
        System.out.printf("captions: CIDEr-D online %.3f vs offline %.3f, BLEU-4 %.3f vs %.3f%n", onlineCider, offlineCaptions.ciderD(), onlineBleu,
                offlineCaptions.bleu()[3]);
        assertThat(onlineCider).as("captions' CIDEr-D, online against offline").isCloseTo(offlineCaptions.ciderD(), within(0.15));
        assertThat(onlineBleu).as("captions' BLEU-4, online against offline").isCloseTo(offlineCaptions.bleu()[3], within(0.05));

        // the same windows' truth on the truth topic, as simulate publishes it: eval --live joins and scores them alike
        for (WindowTruth truth : base.completedWindows(EPOCH + 2 * SECOND - 1, EPOCH + SECONDS * SECOND, 2 * SECOND, SECOND)) {
            client.sendAsync("mm.truth", truth.getStreamId().getBytes(StandardCharsets.UTF_8), WireCodec.encode(truth));
        }
        client.flush();
        String printed = io.mmstream.MediaTools.command("eval", "--live", "--bootstrap", kafka.bootstrapServers(), "--from-beginning",
                "--predictions-topic", "acc.predictions", "--labels-topic", "mm.labels", "--truth-topic", "mm.truth", "--separated-topic", "acc.separated", "--embeddings-topic", "acc.embeddings",
                "--duration", "15s", "--every", "10min");
        com.fasterxml.jackson.databind.JsonNode live = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                printed.lines().filter(line -> line.startsWith("{")).reduce((first, last) -> last).orElseThrow());
        assertThat(live.path("truthJoined").asInt()).as(printed).isEqualTo(windows);
        for (SceneTruth.Question question : SceneTruth.Question.values()) {
            com.fasterxml.jackson.databind.JsonNode figure = live.path("questions").path(question.wireName());
            assertThat(figure.path("windows").asInt()).as(question.text).isEqualTo(asked.get(question));
            assertThat(figure.path("accuracy").asDouble()).as(question.text).isCloseTo((double) right.get(question) / asked.get(question), within(1e-4));
        }
        assertThat(live.path("captions").path("ciderD").asDouble()).isCloseTo(onlineCider, within(1e-4));
        assertThat(live.path("captions").path("bleu4").asDouble()).isCloseTo(onlineBleu, within(1e-4));
        // the separated audio against the truth's audio of the same seconds (16-bit, as the truth topic carries it)
        assertThat(live.path("separation").path("windows").asInt()).as(printed).isEqualTo((int) separation[1]);
        assertThat(live.path("separation").path("siSdrImprovementDb").asDouble()).isCloseTo(separation[0], within(0.05));
        // text to window over the windows' embeddings, each query's hits the windows its truth describes: as offline
        System.out.printf("text to window over %d windows: live R@5 %.3f mAP %.3f, offline R@5 %.3f mAP %.3f%n", live.path("retrieval").path("windows").asInt(),
                live.path("retrieval").path("r5").asDouble(), live.path("retrieval").path("map").asDouble(), offlineRetrieval.recallAt5(),
                offlineRetrieval.meanAveragePrecision());
        assertThat(live.path("retrieval").path("windows").asInt()).as(printed).isEqualTo(windows);
        assertThat(live.path("retrieval").path("queries").asInt()).isEqualTo(offlineRetrieval.queries());
        // a query whose fifth and sixth windows nearly tie may land either side online (one query is 1/37 of R@5)
        assertThat(live.path("retrieval").path("r5").asDouble()).isCloseTo(offlineRetrieval.recallAt5(), within(2.5 / offlineRetrieval.queries()));
        assertThat(live.path("retrieval").path("map").asDouble()).isCloseTo(offlineRetrieval.meanAveragePrecision(), within(0.03));
    }

    /**
     * Per stream, the last slide of each window the offline evaluation cuts that was heard at all, as the job assembles
     * it from the chunks, and the actor's own sounds over it: [heard, actor] by the slide's start.
     */
    private static Map<String, TreeMap<Long, float[][]>> heardShares(SceneSimulator base) throws Exception {
        DatasetWriter.Params params = new DatasetWriter.Params(BASE, SECONDS, 2 * SECOND, SECOND, 16);
        Map<String, TreeMap<Long, float[][]>> shares = new HashMap<>();
        for (int s = 0; s < BASE.streams(); s++) {
            for (DatasetWriter.Window window : new DatasetWriter().windowsOf(base.scene(s), s, EPOCH, params)) {
                float[] heard = java.util.Arrays.copyOfRange(window.audio(), 16_000, 32_000);
                float[] actor = java.util.Arrays.copyOfRange(window.actorAudio(), 16_000, 32_000);
                boolean anything = false;
                for (float sample : heard) {
                    anything |= sample != 0;
                }
                if (anything) {
                    shares.computeIfAbsent(SceneSimulator.streamId(s), k -> new TreeMap<>()).put(window.startMicros() + SECOND, new float[][] {heard, actor});
                }
            }
        }
        shares.put(IN_ORDER, shares.get("stream-000"));
        return shares;
    }

    /**
     * The separated audio on its topic: each window publishes its last slide at most once, and the muted stream
     * nothing; over the windows the offline evaluation cuts, the SI-SDR of what was published against the actor's own
     * sounds improves on the audio as heard by what the offline evaluation finds.
     *
     * @return the online SI-SDR improvement and the number of windows it is the mean of
     */
    private double[] separatedAudioMatchesTheOfflineEvaluation(KafkaTestClient client, Map<String, TreeMap<Long, float[][]>> shares,
                                                           io.mmstream.eval.SeparationEvaluation.Figure offline) throws Exception {
        Map<String, TreeMap<Long, float[]>> published = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : client.readCommitted("acc.separated")) {
            io.mmstream.schema.AudioChunk chunk = separated(record.value());
            assertThat(chunk.getSampleRate()).isEqualTo(16_000);
            float[] samples = io.mmstream.media.Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels());
            assertThat(samples).hasSize(16_000);
            assertThat(Times.micros(chunk.getCaptureTime()) % SECOND).as("a window's last slide starts on the slide's grid").isEqualTo(EPOCH % SECOND);
            float[] previous = published.computeIfAbsent(chunk.getStreamId(), k -> new TreeMap<>()).put(Times.micros(chunk.getCaptureTime()), samples);
            assertThat(previous).as("a second chunk of %s at %s", chunk.getStreamId(), chunk.getCaptureTime()).isNull();
        }
        assertThat(published).as("the muted stream has nothing to separate").doesNotContainKey(MUTED)
                .containsKeys(NO_CAMERA, OFFSET);
        java.nio.file.Path kcat = java.nio.file.Path.of("/usr/bin/kcat");
        if (java.nio.file.Files.isExecutable(kcat) || System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            // an independent client (librdkafka) reads the same committed seconds: as many per stream
            Process reader = new ProcessBuilder(kcat.toString(), "-b", kafka.bootstrapServers(), "-C", "-t", "acc.separated", "-o", "beginning", "-e", "-q",
                    "-X", "isolation.level=read_committed", "-f", "%k\\n").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Map<String, Long> perStream = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .collect(java.util.stream.Collectors.groupingBy(k -> k, java.util.stream.Collectors.counting()));
            assertThat(reader.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Map<String, Long> ours = new HashMap<>();
            published.forEach((stream, seconds) -> ours.put(stream, (long) seconds.size()));
            assertThat(perStream).as("separated seconds per stream, read by kcat").isEqualTo(ours);
        }
        double before = 0;
        double after = 0;
        int audible = 0;
        for (int s = 0; s < BASE.streams(); s++) {
            String stream = SceneSimulator.streamId(s);
            for (Map.Entry<Long, float[][]> share : shares.get(stream).entrySet()) {
                float[] heard = share.getValue()[0];
                float[] actor = share.getValue()[1];
                if (io.mmstream.eval.SeparationEvaluation.audible(actor)) {
                    before += io.mmstream.eval.metrics.SiSdr.of(heard, actor);
                    after += io.mmstream.eval.metrics.SiSdr.of(published.get(stream).get(share.getKey()), actor);
                    audible++;
                }
            }
        }
        System.out.printf("separation over %d windows where the actor is audible: SI-SDR improvement online %.2f dB vs offline %.2f dB "
                + "(mixture %.2f vs %.2f dB)%n", audible, (after - before) / audible, offline.improvementDb(), before / audible, offline.mixtureDb());
        assertThat(audible).isEqualTo(offline.windows());
        assertThat((after - before) / audible).as("SI-SDR improvement, online against offline").isCloseTo(offline.improvementDb(), within(0.3));
        assertThat(offline.improvementDb()).as("separation improves on the audio as heard").isGreaterThan(3);
        return new double[] {(after - before) / audible, audible};
    }

    private void outOfOrderDeliveryChangesNothing(TreeMap<Long, Prediction> outOfOrder, TreeMap<Long, Prediction> inOrder) {
        for (Map.Entry<Long, Prediction> entry : outOfOrder.entrySet()) {
            Prediction a = entry.getValue();
            Prediction b = inOrder.get(entry.getKey());
            assertSameOffset(b.getAvOffsetMicros(), a.getAvOffsetMicros(), "sync offset at " + entry.getKey());
            for (int r = 0; r < a.getResults().size(); r++) {
                TaskResult x = a.getResults().get(r);
                TaskResult y = b.getResults().get(r);
                assertThat(y.getLabel()).as("%s at %s", x.getTask(), entry.getKey()).isEqualTo(x.getLabel());
                for (int i = 0; i < x.getScores().size(); i++) {
                    assertThat(y.getScores().get(i).getScore()).isCloseTo(x.getScores().get(i).getScore(), within(1e-4f));
                }
            }
        }
    }

    private void syncIsJudgedPerStream(Map<String, TreeMap<Long, Prediction>> byStream, SceneSimulator base, SceneSimulator lateAudio) {
        List<Long> inSyncOffsets = new ArrayList<>();
        int inSyncSaid = 0;
        for (int s = 0; s < BASE.streams(); s++) {
            for (Prediction p : soundingWindows(byStream.get(SceneSimulator.streamId(s)), base.scene(s))) {
                inSyncOffsets.add(p.getAvOffsetMicros());
                inSyncSaid += result(p, WindowHeads.TASK_SYNC).getLabel().equals(WindowHeads.IN_SYNC) ? 1 : 0;
            }
        }
        List<Long> lateOffsets = new ArrayList<>();
        int outOfSyncSaid = 0;
        for (Prediction p : soundingWindows(byStream.get(OFFSET), lateAudio.scene(0))) {
            lateOffsets.add(p.getAvOffsetMicros());
            outOfSyncSaid += result(p, WindowHeads.TASK_SYNC).getLabel().equals(WindowHeads.OUT_OF_SYNC) ? 1 : 0;
        }
        System.out.printf("sync: zero offset, %d sounding windows: median estimate %d ms, %d said in sync; audio 200 ms late, %d windows: "
                        + "median estimate %d ms, %d said out of sync%n", inSyncOffsets.size(), median(inSyncOffsets) / 1000, inSyncSaid,
                lateOffsets.size(), median(lateOffsets) / 1000, outOfSyncSaid);
        assertThat(inSyncOffsets).hasSizeGreaterThan(20);
        assertThat(lateOffsets).hasSizeGreaterThan(5);
        assertThat(median(inSyncOffsets)).as("median offset estimate of in-sync streams").isCloseTo(0L, within(FRAME));
        assertThat(median(lateOffsets)).as("median offset estimate of the stream whose audio is 200 ms late").isCloseTo(200_000L, within(FRAME));
        assertThat(inSyncSaid).as("in-sync windows said in sync").isGreaterThan(inSyncOffsets.size() / 2);
        assertThat(outOfSyncSaid).as("windows of the late-audio stream said out of sync").isGreaterThan(lateOffsets.size() / 2);

        // the stream's own estimate, as the job keeps it over its recent decisive windows: nearer the truth than each
        // window's estimate, and an alarm on it (the dashboard's band) flips less often
        int windowFlips = 0;
        int streamFlips = 0;
        double windowError = 0;
        int windowErrors = 0;
        double streamError = 0;
        int streamErrors = 0;
        Map<String, StreamScene> scenes = new HashMap<>(Map.of(OFFSET, lateAudio.scene(0)));
        for (int s = 0; s < BASE.streams(); s++) {
            scenes.put(SceneSimulator.streamId(s), base.scene(s));
        }
        for (Map.Entry<String, StreamScene> stream : scenes.entrySet()) {
            long truth = stream.getKey().equals(OFFSET) ? 200_000 : 0;
            List<Prediction> predictions = new ArrayList<>(byStream.get(stream.getKey()).values());
            for (Prediction p : soundingWindows(byStream.get(stream.getKey()), stream.getValue())) {
                windowError += Math.abs(p.getAvOffsetMicros() - truth);
                windowErrors++;
            }
            for (Prediction p : predictions) {
                if (p.getStreamAvOffsetMicros() != null) {
                    streamError += Math.abs(p.getStreamAvOffsetMicros() - truth);
                    streamErrors++;
                }
            }
            windowFlips += flips(predictions.stream().map(Prediction::getAvOffsetMicros).toList());
            streamFlips += flips(predictions.stream().map(Prediction::getStreamAvOffsetMicros).toList());
        }
        System.out.printf("sync over %d streams: mean error %.0f ms of each sounding window's estimate (%d), %.0f ms of the stream's (%d windows); "
                + "alarm flips %d on each window's estimate, %d on the stream's%n", scenes.size(), windowError / windowErrors / 1000, windowErrors,
                streamError / streamErrors / 1000, streamErrors, windowFlips, streamFlips);
        assertThat(streamErrors).as("windows with a stream estimate").isGreaterThan(scenes.size() * SECONDS / 2);
        assertThat(streamError / streamErrors).as("mean error of the stream's estimate").isLessThan(windowError / windowErrors);
        assertThat(streamFlips).as("alarm flips on the stream's estimate against each window's").isLessThan(windowFlips);
        assertThat(byStream.get(OFFSET).lastEntry().getValue().getStreamAvOffsetMicros()).as("the late-audio stream's estimate at its end")
                .isCloseTo(200_000L, within(FRAME));
    }

    /** How often an alarm on these offsets (audio more than 45 ms early or 125 ms late) changes state; null offsets skipped. */
    private static int flips(List<Long> offsets) {
        int flips = 0;
        Boolean alarm = null;
        for (Long offset : offsets) {
            if (offset == null) {
                continue;
            }
            boolean now = offset < -45_000 || offset > 125_000;
            flips += alarm != null && alarm != now ? 1 : 0;
            alarm = now;
        }
        return flips;
    }

    private void absentModalitiesAreStatedNotGuessed(Map<String, TreeMap<Long, Prediction>> byStream) {
        for (Prediction p : byStream.get(MUTED).values()) {
            assertThat(p.getModalitiesPresent()).doesNotContain("audio");
            TaskResult sync = result(p, WindowHeads.TASK_SYNC);
            assertThat(sync.getLabel()).isNull();
            assertThat(sync.getReason()).contains("audio");
            assertThat(p.getAvOffsetMicros()).isNull();
            assertThat(result(p, WindowHeads.TASK_FUSION).getLabel()).as("fusion without audio at %s", p.getWindowStart()).isNotNull();
        }
        TreeMap<Long, Prediction> original = byStream.get("stream-002");
        for (Prediction p : byStream.get(NO_CAMERA).values()) {
            long start = Times.micros(p.getWindowStart());
            TaskResult action = result(p, WindowHeads.TASK_ACTION);
            if (start >= CAMERA_STOPS) {
                assertThat(p.getModalitiesPresent()).doesNotContain("video");
                assertThat(action.getLabel()).as("action without a camera at %s", p.getWindowStart()).isNull();
                assertThat(action.getReason()).contains("video");
                assertThat(result(p, WindowHeads.TASK_FUSION).getLabel()).isNotNull();
            } else if (Times.micros(p.getWindowEnd()) <= CAMERA_STOPS) {
                assertThat(action.getLabel()).isEqualTo(result(original.get(start), WindowHeads.TASK_ACTION).getLabel());
            }
        }
    }

    private static Prediction decode(byte[] value) {
        try {
            return WireCodec.decode(Prediction.class, value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static io.mmstream.schema.AudioChunk separated(byte[] value) {
        try {
            return WireCodec.decode(io.mmstream.schema.AudioChunk.class, value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Prediction> soundingWindows(TreeMap<Long, Prediction> predictions, StreamScene scene) {
        return predictions.subMap(EPOCH, true, EPOCH + (SECONDS - 2) * SECOND, true).values().stream()
                .filter(p -> truth(scene, p).makesRegularSounds() && p.getAvOffsetMicros() != null)
                .toList();
    }

    private static Action truth(StreamScene scene, Prediction prediction) {
        return DatasetWriter.majorityAction(scene.labels(Times.micros(prediction.getWindowStart()), Times.micros(prediction.getWindowEnd())));
    }

    private static TaskResult result(Prediction prediction, String task) {
        return prediction.getResults().stream().filter(r -> r.getTask().equals(task)).findFirst().orElseThrow();
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> windowStarts(long first, long last) {
        List<Long> out = new ArrayList<>();
        for (long start = first; start <= last; start += SECOND) {
            out.add(start);
        }
        return out;
    }

    private static String topic(Modality modality) {
        return "acc." + modality.wireName();
    }

    /** The record with another stream id, bytes otherwise the same. */
    private static byte[] renamed(SimRecord record, String streamId) throws IOException {
        SpecificRecord value = switch (record.modality()) {
            case VIDEO -> {
                VideoFrame frame = WireCodec.decode(VideoFrame.class, record.value());
                frame.setStreamId(streamId);
                yield frame;
            }
            case AUDIO -> {
                AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
                chunk.setStreamId(streamId);
                yield chunk;
            }
            case SENSOR -> {
                SensorBatch batch = WireCodec.decode(SensorBatch.class, record.value());
                batch.setStreamId(streamId);
                yield batch;
            }
            case TEXT -> throw new IllegalArgumentException("the simulator writes no text");
        };
        return WireCodec.encode(value);
    }

    /**
     * Both absent (the sync head had no say), or within a millisecond: an offset lies between the head's steps where
     * its scores put it, so it moves with them (a step is 67 ms; scores equal within 1e-4 as ONNX Runtime's sums
     * differ with the batch).
     */
    static void assertSameOffset(Long actual, Long expected, String what) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
        } else {
            assertThat(actual).as(what).isNotNull().isCloseTo(expected, within(1_000L));
        }
    }
}
