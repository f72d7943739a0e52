package io.mmstream.cli;

import io.mmstream.config.Option;
import io.mmstream.sim.SimulationSettings;
import picocli.CommandLine;

/** The simulator's knobs on the command line, shared by simulate, demo and dataset. */
final class SimulationOptions {

    @CommandLine.Option(names = "--streams", defaultValue = "4", description = "Number of simulated streams (default ${DEFAULT-VALUE}).")
    int streams;

    @CommandLine.Option(names = "--seed", defaultValue = "42", description = "Simulation seed: same seed, same bytes (default ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Option(names = "--fps", defaultValue = "15", description = "Camera frames per second (default ${DEFAULT-VALUE}).")
    int fps;

    @CommandLine.Option(names = "--size", defaultValue = "112", description = "Frame width and height in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @CommandLine.Option(names = "--av-offset", defaultValue = "0ms", description = "Audio minus video offset of every stream (default ${DEFAULT-VALUE}).")
    String avOffset;

    @CommandLine.Option(names = "--av-spread", defaultValue = "0ms", description = "Each stream adds an offset drawn from +-this (default ${DEFAULT-VALUE}).")
    String avSpread;

    @CommandLine.Option(names = "--av-drift", defaultValue = "0", description = "Offset drift in microseconds per second (default ${DEFAULT-VALUE}).")
    double avDrift;

    @CommandLine.Option(names = "--delivery", defaultValue = "realistic",
            description = "perfect (in order, nothing lost) or realistic (jitter, reordering, drops, camera-off and mic-muted spans, bursts; default ${DEFAULT-VALUE}).")
    String delivery;

    SimulationSettings settings() {
        SimulationSettings.Delivery chosen = switch (delivery) {
            case "perfect" -> SimulationSettings.Delivery.perfect();
            case "realistic" -> SimulationSettings.Delivery.realistic();
            default -> throw new IllegalArgumentException("--delivery '" + delivery + "': must be perfect or realistic");
        };
        return SimulationSettings.defaults(streams).withSeed(seed).withVideo(fps, size, size)
                .withAvOffset(Option.parseDuration(avOffset).toNanos() / 1000, Option.parseDuration(avSpread).toNanos() / 1000, avDrift)
                .withDelivery(chosen);
    }
}
