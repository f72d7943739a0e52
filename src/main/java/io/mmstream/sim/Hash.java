package io.mmstream.sim;

/**
 * Stateless pseudo-randomness: a value is a pure function of its coordinates (seed, stream, what, index), so any
 * time range of any stream can be generated on its own and the same seed always gives the same bytes.
 */
final class Hash {

    private Hash() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long of(long a, long b, long c, long d) {
        return mix(mix(mix(mix(a) + b) + c) + d);
    }

    /** Uniform in [0, 1). */
    static double unit(long a, long b, long c, long d) {
        return (of(a, b, c, d) >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [-1, 1). */
    static double signed(long a, long b, long c, long d) {
        return unit(a, b, c, d) * 2 - 1;
    }

    /** Standard normal (Box-Muller over two hashed uniforms). */
    static double gaussian(long a, long b, long c, long d) {
        double u1 = Math.max(unit(a, b, c, d), 1e-12);
        double u2 = unit(a, b, c ^ 0x5DEECE66DL, d);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
