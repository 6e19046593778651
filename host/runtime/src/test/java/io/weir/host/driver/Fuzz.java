package io.weir.host.driver;

import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.List;
import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.impl.Constraint;

/**
 * Property-test settings shared by the fuzz tests of the runtime, the drivers and the tools. The
 * default build runs a few hundred examples per property (seconds); a longer campaign sets
 * QuickTheories' own system properties, which the tests then leave alone:
 *
 * <pre>
 * mvn -B -o test -pl host/runtime -Dtest='*FuzzTest' -DQT_EXAMPLES=200000
 * mvn -B -o test -pl host/runtime -Dtest='*FuzzTest' -DQT_TESTING_TIME=600000   # 10 minutes each
 * mvn -B -o test -pl host/runtime -Dtest='*FuzzTest' -DQT_SEED=1234              # replay a failure
 * </pre>
 *
 * A failure prints its seed; {@code -DQT_SEED} replays it.
 */
public final class Fuzz {
    private Fuzz() {}

    /**
     * {@code qt()} with {@code examples} examples, unless {@code QT_EXAMPLES} or {@code
     * QT_TESTING_TIME} asks for a longer campaign.
     */
    public static QuickTheory theory(int examples) {
        if (System.getProperty("QT_EXAMPLES") != null
                || System.getProperty("QT_TESTING_TIME") != null) {
            return qt();
        }
        return qt().withExamples(examples);
    }

    /**
     * Integers where checks go wrong: the extremes, around zero, and each of {@code edges} with its
     * neighbours, mixed with any int.
     */
    public static Gen<Integer> edgy(int... edges) {
        List<Integer> picks =
                new ArrayList<>(
                        List.of(Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -2, -1, 0, 1, 2, 3));
        picks.add(Integer.MAX_VALUE);
        for (int e : edges) {
            picks.add(e - 1);
            picks.add(e);
            picks.add(e + 1);
        }
        return Generate.pick(picks).mix(ints(Integer.MIN_VALUE, Integer.MAX_VALUE), 40);
    }

    /** Any int in {@code [min, max]}. */
    public static Gen<Integer> ints(int min, int max) {
        return in -> (int) in.next(Constraint.between(min, max));
    }

    /** Byte arrays of 0 to {@code maxLength} bytes, any contents. */
    public static Gen<byte[]> bytes(int maxLength) {
        return in -> {
            int n = (int) in.next(Constraint.between(0, maxLength));
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) in.next(Constraint.between(-128, 127));
            }
            return b;
        };
    }

    /**
     * {@code valid} with 1 to 4 mutations (see {@link #mutate}). Mutated valid frames reach deeper
     * than random bytes.
     */
    public static Gen<byte[]> mutated(Gen<byte[]> valid) {
        return in -> {
            byte[] b = valid.generate(in);
            long seed = in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE));
            java.util.Random rnd = new java.util.Random(seed);
            return mutate(b, rnd, 1 + rnd.nextInt(4));
        };
    }

    /**
     * {@code b} with {@code times} mutations: a bit flipped, a byte set to 0x00 or 0xFF, one
     * inserted or deleted, or the tail cut.
     */
    public static byte[] mutate(byte[] b, java.util.Random rnd, int times) {
        for (int m = 0; m < times; m++) {
            if (b.length == 0) {
                b = new byte[] {(byte) rnd.nextInt(256)};
                continue;
            }
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = 0;
                case 2 -> b[at] = (byte) 0xFF;
                case 3 -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                case 4 -> {
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                    b = c;
                }
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        return b;
    }
}
