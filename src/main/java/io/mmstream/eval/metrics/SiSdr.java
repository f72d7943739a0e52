package io.mmstream.eval.metrics;

/**
 * Scale-invariant signal-to-distortion ratio (Le Roux et al. 2019) in dB: the estimate projected on the reference is the
 * target, the rest is distortion; both signals zero-meaned first, as the paper does. The improvement of a separation is
 * the separated audio's SI-SDR minus the mixture's, against the same clean reference.
 */
public final class SiSdr {

    private SiSdr() {}

    public static double of(float[] estimate, float[] reference) {
        if (estimate.length != reference.length) {
            throw new IllegalArgumentException("estimate has " + estimate.length + " samples, reference " + reference.length);
        }
        double estimateMean = mean(estimate);
        double referenceMean = mean(reference);
        double dot = 0;
        double referenceEnergy = 0;
        for (int i = 0; i < reference.length; i++) {
            double r = reference[i] - referenceMean;
            dot += (estimate[i] - estimateMean) * r;
            referenceEnergy += r * r;
        }
        double scale = dot / referenceEnergy;
        double target = 0;
        double distortion = 0;
        for (int i = 0; i < reference.length; i++) {
            double t = scale * (reference[i] - referenceMean);
            double e = (estimate[i] - estimateMean) - t;
            target += t * t;
            distortion += e * e;
        }
        return 10 * Math.log10(target / distortion);
    }

    public static double improvement(float[] separated, float[] mixture, float[] reference) {
        return of(separated, reference) - of(mixture, reference);
    }

    private static double mean(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        return x.length == 0 ? 0 : sum / x.length;
    }
}
