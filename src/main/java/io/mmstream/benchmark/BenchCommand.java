package io.mmstream.benchmark;

import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.media.ImageCodec;
import io.mmstream.media.ImageIoCodec;
import io.mmstream.media.JpegEncoder;
import io.mmstream.media.LogMel;
import io.mmstream.media.OpenCvImageCodec;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measurements, each reported as ratios from one run on this machine. Without a subcommand: all of them, the full
 * run written as a dated section of BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure on this machine: everything (written to BENCHMARKS.md), or one part with a subcommand.",
        subcommands = {BenchCommand.Media.class, BenchCommand.Models.class, PipelineBench.class, LatencyBench.class, ScalingBench.class, JmhBench.class})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Every part, small: a smoke check in under two minutes; writes nothing unless --output is given.")
    boolean quick;

    @Option(names = "--output", description = "Markdown file the run is added to (default: BENCHMARKS.md for the full run, none with --quick).")
    java.nio.file.Path output;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        BenchReport report = new BenchReport(quick);
        System.out.println("JMH: hot paths, one thread" + (quick ? " (quick)" : ""));
        report.jmh = JmhBench.measure(quick);
        report.jmh.forEach(score -> System.out.printf(Locale.ROOT, "  %-22s %10.2f us%n", score.benchmark(), score.micros()));
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            report.throughput = PipelineBench.measure(kafka, quick ? 8 : 32, quick ? 10 : 60, Map.of());
            report.throughput.print();

            int halfLoad = Math.max(1, (int) Math.round(report.throughput.pipelineFps() / PipelineBench.FPS / 2));
            // the quick run's throughput comes from too little input to size a load on
            halfLoad = quick ? Math.min(halfLoad, 16) : halfLoad;
            int latencySeconds = quick ? 10 : 30;
            System.out.println();
            System.out.println("Latency at " + (quick ? "light load" : "half the pipeline's throughput") + ", " + halfLoad + " streams in real time, " + latencySeconds + " s");
            System.out.println(LatencyBench.Latency.header());
            List<String> guarantees = List.of("at-least-once", "exactly-once");
            for (String guarantee : guarantees) {
                report.latency.add(LatencyBench.measure(kafka, "pipeline", io.mmstream.job.Pipeline::build, guarantee, halfLoad, latencySeconds));
                System.out.println(report.latency.get(report.latency.size() - 1).row());
            }
            if (!quick) {
                report.latency.add(LatencyBench.measure(kafka, "naive", NaiveBaseline::build, "at-least-once", halfLoad, latencySeconds));
                System.out.println(report.latency.get(report.latency.size() - 1).row());
            }

            System.out.println();
            System.out.println(ScalingBench.Scale.header());
            for (int streams : List.of(1, 4, 16, 64, 256)) {
                // at least a few hundred windows in each run, so that the throughput is not a handful of bursts; 256 streams
                // hold thousands of windows in 10 s
                int seconds = streams >= 256 ? (quick ? 4 : 10) : Math.max(quick ? 4 : 30, (quick ? 32 : 256) / streams);
                report.scaling.add(ScalingBench.scale(kafka, streams, seconds));
                System.out.println(report.scaling.get(report.scaling.size() - 1).row());
            }
            System.out.println();
            System.out.println(ScalingBench.WindowState.header());
            for (int window : quick ? List.of(2) : List.of(1, 2, 4, 8)) {
                report.windowState.add(ScalingBench.windowState(kafka, window, 4));
                System.out.println(report.windowState.get(report.windowState.size() - 1).row());
            }
        }
        report.minutes = (System.nanoTime() - started) / 60e9;
        System.out.printf(Locale.ROOT, "%nbench%s took %.1f min%n", quick ? " --quick" : "", report.minutes);
        java.nio.file.Path target = output != null ? output : quick ? null : java.nio.file.Path.of("BENCHMARKS.md");
        if (target != null) {
            report.addTo(target);
            System.out.println("Written to " + target);
        }
        return 0;
    }

    /** Milliseconds per batch of every committed model at a few batch sizes (random inputs of the card's shapes). */
    @Command(name = "models", mixinStandardHelpOptions = true, description = "ONNX model cost: ms per batch at batch sizes 1, 8, 32.")
    static final class Models implements Callable<Integer> {

        @Option(names = "--models", defaultValue = "onnx-models", description = "Folder of the models and cards (default ${DEFAULT-VALUE}).")
        java.nio.file.Path folder;

        @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() throws Exception {
            java.util.List<java.nio.file.Path> cards = io.mmstream.inference.ModelCard.cardsIn(folder);
            System.out.printf(Locale.ROOT, "%-20s %12s %12s %12s   (ms per batch, median of 20; T=30 steps, S=200 IMU steps; "
                    + "a model with a fixed batch in calls of that size)%n",
                    "model", "batch 1", "batch 8", "batch 32");
            for (java.nio.file.Path card : cards) {
                try (var model = io.mmstream.inference.OnnxModel.open(io.mmstream.inference.ModelCard.load(card),
                        io.mmstream.inference.InferenceOptions.cpu(threads))) {
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-20s", model.card().name()));
                    for (int batch : new int[] {1, 8, 32}) {
                        Batch call = batchOf(model, batch);
                        double[] millis = new double[20];
                        call.run();
                        for (int i = 0; i < millis.length; i++) {
                            long start = System.nanoTime();
                            call.run();
                            millis[i] = (System.nanoTime() - start) / 1e6;
                        }
                        java.util.Arrays.sort(millis);
                        row.append(String.format(Locale.ROOT, " %12.2f", millis[millis.length / 2]));
                    }
                    System.out.println(row);
                }
            }
            return 0;
        }

        private interface Batch {
            void run() throws Exception;
        }

        /**
         * One batch of random inputs: the trained models' tensors as their cards shape them; a model run from its card
         * alone through {@link io.mmstream.inference.ElementModel}, as the job runs it (constants, zero state, and in
         * calls of its fixed batch where the card has one).
         */
        private static Batch batchOf(io.mmstream.inference.OnnxModel model, int batch) {
            if (model.card().stage() == io.mmstream.inference.ModelCard.Stage.WINDOW) {
                var inputs = randomInputs(model.card(), batch);
                return () -> model.run(inputs);
            }
            var element = new io.mmstream.inference.ElementModel(model);
            java.util.SplittableRandom random = new java.util.SplittableRandom(1);
            java.util.List<io.mmstream.inference.ElementModel.Call> calls = new java.util.ArrayList<>();
            for (int i = 0; i < batch; i++) {
                calls.add(element.sampleCall(random));
            }
            return () -> element.run(calls);
        }

        private static java.util.Map<String, io.mmstream.inference.Input> randomInputs(io.mmstream.inference.ModelCard card, int batch) {
            java.util.Map<String, io.mmstream.inference.Input> inputs = new java.util.LinkedHashMap<>();
            java.util.SplittableRandom random = new java.util.SplittableRandom(1);
            for (var tensor : card.inputs()) {
                long[] shape = new long[tensor.shape().size()];
                int elements = 1;
                for (int d = 0; d < shape.length; d++) {
                    String dim = tensor.shape().get(d);
                    shape[d] = switch (dim) {
                        case "B" -> batch;
                        case "T" -> 30;
                        case "S" -> 200;
                        default -> Long.parseLong(dim);
                    };
                    elements *= (int) shape[d];
                }
                float[] data = new float[elements];
                boolean mask = tensor.name().endsWith("mask");
                for (int i = 0; i < elements; i++) {
                    data[i] = mask ? 1f : (float) random.nextGaussian();
                }
                inputs.put(tensor.name(), io.mmstream.inference.Input.of(data, shape));
            }
            return inputs;
        }
    }

    /** JPEG decode + resize on both image paths, and log-mel, on simulated frames and audio. */
    @Command(name = "media", mixinStandardHelpOptions = true, description = "Image decode+resize (ImageIO vs OpenCV) and log-mel throughput.")
    static final class Media implements Callable<Integer> {

        @Option(names = "--seconds", defaultValue = "3", description = "Measuring time per case (default ${DEFAULT-VALUE}).")
        double seconds;

        @Override
        public Integer call() {
            System.out.println("case                                  ImageIO   OpenCV    OpenCV/ImageIO");
            for (int size : new int[] {112, 480}) {
                List<byte[]> frames = frames(size);
                double java2d = framesPerSecond(new ImageIoCodec(), frames, size);
                double openCv = framesPerSecond(new OpenCvImageCodec(), frames, size);
                System.out.printf(Locale.ROOT, "JPEG %3dx%-3d -> 64x64 (frames/s)     %9.0f %9.0f   %6.2f%n", size, size, java2d, openCv, openCv / java2d);
            }
            LogMel logMel = new LogMel(LogMel.Params.standard());
            float[] second = new float[16_000];
            for (int i = 0; i < second.length; i++) {
                second[i] = (float) Math.sin(i * 0.1);
            }
            long iterations = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < seconds * 1e9) {
                logMel.compute(second);
                iterations++;
            }
            double audioSecondsPerSecond = iterations / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "log-mel: %.0f seconds of 16 kHz audio per second (%.0fx real time)%n", audioSecondsPerSecond, audioSecondsPerSecond);
            System.out.println("ImageCodec.standard() is " + ImageCodec.standard().getClass().getSimpleName());
            return 0;
        }

        private static List<byte[]> frames(int size) {
            StreamScene scene = new SceneSimulator(SimulationSettings.defaults(1).withVideo(15, size, size), 0).scene(0);
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                BufferedImage image = scene.frameImage(i * 66_667L);
                frames.add(JpegEncoder.encode(image, 85));
            }
            return frames;
        }

        private double framesPerSecond(ImageCodec codec, List<byte[]> frames, int size) {
            for (int warmup = 0; warmup < 200; warmup++) {
                codec.decodeResized(frames.get(warmup % frames.size()), ImageEncoding.JPEG, size, size, 64, 64);
            }
            long count = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < seconds * 1e9) {
                codec.decodeResized(frames.get((int) (count % frames.size())), ImageEncoding.JPEG, size, size, 64, 64);
                count++;
            }
            return count / ((System.nanoTime() - start) / 1e9);
        }
    }
}
