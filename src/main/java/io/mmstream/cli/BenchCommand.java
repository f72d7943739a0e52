package io.mmstream.cli;

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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Measurements, each reported as ratios from one run on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure throughput on this machine.",
        subcommands = {BenchCommand.Media.class, BenchCommand.Models.class, PipelineBench.class})
final class BenchCommand {

    /** Milliseconds per batch of every committed model at a few batch sizes (random inputs of the card's shapes). */
    @Command(name = "models", mixinStandardHelpOptions = true, description = "ONNX model cost: ms per batch at batch sizes 1, 8, 32.")
    static final class Models implements Callable<Integer> {

        @Option(names = "--models", defaultValue = "onnx-models", description = "Folder of the models and cards (default ${DEFAULT-VALUE}).")
        java.nio.file.Path folder;

        @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() throws Exception {
            java.util.List<java.nio.file.Path> cards;
            try (var files = java.nio.file.Files.list(folder)) {
                cards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            }
            System.out.printf(Locale.ROOT, "%-20s %12s %12s %12s   (ms per batch, median of 20; T=30 steps, S=200 IMU steps)%n",
                    "model", "batch 1", "batch 8", "batch 32");
            for (java.nio.file.Path card : cards) {
                try (var model = io.mmstream.inference.OnnxModel.open(io.mmstream.inference.ModelCard.load(card),
                        io.mmstream.inference.InferenceOptions.cpu(threads))) {
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-20s", model.card().name()));
                    for (int batch : new int[] {1, 8, 32}) {
                        var inputs = randomInputs(model.card(), batch);
                        double[] millis = new double[20];
                        model.run(inputs);
                        for (int i = 0; i < millis.length; i++) {
                            long start = System.nanoTime();
                            model.run(inputs);
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
