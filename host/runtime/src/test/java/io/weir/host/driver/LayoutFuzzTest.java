package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * Property test of the host's reading of a driver's layout (ABI §4): {@code puppet.wasm} with its
 * layout data segment replaced by a generated one — mostly a valid layout with a few fields moved
 * to and across their limits — is loaded, and the host accepts it exactly when a model of §4 says
 * it is valid, refusing it otherwise with a message that names a layout field. The interpreter
 * loads each module without compiling it.
 */
class LayoutFuzzTest {
    private static final long MEMORY = 6L * Abi.PAGE_SIZE;
    private static final long STRUCT = 1024;
    private static final long STRUCT_END = STRUCT + Abi.LAYOUT_SIZE + Abi.META_SIZE;

    /** The puppet's own layout: magic, size, then cfg, rx, tx, out, blob, state, err. */
    private static final long[] VALID = {
        0x52494557L,
        64,
        2048,
        4096,
        8192,
        65536,
        73728,
        4096,
        81920,
        49152,
        131072,
        65536,
        196608,
        4096,
        200704,
        4096
    };

    private static final long[] MIN = {
        0, 0, 0, 4096, 0, 512, 0, 512, 0, 49152, 0, 4096, 0, 0, 0, 128
    };

    private static Gen<long[]> layouts() {
        return in -> {
            long[] f = VALID.clone();
            int changes = (int) in.next(Constraint.between(1, 3));
            for (int c = 0; c < changes; c++) {
                int i = (int) in.next(Constraint.between(0, 15));
                long[] near = {
                    0,
                    1,
                    MIN[i] - 1,
                    MIN[i],
                    MEMORY - f[i ^ 1] - 1,
                    MEMORY - f[i ^ 1],
                    MEMORY - f[i ^ 1] + 1,
                    f[i] + 8,
                    f[i] - 8,
                    f[i] + 24,
                    STRUCT,
                    STRUCT_END - 1,
                    0xFFFF_FFFFL,
                    f[(i + 2) % 16],
                    f[(i + 2) % 16] + f[(i + 3) % 16] - 1,
                    in.next(Constraint.between(0, MEMORY + 10))
                };
                f[i] = near[(int) in.next(Constraint.between(0, near.length - 1))] & 0xFFFF_FFFFL;
            }
            return f;
        };
    }

    private static final java.util.concurrent.atomic.AtomicInteger accepted =
            new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger refused =
            new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.AfterAll
    static void counts() {
        System.out.printf(
                "layouts: %d accepted, %d refused naming a field%n", accepted.get(), refused.get());
    }

    @Test
    void aLayoutIsAcceptedExactlyWhenSection4AllowsIt() {
        byte[] puppet = Fixtures.wasm("puppet");
        int at = indexOf(puppet, new byte[] {0x57, 0x45, 0x49, 0x52, 0x40, 0, 0, 0});
        assertThat(at).isPositive();
        Fuzz.theory(150)
                .forAll(layouts())
                .checkAssert(
                        f -> {
                            byte[] module = puppet.clone();
                            ByteBuffer b =
                                    ByteBuffer.wrap(module, at, 64).order(ByteOrder.LITTLE_ENDIAN);
                            for (long v : f) {
                                b.putInt((int) v);
                            }
                            List<String> wrong = problems(f);
                            String refusal = null;
                            try {
                                DriverModule.load(
                                        new ChicoryEngine(ChicoryEngine.Mode.INTERPRETED),
                                        "layout.wasm",
                                        module,
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared());
                            } catch (DriverRefused e) {
                                refusal = e.getMessage();
                            }
                            boolean layoutRefused =
                                    refusal != null && refusal.contains(": layout field ");
                            assertThat(layoutRefused)
                                    .as("refusal %s for layout problems %s", refusal, wrong)
                                    .isEqualTo(!wrong.isEmpty());
                            (layoutRefused ? refused : accepted).incrementAndGet();
                            if (layoutRefused) {
                                String field =
                                        refusal.substring(
                                                refusal.indexOf("layout field ") + 13,
                                                refusal.indexOf(
                                                        ':', refusal.indexOf("layout field ")));
                                assertThat(wrong).contains(field);
                                assertThat(refusal).endsWith("(ABI §4)");
                            }
                        });
    }

    /** ABI §4 written again: the fields that break a rule (empty: valid). */
    private static List<String> problems(long[] f) {
        List<String> wrong = new ArrayList<>();
        String[] names = {"cfg", "rx", "tx", "out", "blob", "state", "err"};
        if (f[0] != 0x52494557L) {
            wrong.add("magic");
        }
        if (f[1] != 64) {
            wrong.add("size");
        }
        for (int r = 0; r < 7; r++) {
            long cap = f[3 + 2 * r];
            if (cap < MIN[3 + 2 * r]) {
                wrong.add(names[r] + "_cap");
            }
        }
        if (f[9] % 24 != 0) {
            wrong.add("out_cap");
        }
        if (f[8] % 8 != 0) {
            wrong.add("out_ptr");
        }
        for (int r = 0; r < 7; r++) {
            long ptr = f[2 + 2 * r];
            long cap = f[3 + 2 * r];
            if (ptr + cap > MEMORY) {
                wrong.add(names[r] + "_ptr");
            }
            if (cap > 0 && ptr < STRUCT_END && STRUCT < ptr + cap) {
                wrong.add(names[r] + "_ptr");
            }
            for (int q = r + 1; q < 7; q++) {
                long p2 = f[2 + 2 * q];
                long c2 = f[3 + 2 * q];
                if (cap > 0 && c2 > 0 && ptr < p2 + c2 && p2 < ptr + cap) {
                    wrong.add(names[q] + "_ptr");
                }
            }
        }
        return wrong;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
