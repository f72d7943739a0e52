package io.mmstream.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shirt's colour has one name: its hue keeps clear of the borders between names. */
class FrameRendererTest {

    private static String name(float hue) {
        return FrameRenderer.colourName(hue);
    }

    @Test
    void aDrawnHueKeepsItsNameAndLandsClearOfEveryBorder() {
        for (int i = 0; i <= 10_000; i++) {
            float drawn = i / 10_001f;
            float hue = FrameRenderer.nameableHue(drawn);
            assertThat(name(hue)).as("hue %s drawn as %s", hue, drawn).isEqualTo(name(drawn));
            // the narrowest band (orange, 0.07 wide) leaves at least a quarter of its width on either side
            for (float step : new float[] {-0.017f, 0.017f}) {
                assertThat(name((hue + step + 1) % 1)).as("hue %s moved by %s", hue, step).isEqualTo(name(hue));
            }
        }
    }

    @Test
    void streamsWearEveryColourAndTheNameIsTheRenderedShirts() {
        Set<String> colours = new HashSet<>();
        for (int stream = 0; stream < 200; stream++) {
            colours.add(new StreamScene(SimulationSettings.defaults(1).withSeed(7), stream, 0, DeviceTrouble.NONE).shirtColour());
        }
        assertThat(colours).containsExactlyInAnyOrder("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink");
    }
}
