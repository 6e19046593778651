package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.host.driver.GuestOutputFuzzTest.Script;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edges {@link GuestOutputFuzzTest} reaches only by chance, pinned: {@code puppet.wat} answers
 * exactly what the script says, and the host takes the answer at the edge and refuses the one just
 * past it.
 */
class PuppetBoundaryTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static DriverModule module;

    @BeforeAll
    static void load() {
        module =
                DriverModule.load(
                        new ChicoryEngine(),
                        "puppet.wasm",
                        Fixtures.wasm("puppet"),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
    }

    private static DriverInstance puppet(Script s) throws DriverException {
        DriverInstance d = module.instantiate("edge");
        d.open(0, "device\n", NOW);
        d.observe(0, s.bytes());
        return d;
    }

    private static Script resync(int skip) {
        return new Script(
                0, 0, 0, AbiError.E_RESYNC.code(), skip, 0, 0, 0, new byte[0], new byte[0], 0, 0);
    }

    @Test
    void aResyncMaySkipEveryByteItWasShownButNotOneMore() throws Exception {
        assertThat(puppet(resync(10)).frameLen(0, new byte[10], 0, 10))
                .isEqualTo(FrameLength.resync(10));
        assertThat(puppet(resync(1)).frameLen(0, new byte[10], 0, 10))
                .isEqualTo(FrameLength.resync(1));
        DriverInstance past = puppet(resync(11));
        assertThatThrownBy(() -> past.frameLen(0, new byte[10], 0, 10))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageContaining("asked to skip 11 bytes of 10 (must be 1..10)");
        assertThat(past.dead()).isTrue();
        DriverInstance none = puppet(resync(0));
        assertThatThrownBy(() -> none.frameLen(0, new byte[10], 0, 10))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageContaining("asked to skip 0 bytes of 10 (must be 1..10)");
    }

    @Test
    void aRequestCarriesTheExpectAndTimeoutTheDriverWroteInMeta() throws Exception {
        Script s = new Script(3, 1, 250, 0, 0, 0, 0, 0, new byte[0], new byte[0], 0, 0);
        Request r = puppet(s).poll(0, NOW);
        assertThat(r.bytes()).hasSize(3);
        assertThat(r.expectResponse()).isTrue();
        assertThat(r.timeoutMs()).isEqualTo(250);
        Script quiet = new Script(3, 0, 0, 0, 0, 0, 0, 0, new byte[0], new byte[0], 0, 0);
        assertThat(puppet(quiet).poll(0, NOW).expectResponse()).isFalse();
    }

    @Test
    void aBoolRecordIsTrueForOneAndFalseForZero() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(2 * Abi.RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long bits : new long[] {1, 0}) {
            out.putInt(bits == 1 ? 0 : 1).put((byte) 1).put((byte) 0).putShort((short) 0);
            out.putLong(0).putLong(bits);
        }
        Script s = new Script(0, 0, 0, 0, 0, 0, 2, 0, out.array(), new byte[0], 0, 0);
        assertThat(puppet(s).onTimeout(0, NOW))
                .extracting(DriverRecord::point, DriverRecord::value)
                .containsExactly(tuple(0, Value.of(true)), tuple(1, Value.of(false)));
    }

    @Test
    void aDriverThatWouldAcceptANegativeDeviceHandleNeverSeesOne() throws Exception {
        // The puppet answers success to any handle, so only the host's check stands between it
        // and a handle the host got wrong.
        Script yes = new Script(0, 0, 0, 0, 0, 0, 0, 0, new byte[0], new byte[0], 0, 0);
        DriverInstance d = puppet(yes);
        byte[] frame = {1, 2, 3};
        String bad = "device handle must be 0..2^31-1, got -1";
        for (ThrowingCallable call :
                new ThrowingCallable[] {
                    () -> d.open(-1, "device\n", NOW),
                    () -> d.observe(-1, yes.bytes()),
                    () -> d.onFrame(-1, frame, 0, frame.length, NOW),
                    () -> d.onTimeout(-1, NOW),
                    () -> d.saveState(-1),
                    () -> d.loadState(-1, new byte[1])
                }) {
            assertThatThrownBy(call)
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage(bad);
        }
        assertThat(d.dead()).isFalse();
    }
}
