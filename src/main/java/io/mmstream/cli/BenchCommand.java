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
        subcommands = {BenchCommand.Media.class})
final class BenchCommand {

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
