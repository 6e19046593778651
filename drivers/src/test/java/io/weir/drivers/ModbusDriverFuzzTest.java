package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.weir.abi.Abi;
import io.weir.abi.DeviceConfig;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRecord;
import io.weir.host.driver.DriverSource;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Fuzz;
import io.weir.host.driver.Request;
import io.weir.host.driver.Watchdog;
import io.weir.host.poll.Framer;
import io.weir.host.wasm.Engines;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * Property tests of the bundled Modbus driver's decoder, through the host as a gateway runs it:
 * random bytes and valid Modbus TCP frames with a few bytes mutated, as requests to adopt ({@code
 * weir_observe}, replay), as responses to a request it built ({@code weir_poll}) or adopted, and as
 * a byte stream cut into slices through the {@link Framer}. A driver may refuse any of it with an
 * error code; it must never trap (a trap is a driver bug that costs the device its instance) and
 * never break a region rule. Run longer with {@code -DQT_EXAMPLES=…} (see {@code Fuzz}).
 */
class ModbusDriverFuzzTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static final String POINTS =
            "device unit=1\n"
                    + "point 0 area=holding address=0 type=u16\n"
                    + "point 1 area=holding address=1 type=f32 order=CDAB scale=0.1\n"
                    + "point 2 area=coil address=5 type=bool\n"
                    + "point 3 area=input address=10 type=i32\n";
    private static DriverModule modbus;

    @BeforeAll
    static void load() throws Exception {
        byte[] wasm = DriverSource.bytes("modbus");
        // Roomy budgets: the properties are about what the driver does, not how fast.
        modbus =
                DriverModule.load(
                        Engines.chicory(),
                        "modbus.wasm",
                        wasm,
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
    }

    /**
     * An instance with device 0 open on {@code config}, plus the host key a v1.1 host adds (ABI
     * §5.1: {@code weir.transport}, always present with agreed version 1.1), as the session does.
     */
    private static DriverInstance opened(String config) {
        DriverInstance d = modbus.instantiate("fuzz");
        String text =
                DeviceConfig.parse(config)
                        .withHostKeys(Map.of(Abi.HOST_KEY_TRANSPORT, "tcp"))
                        .text();
        try {
            d.open(0, text, NOW);
        } catch (DriverException e) {
            throw new AssertionError("the Modbus driver refused " + config, e);
        }
        return d;
    }

    /** An MBAP frame: transaction id, protocol 0, length, unit, then the PDU. */
    private static byte[] mbap(int tid, int unit, byte[] pdu) {
        return ByteBuffer.allocate(7 + pdu.length)
                .putShort((short) tid)
                .putShort((short) 0)
                .putShort((short) (pdu.length + 1))
                .put((byte) unit)
                .put(pdu)
                .array();
    }

    private static final int[] FUNCTIONS = {1, 2, 3, 4, 5, 6, 15, 16, 23, 43, 0x7F, 0};

    /** A request PDU of a function code the driver may or may not read. */
    private static Gen<byte[]> requests() {
        return in -> {
            int fc = FUNCTIONS[(int) in.next(Constraint.between(0, FUNCTIONS.length - 1))];
            ByteBuffer pdu = ByteBuffer.allocate(5);
            pdu.put((byte) fc)
                    .putShort((short) in.next(Constraint.between(0, 0xFFFF)))
                    .putShort((short) in.next(Constraint.between(0, 130)));
            return mbap(
                    (int) in.next(Constraint.between(0, 0xFFFF)),
                    (int) in.next(Constraint.between(0, 255)),
                    pdu.array());
        };
    }

    /** A response PDU for a request: data of the right or a wrong length, or an exception. */
    private static byte[] responseTo(byte[] request, java.util.Random in) {
        ByteBuffer r = ByteBuffer.wrap(request);
        int tid = r.getShort(0) & 0xFFFF;
        int unit = request.length > 6 ? request[6] & 0xFF : 1;
        int fc = request.length > 7 ? request[7] & 0xFF : 3;
        int qty = request.length > 11 ? r.getShort(10) & 0xFFFF : 1;
        if (between(in, 0, 5) == 0) {
            return mbap(tid, unit, new byte[] {(byte) (fc | 0x80), (byte) between(in, 0, 12)});
        }
        int bytes = fc <= 2 ? (qty + 7) / 8 : 2 * qty;
        bytes += (int) between(in, -1, 1) * (between(in, 0, 3) == 0 ? 1 : 0);
        bytes = Math.max(0, Math.min(bytes, 250));
        byte[] pdu = new byte[2 + bytes];
        pdu[0] = (byte) fc;
        pdu[1] = (byte) bytes;
        for (int i = 2; i < pdu.length; i++) {
            pdu[i] = (byte) between(in, -128, 127);
        }
        return mbap(tid, unit, pdu);
    }

    private static int between(java.util.Random rnd, int min, int max) {
        return min + rnd.nextInt(max - min + 1);
    }

    @Test
    void anyRequestToAdoptIsTakenOrRefusedNeverATrap() {
        Fuzz.theory(500)
                .forAll(Fuzz.bytes(300).mix(Fuzz.mutated(requests()), 70))
                .checkAssert(
                        request -> {
                            DriverInstance d = opened("device unit=1\n");
                            noTrap(
                                    d,
                                    () -> {
                                        d.observe(0, request);
                                        return null;
                                    });
                        });
    }

    @Test
    void anyResponseToAnAdoptedRequestIsDecodedOrRefusedNeverATrap() {
        Gen<byte[][]> pairs =
                in -> {
                    byte[] request = requests().generate(in);
                    java.util.Random rnd =
                            new java.util.Random(
                                    in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE)));
                    byte[] response = responseTo(request, rnd);
                    return new byte[][] {request, Fuzz.mutate(response, rnd, rnd.nextInt(5))};
                };
        Fuzz.theory(500)
                .forAll(pairs)
                .checkAssert(
                        pair -> {
                            byte[] response = pair[1];
                            byte[] resp = response;
                            DriverInstance d = opened("device unit=1\n");
                            boolean adopted;
                            try {
                                d.observe(0, pair[0]);
                                adopted = true;
                            } catch (DriverException e) {
                                adopted = false;
                            } catch (DriverTrapped e) {
                                fail("weir_observe trapped on a valid request", e);
                                return;
                            }
                            if (!adopted) {
                                return;
                            }
                            Object out = noTrap(d, () -> d.onFrame(0, resp, 0, resp.length, NOW));
                            if (out instanceof List<?> records) {
                                for (Object o : records) {
                                    DriverRecord r = (DriverRecord) o;
                                    // Discovery mode: every record names its point.
                                    assertThat(r.named()).isTrue();
                                    assertThat(r.name()).isNotBlank();
                                }
                            }
                        });
    }

    @Test
    void anyResponseToAPolledRequestIsDecodedOrRefusedNeverATrap() {
        Fuzz.theory(300)
                .forAll(Fuzz.ints(0, Integer.MAX_VALUE), Fuzz.ints(0, 4))
                .checkAssert(
                        (seed, mutations) -> {
                            DriverInstance d = opened(POINTS);
                            java.util.Random rnd = new java.util.Random(seed);
                            for (int round = 0; round < 4; round++) {
                                Object polled = noTrap(d, () -> d.poll(0, NOW));
                                if (!(polled instanceof Request r) || r.endOfCycle()) {
                                    continue;
                                }
                                byte[] resp =
                                        Fuzz.mutate(responseTo(r.bytes(), rnd), rnd, mutations);
                                if (resp.length > d.rxCapacity()) {
                                    continue;
                                }
                                Object decoded =
                                        noTrap(d, () -> d.onFrame(0, resp, 0, resp.length, NOW));
                                if (decoded instanceof DriverException) {
                                    // E_PROTO: the request stays outstanding; a timeout ends it.
                                    noTrap(d, () -> d.onTimeout(0, NOW));
                                }
                            }
                        });
    }

    @Test
    void anyByteStreamIsFramedWithoutATrapAndEveryByteAccountedFor() {
        Gen<byte[]> streams =
                in -> {
                    java.io.ByteArrayOutputStream s = new java.io.ByteArrayOutputStream();
                    int parts = (int) in.next(Constraint.between(0, 8));
                    for (int p = 0; p < parts; p++) {
                        s.writeBytes(
                                in.next(Constraint.between(0, 2)) == 0
                                        ? Fuzz.bytes(40).generate(in)
                                        : Fuzz.mutated(requests()).generate(in));
                    }
                    return s.toByteArray();
                };
        Fuzz.theory(300)
                .forAll(streams, Fuzz.ints(1, 40), Fuzz.ints(0, Integer.MAX_VALUE))
                .checkAssert(
                        (stream, maxSlice, seed) -> {
                            DriverInstance d = opened("device unit=1\n");
                            Framer framer = new Framer(d.rxCapacity());
                            long[] framed = {0};
                            Framer.Decoder decoder =
                                    new Framer.Decoder() {
                                        @Override
                                        public FrameLength frameLen(byte[] b, int off, int len)
                                                throws DriverException {
                                            return d.frameLen(0, b, off, len);
                                        }

                                        @Override
                                        public boolean frame(byte[] b, int off, int len) {
                                            framed[0] += len;
                                            return true;
                                        }
                                    };
                            java.util.Random cut = new java.util.Random(seed);
                            int fed = 0;
                            while (fed < stream.length) {
                                int n = Math.min(stream.length - fed, 1 + cut.nextInt(maxSlice));
                                int from = fed;
                                noTrap(
                                        d,
                                        () -> {
                                            framer.feed(stream, from, n, decoder);
                                            return null;
                                        });
                                fed += n;
                                assertThat(framed[0] + framer.dropped() + framer.pending())
                                        .isEqualTo(fed);
                            }
                        });
    }

    // ---- helpers ---------------------------------------------------------------------------

    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    /** The call's result or its {@link DriverException}; a trap or anything else fails. */
    private static Object noTrap(DriverInstance d, Call call) {
        try {
            return call.run();
        } catch (DriverException e) {
            assertThat(d.dead()).isFalse();
            return e;
        } catch (DriverTrapped e) {
            fail("the Modbus driver trapped: " + e.getMessage(), e);
        } catch (Throwable t) {
            fail("a call let escape " + t, t);
        }
        return null;
    }
}
