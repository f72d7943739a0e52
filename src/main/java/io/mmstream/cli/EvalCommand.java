package io.mmstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmstream.eval.CaptionEvaluation;
import io.mmstream.eval.Evaluation;
import io.mmstream.eval.QuestionEvaluation;
import io.mmstream.eval.SeparationEvaluation;
import io.mmstream.eval.RetrievalEvaluation;
import io.mmstream.eval.WindowModels;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OnnxModel;
import io.mmstream.inference.StreamSync;
import io.mmstream.sim.Action;
import io.mmstream.sim.SceneTruth;
import io.mmstream.sim.SimulationSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The models' quality on held-out simulated streams (seeds never used in training), optionally written into the cards. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure every model on held-out simulated streams and print the figures; --write-cards stores them in the model cards.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--models", defaultValue = "onnx-models", description = "Folder of the models and cards (default ${DEFAULT-VALUE}).")
    Path models;

    @Option(names = "--streams", defaultValue = "8", description = "Held-out streams per seed and case (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "120", description = "Simulated seconds per stream (default ${DEFAULT-VALUE}).")
    long seconds;

    @Option(names = "--seed", defaultValue = "3000", description = "First held-out seed; training used 1000 and 2000 (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--seeds", defaultValue = "2", description = "Held-out seeds, each 100 after the last (default ${DEFAULT-VALUE}).")
    int seedCount;

    @Option(names = "--write-cards", description = "Write the held-out figures into the model cards.")
    boolean writeCards;

    @Option(names = "--live", description = "Instead: join a deployment's predictions with its labels and per-window truth and report "
            + "accuracy, answers and captions as they come.")
    boolean live;

    /** With --live: how to reach the deployment's Kafka. */
    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--predictions-topic", defaultValue = "mm.predictions", description = "With --live (default ${DEFAULT-VALUE}).")
    String predictionsTopic;

    @Option(names = "--labels-topic", defaultValue = "mm.labels", description = "With --live (default ${DEFAULT-VALUE}).")
    String labelsTopic;

    @Option(names = "--truth-topic", defaultValue = "mm.truth",
            description = "With --live: the per-window truth (WindowTruth) the standing questions' answers and the captions are scored against (default ${DEFAULT-VALUE}).")
    String truthTopic;

    @Option(names = "--separated-topic", defaultValue = "mm.audio.separated",
            description = "With --live: the separated audio, scored against the truth's audio of each window's last slide (default ${DEFAULT-VALUE}).")
    String separatedTopic;

    @Option(names = "--embeddings-topic", defaultValue = "mm.embeddings",
            description = "With --live: the windows' embeddings, searched with the retrieval queries in words; a hit is a window whose truth the query describes (default ${DEFAULT-VALUE}).")
    String embeddingsTopic;

    @Option(names = "--live-models", defaultValue = "classpath:onnx-models",
            description = "With --live: the job's models.dir; its retrieval head's card names the text model that embeds the queries (default ${DEFAULT-VALUE}).")
    String liveModels;

    @Option(names = "--every", defaultValue = "10s", description = "With --live: report this often (default ${DEFAULT-VALUE}).")
    String every;

    @Option(names = "--duration", description = "With --live: stop after this long and print the figures as JSON. Default: until Ctrl-C.")
    String duration;

    @Option(names = "--from-beginning", description = "With --live: score everything in the topics, not only what arrives from now on.")
    boolean fromBeginning;

    @Override
    public Integer call() throws Exception {
        if (live) {
            return new LiveEvaluation(kafkaClient.properties(), predictionsTopic, labelsTopic, truthTopic, separatedTopic, embeddingsTopic, liveModels, fromBeginning).run(
                    io.mmstream.config.Option.parseDuration(every), duration == null ? null : io.mmstream.config.Option.parseDuration(duration));
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        try (WindowModels windowModels = new WindowModels(models, InferenceOptions.cpu(2))) {
            Evaluation evaluation = new Evaluation(windowModels, 64);
            Evaluation.Labelled heldOut = windows(evaluation, 0, seconds, base -> base);
            System.out.printf(Locale.ROOT, "held-out: seeds %s, %d streams x %d s each, %d windows, default difficulty, realistic delivery; "
                    + "[95%% bootstrap interval over the %d streams]%n%n", seeds(0), streams, seconds, heldOut.windows().size(), heldOut.streamCount());

            Evaluation.Score action = evaluation.action(heldOut);
            row("action recognition (video only)", action);
            figures.put(evaluation.actionHead(), figure(action));
            String best = null;
            double bestAccuracy = -1;
            for (String variant : evaluation.fusionHeads()) {
                Evaluation.Score all = evaluation.fusion(variant, heldOut);
                Map<String, Object> cases = new LinkedHashMap<>();
                System.out.println();
                row(variant + ", all modalities", all);
                cases.put("all modalities", figure(all));
                for (Map.Entry<String, boolean[]> modalityCase : Evaluation.modalityCases().entrySet()) {
                    Evaluation.Score score = evaluation.fusion(variant, heldOut, modalityCase.getValue());
                    row(variant + ", " + modalityCase.getKey(), score);
                    cases.put(modalityCase.getKey(), figure(score));
                }
                figures.put(variant, cases);
                if (all.accuracy() > bestAccuracy) {
                    bestAccuracy = all.accuracy();
                    best = variant;
                }
            }
            System.out.printf(Locale.ROOT, "%nbest fusion: %s%n", best);
            printConfusion("action recognition", action);
            printConfusion(best, evaluation.fusion(best, heldOut));

            Evaluation.Labelled offsetWindows = windows(evaluation, 1, seconds, base -> base.withAvOffset(0, 333_000, 0));
            Evaluation.SyncScore sync = evaluation.sync(offsetWindows, SimulationSettings.defaults(1).framePeriodMicros());
            System.out.printf(Locale.ROOT, "%nAV sync (seeds %s, per-stream offsets within +-333 ms, sounding windows): in-sync vs out-of-sync "
                    + "balanced accuracy %.3f %s (%d in sync, %d out of sync), mean absolute offset error %.1f ms [%.1f, %.1f]%n",
                    seeds(1), sync.balancedAccuracy(), sync.balancedInterval(), sync.inSyncWindows(), sync.outOfSyncWindows(),
                    sync.meanAbsoluteErrorMicros() / 1000, sync.errorInterval().low() / 1000, sync.errorInterval().high() / 1000);
            System.out.printf(Locale.ROOT, "  the stream's estimate (median of its last %d decisive windows, as the job keeps it): mean absolute "
                    + "error %.1f ms [%.1f, %.1f] over %d windows%n", StreamSync.WINDOWS, sync.streamErrorMicros() / 1000,
                    sync.streamErrorInterval().low() / 1000, sync.streamErrorInterval().high() / 1000, sync.streamEstimates());
            Map<String, Object> byAction = new LinkedHashMap<>();
            sync.byAction().forEach((sounding, errors) -> {
                System.out.printf(Locale.ROOT, "  %-5s %4d windows: offset within half a frame step %.1f%%, within one %.1f%%, off by 4 or more "
                        + "(a repetition of its sounds away) %.1f%%%n", sounding.wireName(), errors.windows(), 100.0 * errors.withinHalfStep() / errors.windows(),
                        100.0 * errors.withinOneStep() / errors.windows(), 100.0 * errors.farWindows() / errors.windows());
                byAction.put(sounding.wireName(), Map.of("windows", errors.windows(), "within_half_step", (double) errors.withinHalfStep() / errors.windows(),
                        "off_by_4_steps_or_more", (double) errors.farWindows() / errors.windows()));
            });
            figures.put(windowModels.offsetHead(), Map.of("balanced_accuracy", sync.balancedAccuracy(),
                    "balanced_accuracy_ci95", List.of(sync.balancedInterval().low(), sync.balancedInterval().high()),
                    "mean_abs_offset_error_ms", sync.meanAbsoluteErrorMicros() / 1000,
                    "mean_abs_offset_error_ms_ci95", List.of(sync.errorInterval().low() / 1000, sync.errorInterval().high() / 1000),
                    "stream_estimate_mean_abs_error_ms", sync.streamErrorMicros() / 1000,
                    "stream_estimate_mean_abs_error_ms_ci95", List.of(sync.streamErrorInterval().low() / 1000, sync.streamErrorInterval().high() / 1000),
                    "offset_errors_by_action", byAction));

            for (String head : windowModels.heads(io.mmstream.inference.WindowHeads.TASK_RETRIEVAL)) {
                figures.put(head, retrieval(windowModels, head, heldOut));
            }
            for (String head : windowModels.heads(io.mmstream.inference.WindowHeads.TASK_ANSWER)) {
                figures.put(head, questions(windowModels, head, heldOut, offsetWindows));
            }
            for (String head : windowModels.heads(io.mmstream.inference.WindowHeads.TASK_CAPTION)) {
                figures.put(head, captions(windowModels, head, heldOut));
            }
            if (windowModels.separation() != null) {
                SeparationEvaluation.Figure separation = SeparationEvaluation.of(heldOut);
                System.out.printf(Locale.ROOT, "%n%s: SI-SDR improvement %.2f dB [%.2f, %.2f] over the stretch each window publishes (its last slide), "
                        + "in the %d windows where the actor is audible there (mixture %.2f dB, separated %.2f dB)%n", windowModels.separation().card().name(),
                        separation.improvementDb(), separation.interval().low(), separation.interval().high(), separation.windows(),
                        separation.mixtureDb(), separation.separatedDb());
                figures.put(windowModels.separation().card().name(), Map.of("si_sdr_improvement_db", separation.improvementDb(),
                        "si_sdr_improvement_db_ci95", List.of(separation.interval().low(), separation.interval().high()),
                        "si_sdr_mixture_db", separation.mixtureDb(), "si_sdr_separated_db", separation.separatedDb(), "windows_audible", separation.windows()));
            }

            System.out.printf(Locale.ROOT, "%ndifficulty (noise scale; seeds %s):%n", seeds(2));
            Map<String, Object> difficulty = new LinkedHashMap<>();
            for (double scale : new double[] {1, 2, 4}) {
                Evaluation.Labelled harder = windows(evaluation, 2, seconds / 2, base -> base.withNoiseScale(scale));
                Evaluation.Score fusion = evaluation.fusion(best, harder);
                Evaluation.Score video = evaluation.action(harder);
                System.out.printf(Locale.ROOT, "  noise x%.0f: %s %.3f %s, action recognition %.3f %s%n", scale, best, fusion.accuracy(),
                        fusion.interval(), video.accuracy(), video.interval());
                difficulty.put("noise_x" + (int) scale, Map.of(best, figure(fusion), evaluation.actionHead(), figure(video)));
            }
            figures.put("difficulty", difficulty);
        }
        if (writeCards) {
            writeCards(figures);
        }
        return 0;
    }

    /** Text to window (queries embedded by the text model in the same directory) and audio to video, printed and as card figures. */
    private Map<String, Object> retrieval(WindowModels windowModels, String head, Evaluation.Labelled heldOut) throws Exception {
        RetrievalEvaluation retrieval = new RetrievalEvaluation(windowModels, head, heldOut);
        Map<String, Object> out = new LinkedHashMap<>();
        try (OnnxModel text = OnnxModel.open(ModelCard.load(models.resolve("minilm_text.json")), InferenceOptions.cpu(2))) {
            ElementModel minilm = new ElementModel(text);
            Map<String, RetrievalEvaluation.Figures> textToWindow = retrieval.textToWindow("embedding", texts -> minilm.run(
                    texts.stream().map(t -> ElementModel.Call.text(minilm.tokens(t))).toList()).stream().map(ElementModel.Outcome::values).toList());
            System.out.printf(Locale.ROOT, "%n%s: text to window (queries embedded by %s; a hit is any window whose truth the query describes):%n",
                    head, text.card().name());
            textToWindow.forEach((family, f) -> {
                System.out.printf(Locale.ROOT, "  %-24s %3d queries: R@1 %.3f, R@5 %.3f, R@10 %.3f, mAP %.3f%n", family, f.queries(),
                        f.recallAt1(), f.recallAt5(), f.recallAt10(), f.meanAveragePrecision());
                out.put("text_to_window " + family, retrievalFigure(f));
            });
        }
        RetrievalEvaluation.Figures audioToVideo = retrieval.audioToVideo("audio_embedding", "video_embedding");
        System.out.printf(Locale.ROOT, "  audio to video (%d windows with both; the hit is the window's own video): R@1 %.3f, R@5 %.3f, R@10 %.3f, mAP %.3f%n",
                audioToVideo.queries(), audioToVideo.recallAt1(), audioToVideo.recallAt5(), audioToVideo.recallAt10(), audioToVideo.meanAveragePrecision());
        out.put("audio_to_video", retrievalFigure(audioToVideo));
        return out;
    }

    /**
     * Each of the simulator's questions asked of every held-out window that can answer it, in its own words (embedded
     * by the text model); sync also on the streams with AV offsets, where both answers occur (every default stream is
     * in sync, so there the figure is only how often in-sync windows are said to be).
     */
    private Map<String, Object> questions(WindowModels windowModels, String head, Evaluation.Labelled heldOut, Evaluation.Labelled offsetWindows)
            throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        try (OnnxModel text = OnnxModel.open(ModelCard.load(models.resolve("minilm_text.json")), InferenceOptions.cpu(2))) {
            ElementModel minilm = new ElementModel(text);
            java.util.function.Function<String, float[]> embed = question -> ModelSettings.embed(List.of(question), minilm).get(question);
            Map<SceneTruth.Question, QuestionEvaluation.Figure> figures = QuestionEvaluation.of(windowModels, head, heldOut, embed);
            System.out.printf(Locale.ROOT, "%n%s: answer accuracy per question, over the windows that can answer it (sync: where the actor "
                    + "makes a sound):%n", head);
            figures.forEach((question, f) -> {
                System.out.printf(Locale.ROOT, "  %-36s %6.1f%%  [%.1f, %.1f]  %d windows%n", question.text, 100 * f.accuracy(), 100 * f.interval().low(),
                        100 * f.interval().high(), f.windows());
                out.put(question.wireName(), Map.of("accuracy", f.accuracy(), "accuracy_ci95", List.of(f.interval().low(), f.interval().high()),
                        "windows", f.windows()));
            });
            QuestionEvaluation.Figure sync = QuestionEvaluation.of(windowModels, head, offsetWindows, embed, List.of(SceneTruth.Question.SYNC))
                    .get(SceneTruth.Question.SYNC);
            long inSync = offsetWindows.truths().stream().filter(t -> !t.sounds().isEmpty() && t.inSync()).count();
            System.out.printf(Locale.ROOT, "  %-36s %6.1f%%  [%.1f, %.1f]  %d windows, %d of them in sync (seeds %s, per-stream offsets within +-333 ms)%n",
                    SceneTruth.Question.SYNC.text, 100 * sync.accuracy(), 100 * sync.interval().low(), 100 * sync.interval().high(), sync.windows(), inSync,
                    seeds(1));
            out.put("sync_with_offsets", Map.of("accuracy", sync.accuracy(), "accuracy_ci95", List.of(sync.interval().low(), sync.interval().high()),
                    "windows", sync.windows()));
        }
        return out;
    }

    /** Each held-out window's caption against its five references. */
    private Map<String, Object> captions(WindowModels windowModels, String head, Evaluation.Labelled heldOut) throws Exception {
        CaptionEvaluation.Figures f = CaptionEvaluation.of(windowModels, head, heldOut, seed);
        System.out.printf(Locale.ROOT, "%n%s over %d windows, five references each: BLEU-1 %.3f, BLEU-2 %.3f, BLEU-3 %.3f, BLEU-4 %.3f, "
                + "METEOR %.3f, CIDEr-D %.3f%n", head, f.windows(), f.bleu()[0], f.bleu()[1], f.bleu()[2], f.bleu()[3], f.meteor(), f.ciderD());
        f.examples().forEach(example -> System.out.println("  " + example));
        return Map.of("bleu_1", f.bleu()[0], "bleu_2", f.bleu()[1], "bleu_3", f.bleu()[2], "bleu_4", f.bleu()[3], "meteor", f.meteor(),
                "cider_d", f.ciderD(), "windows", f.windows());
    }

    private static Map<String, Object> retrievalFigure(RetrievalEvaluation.Figures f) {
        return Map.of("queries", f.queries(), "r_at_1", f.recallAt1(), "r_at_5", f.recallAt5(), "r_at_10", f.recallAt10(), "map", f.meanAveragePrecision());
    }

    /**
     * The windows of {@code streams} streams at each held-out seed, as one set.
     *
     * @param purpose 0 for the main figures, 1 for sync, 2 for difficulty: each purpose has seeds of its own
     */
    private Evaluation.Labelled windows(Evaluation evaluation, int purpose, long seconds,
                                        java.util.function.UnaryOperator<SimulationSettings> variant) throws Exception {
        List<Evaluation.Labelled> sets = new java.util.ArrayList<>();
        for (long heldOutSeed : seeds(purpose)) {
            sets.add(evaluation.windows(variant.apply(SimulationSettings.defaults(streams).withSeed(heldOutSeed)), seconds));
        }
        return Evaluation.Labelled.concat(sets);
    }

    /** The held-out seeds of one purpose: seed + purpose, then 100 further for each further seed. */
    private List<Long> seeds(int purpose) {
        List<Long> out = new java.util.ArrayList<>();
        for (int k = 0; k < seedCount; k++) {
            out.add(seed + purpose + 100L * k);
        }
        return out;
    }

    private static Map<String, Object> figure(Evaluation.Score score) {
        return Map.of("accuracy", score.accuracy(), "accuracy_ci95", List.of(score.interval().low(), score.interval().high()));
    }

    private static void row(String name, Evaluation.Score score) {
        System.out.printf(Locale.ROOT, "  %-44s %6.1f%%  [%.1f, %.1f]%n", name, score.accuracy() * 100, score.interval().low() * 100,
                score.interval().high() * 100);
    }

    private static void printConfusion(String name, Evaluation.Score score) {
        System.out.printf(Locale.ROOT, "%nconfusion, %s (rows truth, columns predicted):%n%10s", name, "");
        for (Action action : Action.values()) {
            System.out.printf(Locale.ROOT, "%9s", action.wireName());
        }
        System.out.println();
        for (Action truth : Action.values()) {
            System.out.printf(Locale.ROOT, "%10s", truth.wireName());
            Arrays.stream(score.confusion()[truth.ordinal()]).forEach(n -> System.out.printf(Locale.ROOT, "%9d", n));
            System.out.println();
        }
    }

    /** The cards' own layout (as train.py writes them: two-space indents, "key": value, one array item a line), so a rewrite changes only the figures. */
    private static final com.fasterxml.jackson.core.util.DefaultPrettyPrinter CARD_STYLE = new com.fasterxml.jackson.core.util.DefaultPrettyPrinter(
            com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withArrayIndenter(com.fasterxml.jackson.core.util.DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

    private void writeCards(Map<String, Object> figures) throws Exception {
        // sorted keys: the same figures always give the same card
        ObjectMapper json = new ObjectMapper().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        for (Map.Entry<String, Object> entry : figures.entrySet()) {
            Path card = models.resolve(entry.getKey() + ".json");
            if (!card.toFile().exists()) {
                continue;
            }
            ObjectNode root = (ObjectNode) json.readTree(card.toFile());
            ((ObjectNode) root.with("metrics")).set("heldout", json.valueToTree(Map.of("seeds", seeds(0), "streams_per_seed", streams,
                    "seconds", seconds, "figures", entry.getValue())));
            java.nio.file.Files.writeString(card, json.writer(CARD_STYLE).writeValueAsString(root) + "\n");
        }
        System.out.println("figures written into the cards in " + models);
    }
}
