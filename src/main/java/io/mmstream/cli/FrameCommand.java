package io.mmstream.cli;

import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimulationSettings;
import io.mmstream.sim.StreamScene;
import java.io.File;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes one simulated frame as a PNG, so a person can look at what the models see. */
@Command(name = "frame", mixinStandardHelpOptions = true, description = "Write one simulated camera frame as a PNG image.")
final class FrameCommand implements Callable<Integer> {

    @Option(names = "--stream", defaultValue = "0", description = "Stream index (default ${DEFAULT-VALUE}).")
    int stream;

    @Option(names = "--at", defaultValue = "5", description = "Seconds since the stream began (default ${DEFAULT-VALUE}).")
    double atSeconds;

    @Option(names = "--seed", defaultValue = "42", description = "Simulation seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "112", description = "Frame width and height in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--out", required = true, description = "PNG file to write.")
    File out;

    @Override
    public Integer call() throws Exception {
        SimulationSettings settings = SimulationSettings.defaults(stream + 1).withSeed(seed).withVideo(15, size, size);
        StreamScene scene = new SceneSimulator(settings, 0).scene(stream);
        long micros = Math.round(atSeconds * 1e6);
        if (!ImageIO.write(scene.frameImage(micros), "png", out)) {
            throw new IllegalStateException("no PNG writer");
        }
        System.out.printf("%s at %.2f s: %s -> %s%n", scene.streamId(), atSeconds, scene.actionAt(micros).wireName(), out);
        return 0;
    }
}
