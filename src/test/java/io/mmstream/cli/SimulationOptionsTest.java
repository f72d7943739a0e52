package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmstream.sim.SimulationSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SimulationOptionsTest {

    private static SimulationSettings parse(String... args) {
        DatasetCommand command = new DatasetCommand();
        new CommandLine(command).parseArgs(args);
        return command.simulation.settings();
    }

    @Test
    void knobsChangeOnlyWhatTheyName() {
        SimulationSettings settings = parse("--out", "x", "--streams", "3", "--av-offset", "80ms", "--av-spread", "20ms",
                "--delivery-set", "jitter=50ms", "--delivery-set", "camera-off-rate=0.5");

        SimulationSettings.Delivery realistic = SimulationSettings.Delivery.realistic();
        assertThat(settings.streams()).isEqualTo(3);
        assertThat(settings.avOffsetMicros()).isEqualTo(80_000);
        assertThat(settings.avOffsetSpreadMicros()).isEqualTo(20_000);
        assertThat(settings.delivery().jitterMaxMicros()).isEqualTo(50_000);
        assertThat(settings.delivery().cameraOffRate()).isEqualTo(0.5);
        assertThat(settings.delivery().reorderMaxMicros()).isEqualTo(realistic.reorderMaxMicros());
        assertThat(settings.delivery().micMutedRate()).isEqualTo(realistic.micMutedRate());
        assertThat(parse("--out", "x", "--delivery", "perfect").delivery()).isEqualTo(SimulationSettings.Delivery.perfect());
        assertThat(settings.videoNoise()).isEqualTo(SimulationSettings.defaults(3).videoNoise());
    }

    @Test
    void theNoiseScaleScalesEveryModalitysNoise() {
        SimulationSettings defaults = SimulationSettings.defaults(4);
        SimulationSettings noisy = parse("--out", "x", "--noise-scale", "2.5");
        assertThat(noisy.videoNoise()).isEqualTo(defaults.videoNoise() * 2.5);
        assertThat(noisy.audioNoise()).isEqualTo(defaults.audioNoise() * 2.5);
        assertThat(noisy.imuNoise()).isEqualTo(defaults.imuNoise() * 2.5);
        assertThatThrownBy(() -> parse("--out", "x", "--noise-scale", "-1")).hasMessage("--noise-scale -1.0: must not be negative");
    }

    @Test
    void aBadKnobNamesItself() {
        assertThatThrownBy(() -> parse("--out", "x", "--delivery-set", "drop-rate=2"))
                .hasMessage("--delivery-set drop-rate=2: must be between 0 and 1");
        assertThatThrownBy(() -> parse("--out", "x", "--delivery-set", "speed=1")).hasMessage("--delivery-set speed=1: unknown knob");
    }
}
