package io.mmstream.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * SSD-style detections: scores and box offsets over a fixed set of anchors at the cell centres of square grids
 * (BlazeFace: 16x16 cells with 2 anchors each, then 8x8 with 6), thresholded, then greedy non-maximum suppression.
 */
public final class Detections {

    /** One layer of anchors: a grid of cells across the input, {@code perCell} anchors at each cell's centre. */
    public record Grid(int cells, int perCell) {}

    /** A box in input-relative units (0..1), centre and size, with its score. */
    public record Box(float centreX, float centreY, float width, float height, float score) {

        float iou(Box other) {
            float overlapX = Math.min(centreX + width / 2, other.centreX + other.width / 2) - Math.max(centreX - width / 2, other.centreX - other.width / 2);
            float overlapY = Math.min(centreY + height / 2, other.centreY + other.height / 2) - Math.max(centreY - height / 2, other.centreY - other.height / 2);
            if (overlapX <= 0 || overlapY <= 0) {
                return 0;
            }
            float overlap = overlapX * overlapY;
            return overlap / (width * height + other.width * other.height - overlap);
        }
    }

    private Detections() {}

    /** The anchor centres, layer after layer, row-major within a layer, as the model's outputs list them: x, y pairs. */
    public static float[] anchorCentres(List<Grid> grids) {
        int count = grids.stream().mapToInt(g -> g.cells() * g.cells() * g.perCell()).sum();
        float[] centres = new float[2 * count];
        int next = 0;
        for (Grid grid : grids) {
            for (int y = 0; y < grid.cells(); y++) {
                for (int x = 0; x < grid.cells(); x++) {
                    for (int a = 0; a < grid.perCell(); a++) {
                        centres[next++] = (x + 0.5f) / grid.cells();
                        centres[next++] = (y + 0.5f) / grid.cells();
                    }
                }
            }
        }
        return centres;
    }

    /**
     * @param scores one score per anchor, already through its activation
     * @param boxes per anchor {@code boxValues} numbers, the first four the box's centre offset and size in input pixels
     * @param inputSize the model's input side in pixels
     * @return the boxes above the threshold that survive suppression, best first
     */
    public static List<Box> decode(float[] scores, float[] boxes, int boxValues, float[] anchorCentres, int inputSize, float threshold, float iou) {
        List<Box> candidates = new ArrayList<>();
        for (int a = 0; a < scores.length; a++) {
            if (scores[a] >= threshold) {
                int b = a * boxValues;
                candidates.add(new Box(anchorCentres[2 * a] + boxes[b] / inputSize, anchorCentres[2 * a + 1] + boxes[b + 1] / inputSize,
                        boxes[b + 2] / inputSize, boxes[b + 3] / inputSize, scores[a]));
            }
        }
        candidates.sort(Comparator.comparingDouble(Box::score).reversed());
        List<Box> kept = new ArrayList<>();
        for (Box candidate : candidates) {
            if (kept.stream().noneMatch(k -> k.iou(candidate) > iou)) {
                kept.add(candidate);
            }
        }
        return kept;
    }
}
