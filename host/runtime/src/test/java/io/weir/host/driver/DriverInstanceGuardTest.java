package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.ValueType;
import io.weir.host.points.Value;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the host checks before a driver runs: a device handle and a point index the host got wrong
 * are the host's bug and are refused in the host's words before the driver sees them, and inputs
 * that fill a driver's region exactly are passed on while one byte more is refused.
 */
class DriverInstanceGuardTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static final String BAD_DEV = "device handle must be 0..2^31-1, got -1";
    private static final DriverInstance.RecordSink NO_SINK = (p, n, v, q, t, f) -> {};
    private static DriverModule module;

    @BeforeAll
    static void load() {
        module = DriverModule.load("fixture", Fixtures.wasm("fixture"));
    }

    private static DriverInstance opened() throws DriverException {
        DriverInstance d = module.instantiate("test");
        d.open(0, "device\npoint 0 k=v\n", NOW);
        return d;
    }

    @Test
    void everyCallRefusesANegativeDeviceHandleBeforeTheDriverRuns() throws Exception {
        DriverInstance d = opened();
        byte[] frame = Fixtures.frame(1);
        assertBadDev(() -> d.open(-1, "device\n", NOW));
        assertBadDev(() -> d.close(-1));
        assertBadDev(() -> d.poll(-1, NOW));
        assertBadDev(() -> d.frameLen(-1, frame, 0, frame.length));
        assertBadDev(() -> d.onFrame(-1, frame, 0, frame.length, NOW));
        assertBadDev(() -> d.onFrame(-1, frame.length, NOW, NO_SINK));
        assertBadDev(() -> d.onTimeout(-1, NOW));
        assertBadDev(() -> d.onTimeout(-1, NOW, NO_SINK));
        assertBadDev(() -> d.observe(-1, frame));
        assertBadDev(() -> d.linkUp(-1, NOW));
        assertBadDev(() -> d.frameEnd(-1, frame, 0, frame.length));
        assertBadDev(() -> d.tick(-1, NOW));
        assertBadDev(() -> d.tick(-1, NOW, NO_SINK));
        assertBadDev(() -> d.write(-1, 0, ValueType.I64, 1L, NOW));
        assertBadDev(() -> d.saveState(-1));
        assertBadDev(() -> d.loadState(-1, new byte[1]));
        assertBadDev(() -> d.lastError(-1));
        // The handle is checked before the size of the value, so the host's bug is named.
        byte[] tooBig = new byte[(int) d.layout().cfgCap() + 1];
        assertBadDev(() -> d.write(-1, 0, ValueType.BYTES, tooBig, NOW));
        // Nothing of it reached the driver: the instance still works.
        assertThat(d.dead()).isFalse();
        assertThat(Fixtures.request(d, 0, NOW).endOfCycle()).isFalse();
    }

    @Test
    void writesRefuseANegativePointIndex() throws Exception {
        DriverInstance d = opened();
        String badPoint = "point index must be ≥ 0, got -1";
        assertThatThrownBy(() -> d.write(0, -1, ValueType.I64, 1L, NOW))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(badPoint);
        byte[] tooBig = new byte[(int) d.layout().cfgCap() + 1];
        assertThatThrownBy(() -> d.write(0, -1, ValueType.BYTES, tooBig, NOW))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(badPoint);
        assertThat(d.dead()).isFalse();
    }

    @Test
    void aConfigThatFillsTheCfgRegionExactlyIsPassedOn() throws Exception {
        DriverInstance d = module.instantiate("test");
        int cap = (int) d.layout().cfgCap();
        String exact = "device\npoint 0 k=v\n#";
        exact = exact + "x".repeat(cap - exact.length() - 1) + "\n";
        assertThat(exact.length()).isEqualTo(cap);
        assertNotRefusedByTheHost(d, exact);
        DriverInstance e = module.instantiate("test");
        String over = exact + "\n";
        assertThatThrownBy(() -> e.open(0, over, NOW))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "config text of "
                                + (cap + 1)
                                + " bytes does not fit the driver's cfg region of "
                                + cap
                                + " bytes");
    }

    @Test
    void aByteValueThatFillsTheCfgRegionExactlyIsPassedOn() throws Exception {
        DriverInstance d = opened();
        byte[] exact = new byte[(int) d.layout().cfgCap()];
        try {
            d.write(0, 0, ValueType.BYTES, exact, NOW);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own; the host passed the value on
        }
        assertThat(d.dead()).isFalse();
    }

    @Test
    void aStateThatFillsTheStateRegionExactlyIsPassedOn() throws Exception {
        DriverInstance d = opened();
        int cap = (int) d.layout().stateCap();
        try {
            d.loadState(0, new byte[cap]);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own; the host passed the state on
        }
        assertThatThrownBy(() -> d.loadState(0, new byte[cap + 1]))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "state of "
                                + (cap + 1)
                                + " bytes does not fit the driver's state region of "
                                + cap
                                + " bytes");
    }

    @Test
    void bytesThatFillTheRxRegionExactlyAreHandedToTheDriver() throws Exception {
        DriverInstance d = opened();
        int cap = d.rxCapacity();
        assertThat(cap).isEqualTo((int) d.layout().rxCap()).isPositive();
        try {
            d.frameLen(0, new byte[cap], 0, cap);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own; the host passed the bytes on
        }
        // no bytes yet is a length the host may ask about (a stream that has just begun)
        try {
            d.frameLen(0, new byte[0], 0, 0);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own; the host asked
        }
        assertThatThrownBy(() -> d.frameLen(0, new byte[1], 0, -1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("-1 bytes do not fit the driver's rx region of " + cap + " bytes");
        assertThatThrownBy(() -> d.frameLen(0, new byte[cap + 1], 0, cap + 1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not fit the driver's rx region of " + cap + " bytes");
    }

    @Test
    void theHeldFrameIsHandedOnWholeButNeverEmptyNorLonger() throws Exception {
        DriverInstance d = opened();
        byte[] frame = Fixtures.frame(7, 8);
        Fixtures.request(d, 0, NOW);
        d.frameLen(0, frame, 0, frame.length);
        List<Long> values = new ArrayList<>();
        int n =
                d.onFrame(
                        0,
                        frame.length,
                        NOW,
                        (p, name, v, q, t, f) -> values.add(((Value.I64) v).value()));
        assertThat(n).isEqualTo(2);
        assertThat(values).containsExactly(7L, 8L);
        // nothing is held any more
        assertThatThrownBy(() -> d.onFrame(0, frame.length, NOW, NO_SINK))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("rx holds 0 bytes of device -1, not a frame of 18 bytes of device 0");
        d.frameLen(0, frame, 0, frame.length);
        assertThatThrownBy(() -> d.onFrame(0, frame.length + 1, NOW, NO_SINK))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("rx holds 18 bytes of device 0, not a frame of 19 bytes of device 0");
        assertThatThrownBy(() -> d.onFrame(0, 0, NOW, NO_SINK))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("rx holds 18 bytes of device 0, not a frame of 0 bytes of device 0");
        // a frame of one byte is a frame: the host hands it on, whatever the driver says of it
        d.frameLen(0, new byte[] {(byte) 0xAA}, 0, 1);
        try {
            d.onFrame(0, 1, NOW, NO_SINK);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own
        }
    }

    private static void assertNotRefusedByTheHost(DriverInstance d, String config) {
        try {
            d.open(0, config, NOW);
        } catch (DriverException driverSaysNo) {
            // the driver's answer is its own; the host passed the config on
        }
        assertThat(d.dead()).isFalse();
    }

    private static void assertBadDev(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(BAD_DEV);
    }
}
