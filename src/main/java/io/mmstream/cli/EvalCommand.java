package io.mmstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmstream.eval.Evaluation;
import io.mmstream.eval.WindowModels;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.sim.Action;
import io.mmstream.sim.SimulationSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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

    @Option(names = "--streams", defaultValue = "4", description = "Held-out streams per case (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--seconds", defaultValue = "150", description = "Simulated seconds per stream (default ${DEFAULT-VALUE}).")
    long seconds;

    @Option(names = "--seed", defaultValue = "3000", description = "First held-out seed; training used 1000 and 2000 (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--write-cards", description = "Write the held-out figures into the model cards.")
    boolean writeCards;

    @Option(names = "--live", description = "Instead: join a deployment's predictions with its labels and report accuracy as they come.")
    boolean live;

    /** With --live: how to reach the deployment's Kafka. */
    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--predictions-topic", defaultValue = "mm.predictions", description = "With --live (default ${DEFAULT-VALUE}).")
    String predictionsTopic;

    @Option(names = "--labels-topic", defaultValue = "mm.labels", description = "With --live (default ${DEFAULT-VALUE}).")
    String labelsTopic;

    @Option(names = "--every", defaultValue = "10s", description = "With --live: report this often (default ${DEFAULT-VALUE}).")
    String every;

    @Option(names = "--duration", description = "With --live: stop after this long and print the figures as JSON. Default: until Ctrl-C.")
    String duration;

    @Option(names = "--from-beginning", description = "With --live: score everything in the topics, not only what arrives from now on.")
    boolean fromBeginning;

    @Override
    public Integer call() throws Exception {
        if (live) {
            return new LiveEvaluation(kafkaClient.properties(), predictionsTopic, labelsTopic, fromBeginning).run(
                    io.mmstream.config.Option.parseDuration(every), duration == null ? null : io.mmstream.config.Option.parseDuration(duration));
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        try (WindowModels windowModels = new WindowModels(models, InferenceOptions.cpu(2))) {
            Evaluation evaluation = new Evaluation(windowModels, 64);
            SimulationSettings base = SimulationSettings.defaults(streams).withSeed(seed);
            Evaluation.Labelled heldOut = evaluation.windows(base, seconds);
            System.out.printf(Locale.ROOT, "held-out: seed %d, %d streams x %d s, %d windows, default difficulty, realistic delivery%n%n",
                    seed, streams, seconds, heldOut.windows().size());

            Evaluation.Score action = evaluation.action(heldOut);
            row("action recognition (video only)", action.accuracy());
            figures.put(evaluation.actionHead(), Map.of("accuracy", action.accuracy()));
            String best = null;
            double bestAccuracy = -1;
            for (String variant : evaluation.fusionHeads()) {
                Evaluation.Score all = evaluation.fusion(variant, heldOut);
                Map<String, Double> cases = new LinkedHashMap<>();
                cases.put("all modalities", all.accuracy());
                for (Map.Entry<String, boolean[]> modalityCase : Evaluation.modalityCases().entrySet()) {
                    cases.put(modalityCase.getKey(), evaluation.fusion(variant, heldOut, modalityCase.getValue()).accuracy());
                }
                System.out.println();
                cases.forEach((name, accuracy) -> row(variant + ", " + name, accuracy));
                figures.put(variant, cases);
                if (all.accuracy() > bestAccuracy) {
                    bestAccuracy = all.accuracy();
                    best = variant;
                }
            }
            System.out.printf(Locale.ROOT, "%nbest fusion: %s%n", best);
            printConfusion("action recognition", action);
            printConfusion(best, evaluation.fusion(best, heldOut));

            SimulationSettings offsets = base.withSeed(seed + 1).withAvOffset(0, 333_000, 0);
            Evaluation.SyncScore sync = evaluation.sync(evaluation.windows(offsets, seconds), offsets.framePeriodMicros());
            System.out.printf(Locale.ROOT, "%nAV sync (seed %d, per-stream offsets within +-333 ms, sounding windows): in-sync vs out-of-sync "
                    + "balanced accuracy %.3f (%d in sync, %d out of sync), mean absolute offset error %.1f ms%n",
                    seed + 1, sync.balancedAccuracy(), sync.inSyncWindows(), sync.outOfSyncWindows(), sync.meanAbsoluteErrorMicros() / 1000);
            figures.put(windowModels.offsetHead(), Map.of("balanced_accuracy", sync.balancedAccuracy(), "mean_abs_offset_error_ms", sync.meanAbsoluteErrorMicros() / 1000));

            System.out.printf(Locale.ROOT, "%ndifficulty (noise scale; seed %d):%n", seed + 2);
            Map<String, Object> difficulty = new LinkedHashMap<>();
            for (double scale : new double[] {1, 2, 4}) {
                Evaluation.Labelled harder = evaluation.windows(base.withSeed(seed + 2).withNoiseScale(scale), seconds / 2);
                double fusion = evaluation.fusion(best, harder).accuracy();
                double video = evaluation.action(harder).accuracy();
                System.out.printf(Locale.ROOT, "  noise x%.0f: %s %.3f, action recognition %.3f%n", scale, best, fusion, video);
                difficulty.put("noise_x" + (int) scale, Map.of(best, fusion, evaluation.actionHead(), video));
            }
            figures.put("difficulty", difficulty);
        }
        if (writeCards) {
            writeCards(figures);
        }
        return 0;
    }

    private static void row(String name, double accuracy) {
        System.out.printf(Locale.ROOT, "  %-44s %6.1f%%%n", name, accuracy * 100);
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

    private void writeCards(Map<String, Object> figures) throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, Object> entry : figures.entrySet()) {
            Path card = models.resolve(entry.getKey() + ".json");
            if (!card.toFile().exists()) {
                continue;
            }
            ObjectNode root = (ObjectNode) json.readTree(card.toFile());
            ((ObjectNode) root.with("metrics")).set("heldout", json.valueToTree(Map.of("seed", seed, "streams", streams, "seconds", seconds,
                    "figures", entry.getValue())));
            json.writerWithDefaultPrettyPrinter().writeValue(card.toFile(), root);
        }
        System.out.println("figures written into the cards in " + models);
    }
}
