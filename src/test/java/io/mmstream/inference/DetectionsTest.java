package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionsTest {

    private static final List<Detections.Grid> GRIDS = List.of(new Detections.Grid(2, 1), new Detections.Grid(1, 2));

    @Test
    void anchorsAreCellCentresLayerByLayerRowMajor() {
        assertThat(Detections.anchorCentres(GRIDS)).containsExactly(
                0.25f, 0.25f, 0.75f, 0.25f, 0.25f, 0.75f, 0.75f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f);
    }

    @Test
    void overlappingBoxesAreSuppressedToTheBestAndBoxesBelowTheThresholdDropped() {
        float[] centres = Detections.anchorCentres(GRIDS);
        // anchors 4 and 5 (both at the centre) see the same 40-pixel face; anchor 0 a separate one; anchor 1 is too unsure
        float[] scores = {0.9f, 0.5f, 0.1f, 0.1f, 0.8f, 0.95f};
        float[] boxes = new float[6 * 4];
        for (int a = 0; a < 6; a++) {
            boxes[4 * a + 2] = 40;
            boxes[4 * a + 3] = 40;
        }
        boxes[4 * 4] = 2; // a little to the right of anchor 5's box: still the same face
        List<Detections.Box> found = Detections.decode(scores, boxes, 4, centres, 100, 0.75f, 0.3f);
        assertThat(found).extracting(Detections.Box::score).containsExactly(0.95f, 0.9f);
        assertThat(found.get(0).centreX()).isEqualTo(0.5f);
        assertThat(found.get(1).width()).isEqualTo(0.4f);
    }
}
