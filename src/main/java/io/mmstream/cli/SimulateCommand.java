package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.config.Option;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimulationSettings;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;

/** Publishes simulated streams (video, audio, IMU and the truth labels) to any Kafka. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Publish simulated streams with ground truth to Kafka, in real time or as fast as possible.")
final class SimulateCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @picocli.CommandLine.Mixin
    SimulationOptions simulation;

    @picocli.CommandLine.Option(names = "--duration", description = "Simulated time to publish, e.g. 5min; endless when left out.")
    String duration;

    @picocli.CommandLine.Option(names = "--fast", description = "As fast as possible (capture times end now) instead of in real time.")
    boolean fast;

    @picocli.CommandLine.Option(names = "--topic-prefix", defaultValue = "mm.", description = "Topics are PREFIX{video,audio,sensor,labels,truth} (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @picocli.CommandLine.Option(names = "--window", defaultValue = "2s", description = "The job's window size, for the per-window truth (default ${DEFAULT-VALUE}, as the job's window.size).")
    String window;

    @picocli.CommandLine.Option(names = "--slide", defaultValue = "1s", description = "The job's window slide, for the per-window truth (default ${DEFAULT-VALUE}, as the job's window.slide).")
    String slide;

    @Override
    public Integer call() {
        if (fast && duration == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--fast needs a --duration");
        }
        long length = duration == null ? Long.MAX_VALUE : Option.parseDuration(duration).toNanos() / 1000;
        long now = System.currentTimeMillis() * 1000;
        // in fast mode the whole span lies in the past, so no capture time is ahead of a job's future horizon
        long epoch = fast ? now - length : now;
        SimulationSettings settings = simulation.settings();
        SceneSimulator simulator = new SceneSimulator(settings, epoch, simulation.trouble());
        Properties kafka = kafkaClient.properties();
        Map<Modality, String> topics = Map.of(Modality.VIDEO, topicPrefix + "video", Modality.AUDIO, topicPrefix + "audio",
                Modality.SENSOR, topicPrefix + "sensor");
        AtomicBoolean stop = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
        SimulationPublisher.TruthWindows truth = new SimulationPublisher.TruthWindows(topicPrefix + "truth",
                Option.parseDuration(window).toNanos() / 1000, Option.parseDuration(slide).toNanos() / 1000);
        SimulationPublisher publisher = new SimulationPublisher(simulator, kafka, topics, topicPrefix + "labels", truth, !fast,
                duration == null ? Long.MAX_VALUE : epoch + length, 0, stop, System.err);
        long started = System.nanoTime();
        publisher.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("{\"streams\": %d, \"records\": %d, \"labels\": %d, \"windowTruths\": %d, \"seconds\": %.1f, \"recordsPerSecond\": %.0f}%n",
                settings.streams(), publisher.sent.get(), publisher.labels.get(), publisher.truths.get(), seconds, publisher.sent.get() / seconds);
        return 0;
    }
}
