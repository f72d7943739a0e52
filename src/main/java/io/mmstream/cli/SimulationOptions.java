package io.mmstream.cli;

import io.mmstream.config.Option;
import io.mmstream.sim.DeviceTrouble;
import io.mmstream.sim.SimulationSettings;
import java.util.HashMap;
import java.util.Map;
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

    @CommandLine.Option(names = "--noise-scale", defaultValue = "1",
            description = "Scales the video, audio and IMU noise together: 2 is the difficulty eval calls noise x2 (default ${DEFAULT-VALUE}).")
    double noiseScale;

    @CommandLine.Option(names = "--delivery", defaultValue = "realistic",
            description = "perfect (in order, nothing lost) or realistic (jitter, reordering, drops, camera-off and mic-muted spans, bursts; default ${DEFAULT-VALUE}).")
    String delivery;

    @CommandLine.Option(names = "--delivery-set", paramLabel = "KNOB=VALUE",
            description = "Change one delivery knob of the chosen preset: clock-skew, jitter, reorder-max, burst-hold (durations), "
                    + "reorder-rate, drop-rate, camera-off-rate, mic-muted-rate, burst-rate (0..1). Repeatable.")
    java.util.Map<String, String> deliveryKnobs = new java.util.LinkedHashMap<>();

    @CommandLine.Option(names = "--lagging-devices", defaultValue = "0",
            description = "This many streams (the last ones) reach Kafka --lag later than their partition-mates (default ${DEFAULT-VALUE}).")
    int laggingDevices;

    @CommandLine.Option(names = "--lag", defaultValue = "30s", description = "How far the lagging devices lag (default ${DEFAULT-VALUE}).")
    String lag;

    @CommandLine.Option(names = "--stalling-devices", defaultValue = "0",
            description = "This many streams (before the lagging ones) stop sending at --stall-at for --stall, then flush (default ${DEFAULT-VALUE}).")
    int stallingDevices;

    @CommandLine.Option(names = "--stall-at", defaultValue = "10s", description = "Stream time at which the stalling devices stall (default ${DEFAULT-VALUE}).")
    String stallAt;

    @CommandLine.Option(names = "--stall", defaultValue = "10s", description = "How long the stalling devices hold their records (default ${DEFAULT-VALUE}).")
    String stall;

    @CommandLine.Option(names = "--clock-behind-devices", defaultValue = "0",
            description = "This many streams (before those) stamp capture times --clock-behind in the past (default ${DEFAULT-VALUE}).")
    int clockBehindDevices;

    @CommandLine.Option(names = "--clock-behind", defaultValue = "1h", description = "How far their clocks run behind (default ${DEFAULT-VALUE}).")
    String clockBehind;

    @CommandLine.Option(names = "--rejecting-devices", defaultValue = "0",
            description = "This many streams (before those) send only records the job must reject (default ${DEFAULT-VALUE}).")
    int rejectingDevices;

    /** The devices in trouble, by stream index, counted down from the last stream: lagging, stalling, clock behind, rejecting. */
    Map<Integer, DeviceTrouble> trouble() {
        if (laggingDevices + stallingDevices + clockBehindDevices + rejectingDevices > streams) {
            throw new IllegalArgumentException("more devices in trouble (" + (laggingDevices + stallingDevices + clockBehindDevices + rejectingDevices)
                    + ") than --streams " + streams);
        }
        Map<Integer, DeviceTrouble> trouble = new HashMap<>();
        int next = streams - 1;
        for (int i = 0; i < laggingDevices; i++) {
            trouble.put(next--, DeviceTrouble.lagging(micros(lag)));
        }
        for (int i = 0; i < stallingDevices; i++) {
            trouble.put(next--, DeviceTrouble.stalling(micros(stallAt), micros(stall)));
        }
        for (int i = 0; i < clockBehindDevices; i++) {
            trouble.put(next--, DeviceTrouble.clockBehind(micros(clockBehind)));
        }
        for (int i = 0; i < rejectingDevices; i++) {
            trouble.put(next--, DeviceTrouble.rejecting());
        }
        return trouble;
    }

    SimulationSettings settings() {
        SimulationSettings.Delivery chosen = switch (delivery) {
            case "perfect" -> SimulationSettings.Delivery.perfect();
            case "realistic" -> SimulationSettings.Delivery.realistic();
            default -> throw new IllegalArgumentException("--delivery '" + delivery + "': must be perfect or realistic");
        };
        if (!(noiseScale >= 0)) {
            throw new IllegalArgumentException("--noise-scale " + noiseScale + ": must not be negative");
        }
        for (var knob : deliveryKnobs.entrySet()) {
            chosen = withKnob(chosen, knob.getKey(), knob.getValue());
        }
        return SimulationSettings.defaults(streams).withSeed(seed).withVideo(fps, size, size)
                .withAvOffset(Option.parseDuration(avOffset).toNanos() / 1000, Option.parseDuration(avSpread).toNanos() / 1000, avDrift)
                .withNoiseScale(noiseScale).withDelivery(chosen);
    }

    private static SimulationSettings.Delivery withKnob(SimulationSettings.Delivery d, String knob, String value) {
        long[] durations = {d.clockSkewMaxMicros(), d.jitterMaxMicros(), d.reorderMaxMicros(), d.burstHoldMicros()};
        double[] shares = {d.reorderRate(), d.dropRate(), d.cameraOffRate(), d.micMutedRate(), d.burstRate()};
        try {
            switch (knob) {
                case "clock-skew" -> durations[0] = micros(value);
                case "jitter" -> durations[1] = micros(value);
                case "reorder-max" -> durations[2] = micros(value);
                case "burst-hold" -> durations[3] = micros(value);
                case "reorder-rate" -> shares[0] = share(value);
                case "drop-rate" -> shares[1] = share(value);
                case "camera-off-rate" -> shares[2] = share(value);
                case "mic-muted-rate" -> shares[3] = share(value);
                case "burst-rate" -> shares[4] = share(value);
                default -> throw new IllegalArgumentException("unknown knob");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--delivery-set " + knob + "=" + value + ": " + e.getMessage());
        }
        return new SimulationSettings.Delivery(durations[0], durations[1], shares[0], durations[2], shares[1], shares[2], shares[3],
                shares[4], durations[3]);
    }

    private static long micros(String duration) {
        long value = Option.parseDuration(duration).toNanos() / 1000;
        if (value < 0) {
            throw new IllegalArgumentException("must not be negative");
        }
        return value;
    }

    private static double share(String text) {
        double value = Double.parseDouble(text);
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("must be between 0 and 1");
        }
        return value;
    }
}
