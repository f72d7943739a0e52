package io.mmstream.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws what a stream's camera sees: a room with clutter, the actor in its clothes at its distance, lighting that
 * drifts and switches, a passer-by occluding now and then, and sensor noise.
 */
final class FrameRenderer {

    private record Clutter(int x, int y, int w, int h, Color color, boolean round) {}

    private final SimulationSettings settings;
    private final long seed;
    private final double pixelsPerMetre;
    private final double centreX;
    private final double floorY;
    private final Color wall;
    private final Color floor;
    private final Color shirt;
    private final Color trousers;
    private final Color skin;
    private final List<Clutter> clutter = new ArrayList<>();

    FrameRenderer(SimulationSettings settings, long seed) {
        this.settings = settings;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        int w = settings.width();
        int h = settings.height();
        pixelsPerMetre = h / 112.0 * r.nextDouble(19, 28);
        centreX = w / 2.0 + r.nextDouble(-0.06, 0.06) * w;
        floorY = h * r.nextDouble(0.80, 0.90);
        wall = hsb(r.nextFloat(), r.nextFloat() * 0.3f, 0.55f + r.nextFloat() * 0.35f);
        floor = hsb(r.nextFloat(), 0.2f + r.nextFloat() * 0.3f, 0.25f + r.nextFloat() * 0.3f);
        shirt = hsb(nameableHue(r.nextFloat()), 0.5f + r.nextFloat() * 0.5f, 0.4f + r.nextFloat() * 0.6f);
        trousers = hsb(r.nextFloat(), 0.2f + r.nextFloat() * 0.5f, 0.15f + r.nextFloat() * 0.4f);
        skin = hsb(0.05f + r.nextFloat() * 0.05f, 0.3f + r.nextFloat() * 0.4f, 0.35f + r.nextFloat() * 0.6f);
        int items = 4 + r.nextInt(4);
        for (int i = 0; i < items; i++) {
            boolean onFloor = r.nextBoolean();
            int cw = (int) (w * r.nextDouble(0.08, 0.25));
            int ch = (int) (h * r.nextDouble(0.08, onFloor ? 0.3 : 0.2));
            int cx = r.nextInt(Math.max(1, w - cw));
            int cy = onFloor ? (int) floorY - ch + r.nextInt(4) : (int) (h * r.nextDouble(0.05, 0.5));
            clutter.add(new Clutter(cx, cy, cw, ch, hsb(r.nextFloat(), r.nextFloat() * 0.7f, 0.2f + r.nextFloat() * 0.7f), r.nextInt(4) == 0));
        }
    }

    private static Color hsb(float hue, float saturation, float brightness) {
        return Color.getHSBColor(hue, Math.min(1, saturation), Math.min(1, brightness));
    }

    /** @param streamMicros stream time of the frame; frameIndex seeds its noise */
    BufferedImage render(Pose pose, long streamMicros, long frameIndex) {
        int w = settings.width();
        int h = settings.height();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(wall);
        g.fillRect(0, 0, w, (int) floorY);
        g.setColor(floor);
        g.fillRect(0, (int) floorY, w, h - (int) floorY);
        for (Clutter c : clutter) {
            g.setColor(c.color());
            if (c.round()) {
                g.fillOval(c.x(), c.y(), c.w(), c.h());
            } else {
                g.fillRect(c.x(), c.y(), c.w(), c.h());
            }
        }
        drawActor(g, pose);
        drawOccluder(g, streamMicros);
        g.dispose();
        light(image, streamMicros, frameIndex);
        return image;
    }

    private double px(double x) {
        return centreX + x * pixelsPerMetre;
    }

    private double py(double y) {
        return floorY - y * pixelsPerMetre;
    }

    private void limb(Graphics2D g, double x1, double y1, double x2, double y2) {
        g.draw(new Line2D.Double(px(x1), py(y1), px(x2), py(y2)));
    }

    private void drawActor(Graphics2D g, Pose p) {
        float thickness = (float) Math.max(1.5, 0.09 * pixelsPerMetre);
        g.setStroke(new BasicStroke(thickness, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        // legs: from hip, thigh angles from straight down, knees bend the shin back towards vertical
        g.setColor(trousers);
        double[][] legs = {{p.leftThigh(), p.leftKnee(), -0.08}, {p.rightThigh(), p.rightKnee(), 0.08}};
        for (double[] leg : legs) {
            double hipX = p.hipX() + leg[2];
            double kneeX = hipX + Pose.THIGH * p.thighScale() * Math.sin(leg[0] + p.tilt() * 0.3);
            double kneeY = p.hipY() - Pose.THIGH * p.thighScale() * Math.cos(leg[0]);
            double footX = kneeX + Pose.SHIN * Math.sin(leg[0] * 0.3 - Math.signum(leg[0]) * leg[1] * 0.3);
            double footY = Math.max(0, kneeY - Pose.SHIN * Math.cos(leg[1] * 0.5));
            limb(g, hipX, p.hipY(), kneeX, kneeY);
            limb(g, kneeX, kneeY, footX, footY);
        }
        g.setColor(shirt);
        g.setStroke(new BasicStroke(thickness * 2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        limb(g, p.hipX(), p.hipY(), p.shoulderX(), p.shoulderY());
        g.setStroke(new BasicStroke(thickness, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        double lsx = p.shoulderX() - Pose.SHOULDER_HALF_WIDTH * Math.cos(p.tilt());
        double rsx = p.shoulderX() + Pose.SHOULDER_HALF_WIDTH * Math.cos(p.tilt());
        double sy = p.shoulderY();
        limb(g, lsx, sy, rsx, sy);
        drawArm(g, lsx, sy, p.leftHandX(), p.leftHandY(), -1);
        drawArm(g, rsx, sy, p.rightHandX(), p.rightHandY(), 1);
        g.setColor(skin);
        double r = Pose.HEAD_RADIUS * pixelsPerMetre;
        g.fill(new Ellipse2D.Double(px(p.headX()) - r, py(p.headY()) - r, 2 * r, 2 * r));
        double hand = Math.max(1.5, 0.05 * pixelsPerMetre);
        g.fill(new Ellipse2D.Double(px(p.leftHandX()) - hand, py(p.leftHandY()) - hand, 2 * hand, 2 * hand));
        g.fill(new Ellipse2D.Double(px(p.rightHandX()) - hand, py(p.rightHandY()) - hand, 2 * hand, 2 * hand));
    }

    /** Upper arm and forearm through an elbow pushed outwards from the shoulder-hand line. */
    private void drawArm(Graphics2D g, double sx, double sy, double hx, double hy, int side) {
        double mx = (sx + hx) / 2 + side * 0.08;
        double my = (sy + hy) / 2;
        g.setColor(shirt);
        limb(g, sx, sy, mx, my);
        g.setColor(skin);
        limb(g, mx, my, hx, hy);
    }

    /** Someone walking through the picture for 1.5 s in some 10 s spans. */
    private void drawOccluder(Graphics2D g, long streamMicros) {
        double progress = passerByProgress(streamMicros);
        if (Double.isNaN(progress)) {
            return;
        }
        int w = settings.width();
        int width = (int) (w * 0.28);
        int x = (int) (-width + progress * (w + width));
        g.setColor(new Color(35, 30, 40));
        g.fillRoundRect(x, (int) (settings.height() * 0.15), width, settings.height(), width / 2, width / 2);
    }

    /** How far the passer-by has crossed the picture at that stream time (0 to 1), or NaN when nobody passes. */
    double passerByProgress(long streamMicros) {
        long bucket = streamMicros / 10_000_000;
        if (Hash.unit(seed, bucket, 31, 0) >= 0.25) {
            return Double.NaN;
        }
        long start = bucket * 10_000_000 + (long) (Hash.unit(seed, bucket, 32, 0) * 8_500_000);
        double progress = (streamMicros - start) / 1.5e6;
        return progress < 0 || progress > 1 ? Double.NaN : progress;
    }

    /** Whether the room's main light is off at that stream time (the picture at 65% of its brightness). */
    boolean lightOff(long streamMicros) {
        long bucket = streamMicros / 15_000_000;
        return Hash.unit(seed, bucket, 41, 0) < 0.3 && (streamMicros % 15_000_000) > Hash.unit(seed, bucket, 42, 0) * 10_000_000;
    }

    private static final String[] COLOUR_NAMES = {"red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"};
    /** Where each name's band of hue begins; red's begins below 0, at pink's end (hue wraps round at 1). */
    private static final double[] BAND_STARTS = {-0.05, 0.04, 0.11, 0.19, 0.45, 0.53, 0.72, 0.83, 0.95};

    private static double wrapped(double hue) {
        return hue >= BAND_STARTS[BAND_STARTS.length - 1] ? hue - 1 : hue;
    }

    private static int band(double hue) {
        double wrapped = wrapped(hue);
        int i = 0;
        while (wrapped >= BAND_STARTS[i + 1]) {
            i++;
        }
        return i;
    }

    /**
     * A drawn hue moved halfway towards the middle of its name's band, keeping its name: a shirt on the border of
     * two names (green or teal?) has no right answer, so the truth, the captions and the questions would teach and
     * score a coin toss. The narrowest band (orange) still spans 0.035 of hue.
     */
    static float nameableHue(float drawn) {
        int i = band(drawn);
        double middle = (BAND_STARTS[i] + BAND_STARTS[i + 1]) / 2;
        double hue = middle + (wrapped(drawn) - middle) / 2;
        return (float) (hue < 0 ? hue + 1 : hue);
    }

    /** The shirt's colour in a word, by its hue (the renderer draws saturated shirts, never grey ones). */
    String shirtColour() {
        return colourName(Color.RGBtoHSB(shirt.getRed(), shirt.getGreen(), shirt.getBlue(), null)[0]);
    }

    static String colourName(float hue) {
        return COLOUR_NAMES[band(hue)];
    }

    /** Lighting drift and switching, then Gaussian sensor noise, directly on the pixels. */
    private void light(BufferedImage image, long streamMicros, long frameIndex) {
        double t = streamMicros / 1e6;
        double gain = 1 + 0.15 * Math.sin(2 * Math.PI * t / 23 + seed % 7) + 0.08 * Math.sin(2 * Math.PI * t / 7.3 + seed % 5);
        if (lightOff(streamMicros)) {
            gain *= 0.65;
        }
        double sigma = settings.videoNoise() * 255;
        SplittableRandom noise = new SplittableRandom(Hash.of(seed, frameIndex, 43, 0));
        byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            double value = (pixels[i] & 0xFF) * gain + sigma * noise.nextGaussian();
            pixels[i] = (byte) Math.max(0, Math.min(255, Math.round(value)));
        }
    }
}
