package shortsmith.video;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KenBurns}' inner loops with the Vector API: the zoom's lookup per sample as a gather, and
 * the conversions between bytes and ints, none of which C2 vectorises on its own (measured: the
 * same time with and without {@code -XX:-UseSuperWord}). Each computes exactly what the scalar
 * loop beside it in {@link KenBurns} does, bit for bit. Only loaded when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} ({@link KenBurns#VECTOR_API}); the launcher does
 * that and keeps the JVM's warning about it off stderr.
 */
final class VectorResample {
    private VectorResample() {}

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** As many bytes as INTS has lanes, for the conversions between them. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.vectorBitSize() / 4));
    private static final int LANES = INTS.length();

    /** {@code wide[i] = src[from + i] & 0xFF} for {@code i < n}. */
    static void widen(byte[] src, int from, int[] wide, int n) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            ((IntVector) ByteVector.fromArray(BYTES, src, from + i).convertShape(VectorOperators.B2I, INTS, 0)).and(0xFF).intoArray(wide, i);
        }
        for (; i < n; i++) wide[i] = src[from + i] & 0xFF;
    }

    /** A zoom's row: {@code dst[i] = a·256 + (b − a)·weight[i]}, a and b the widened row at {@code index[i]} and the next. */
    static void gather(int[] wide, int[] index, int[] weight, int[] dst, int n) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            var a = IntVector.fromArray(INTS, wide, 0, index, i);
            var b = IntVector.fromArray(INTS, wide, 1, index, i);
            a.lanewise(VectorOperators.LSHL, 8).add(b.sub(a).mul(IntVector.fromArray(INTS, weight, i))).intoArray(dst, i);
        }
        for (; i < n; i++) {
            int a = wide[index[i]], b = wide[index[i] + 1];
            dst[i] = (a << 8) + (b - a) * weight[i];
        }
    }

    /** A pan's row: {@code dst[i] = wide[i]·left + wide[i + 1]·right}. */
    static void slide(int[] wide, int left, int right, int[] dst, int n) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            IntVector.fromArray(INTS, wide, i).mul(left).add(IntVector.fromArray(INTS, wide, i + 1).mul(right)).intoArray(dst, i);
        }
        for (; i < n; i++) dst[i] = wide[i] * left + wide[i + 1] * right;
    }

    /** Two resampled rows blended and rounded into bytes: {@code out[base + i] = (upper[i]·wu + lower[i]·wy + 32768) >> 16}. */
    static void blend(int[] upper, int[] lower, int wu, int wy, byte[] out, int base, int n) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            var sum = IntVector.fromArray(INTS, upper, i).mul(wu).add(IntVector.fromArray(INTS, lower, i).mul(wy)).add(32768);
            ((ByteVector) sum.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(out, base + i);
        }
        for (; i < n; i++) out[base + i] = (byte) ((upper[i] * wu + lower[i] * wy + 32768) >> 16);
    }
}
