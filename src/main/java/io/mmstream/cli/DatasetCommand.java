package io.mmstream.cli;

import io.mmstream.config.Option;
import io.mmstream.dataset.CaptionEmbeddings;
import io.mmstream.dataset.DatasetWriter;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.OnnxModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Writes labelled training windows of simulated streams for the model training scripts (numpy reads them). */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Write labelled training windows (.npy arrays and index.json) through the job's own media code.")
final class DatasetCommand implements Callable<Integer> {

    @picocli.CommandLine.Option(names = "--out", required = true, description = "Folder to write into (created if missing).")
    Path out;

    @Mixin
    SimulationOptions simulation;

    @picocli.CommandLine.Option(names = "--seconds", defaultValue = "300", description = "Simulated seconds per stream (default ${DEFAULT-VALUE}).")
    long seconds;

    @picocli.CommandLine.Option(names = "--window", defaultValue = "2s", description = "Window length (default ${DEFAULT-VALUE}).")
    String window;

    @picocli.CommandLine.Option(names = "--slide", defaultValue = "1s", description = "Window slide (default ${DEFAULT-VALUE}).")
    String slide;

    @picocli.CommandLine.Option(names = "--image-size", defaultValue = "64", description = "Frames are resized to this square size (default ${DEFAULT-VALUE}).")
    int imageSize;

    @picocli.CommandLine.Option(names = "--text-model", defaultValue = "onnx-models/minilm_text.json",
            description = "Card of the text model that embeds each window's reference captions into caption_embeddings.npy (default ${DEFAULT-VALUE}).")
    Path textModel;

    @Override
    public Integer call() throws Exception {
        var params = new DatasetWriter.Params(simulation.settings(), seconds, Option.parseDuration(window).toNanos() / 1000,
                Option.parseDuration(slide).toNanos() / 1000, imageSize);
        int total = params.settings().streams() * params.windowsPerStream();
        long started = System.nanoTime();
        DatasetWriter.Summary summary = new DatasetWriter().write(out, params, done -> {
            if (done % 20 == 0 || done == total) {
                int filled = (int) Math.round(30.0 * done / total);
                double elapsed = (System.nanoTime() - started) / 1e9;
                System.err.printf(Locale.ROOT, "\r[%s%s] %d / %d windows, %.1f s", "#".repeat(filled), " ".repeat(30 - filled), done, total, elapsed);
            }
        });
        System.err.println();
        try (OnnxModel text = OnnxModel.open(ModelCard.load(textModel), InferenceOptions.cpu(Runtime.getRuntime().availableProcessors()))) {
            int distinct = CaptionEmbeddings.write(out, new ElementModel(text));
            System.err.printf(Locale.ROOT, "%d distinct captions embedded with %s%n", distinct, text.card().name());
        }
        System.out.printf(Locale.ROOT, "{\"out\": \"%s\", \"windows\": %d, \"frames\": %d, \"seconds\": %.1f, \"framesPerSecond\": %.0f, \"windowsPerAction\": %s}%n",
                out, summary.windows(), summary.frames(), summary.seconds(), summary.frames() / summary.seconds(),
                summary.windowsPerAction().toString().replace("=", ": "));
        return 0;
    }
}
