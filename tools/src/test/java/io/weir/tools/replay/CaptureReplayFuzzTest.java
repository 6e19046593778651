package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.host.driver.Fuzz;
import io.weir.tools.capture.CaptureFormatException;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.capture.PacketDecoder;
import io.weir.tools.capture.Packets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * Property tests of the capture reader and of replay with the bundled Modbus driver: random bytes,
 * and pcap and pcapng captures of Modbus TCP exchanges with a few bytes mutated. Whatever the file
 * holds, reading it gives frames or one {@link CaptureFormatException}, replaying the frames gives
 * report lines and a summary, and nothing else leaves, nor does either hang. Run longer with {@code
 * -DQT_EXAMPLES=…} (see {@code io.weir.host.driver.Fuzz}).
 */
class CaptureReplayFuzzTest {
    private static DriverModule modbus;

    @BeforeAll
    static void load() throws Exception {
        modbus = DriverSource.load("modbus");
    }

    /** One Modbus TCP request (read holding or input registers, or coils) and its answer. */
    private static Gen<byte[][]> exchanges() {
        return in -> {
            int tid = (int) in.next(Constraint.between(0, 0xFFFF));
            int unit = (int) in.next(Constraint.between(0, 255));
            int fc =
                    new int[] {1, 2, 3, 4, 5, 6, 15, 16, 43}
                            [(int) in.next(Constraint.between(0, 8))];
            int qty = (int) in.next(Constraint.between(1, 10));
            ByteBuffer req = ByteBuffer.allocate(12);
            req.putShort((short) tid).putShort((short) 0).putShort((short) 6).put((byte) unit);
            req.put((byte) fc)
                    .putShort((short) in.next(Constraint.between(0, 0xFFFF)))
                    .putShort((short) qty);
            boolean exception = in.next(Constraint.between(0, 5)) == 0;
            int dataLen = fc <= 2 ? (qty + 7) / 8 : 2 * qty;
            ByteBuffer resp = ByteBuffer.allocate(exception ? 9 : 9 + dataLen);
            resp.putShort((short) tid).putShort((short) 0);
            resp.putShort((short) (exception ? 3 : 3 + dataLen)).put((byte) unit);
            if (exception) {
                resp.put((byte) (fc | 0x80)).put((byte) in.next(Constraint.between(1, 11)));
            } else {
                resp.put((byte) fc).put((byte) dataLen);
                for (int i = 0; i < dataLen; i++) {
                    resp.put((byte) in.next(Constraint.between(0, 255)));
                }
            }
            return new byte[][] {req.array(), resp.array()};
        };
    }

    /** A capture of a few exchanges on one connection, as pcap or pcapng, little or big endian. */
    private static Gen<byte[]> captures() {
        return in -> {
            int n = (int) in.next(Constraint.between(1, 6));
            List<byte[]> packets = new ArrayList<>();
            long seqC = 1000;
            long seqS = 5000;
            for (int i = 0; i < n; i++) {
                byte[][] x = exchanges().generate(in);
                packets.add(
                        Packets.ethernet(
                                0x0800,
                                Packets.ipv4Tcp(
                                        Packets.CLIENT,
                                        40000,
                                        Packets.SERVER,
                                        502,
                                        seqC,
                                        seqS,
                                        0x18,
                                        x[0])));
                seqC += x[0].length;
                packets.add(
                        Packets.ethernet(
                                0x0800,
                                Packets.ipv4Tcp(
                                        Packets.SERVER,
                                        502,
                                        Packets.CLIENT,
                                        40000,
                                        seqS,
                                        seqC,
                                        0x18,
                                        x[1])));
                seqS += x[1].length;
            }
            long[] ts = new long[packets.size()];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = 1_600_000_000_000_000_000L + i * 1_000_000L;
            }
            ByteOrder order =
                    in.next(Constraint.between(0, 1)) == 0
                            ? ByteOrder.LITTLE_ENDIAN
                            : ByteOrder.BIG_ENDIAN;
            if (in.next(Constraint.between(0, 1)) == 0) {
                return Packets.pcap(
                        order,
                        in.next(Constraint.between(0, 1)) == 0,
                        PacketDecoder.LINKTYPE_ETHERNET,
                        ts,
                        packets.toArray(byte[][]::new));
            }
            List<byte[]> parts = new ArrayList<>();
            parts.add(Packets.shb(order));
            parts.add(Packets.idb(order, PacketDecoder.LINKTYPE_ETHERNET, 6));
            for (int i = 0; i < packets.size(); i++) {
                parts.add(Packets.epb(order, 0, ts[i] / 1000, packets.get(i)));
            }
            return Packets.concat(parts.toArray(byte[][]::new));
        };
    }

    @Test
    void aCaptureOfAnyBytesIsReadOrRefusedInOneLine() {
        Fuzz.theory(500)
                .forAll(Fuzz.bytes(200).mix(Fuzz.mutated(captures()), 70))
                .checkAssert(CaptureReplayFuzzTest::readAndReplay);
    }

    @Test
    void everyValidCaptureIsReadAndReplayedWithoutLoss() {
        Fuzz.theory(100)
                .forAll(captures())
                .checkAssert(
                        bytes -> {
                            List<CapturedFrame> frames = read(bytes);
                            assertThat(frames).isNotNull().isNotEmpty();
                            ReplaySummary s = replay(frames);
                            assertThat(s.frames()).isEqualTo(frames.size());
                            // every exchange is paired: a point, a skip or an exception line
                            assertThat(s.pairs()).isEqualTo(frames.size() / 2);
                            assertThat(s.unanswered()).isZero();
                            assertThat(s.garbageBytes()).isZero();
                        });
    }

    private static void readAndReplay(byte[] bytes) {
        List<CapturedFrame> frames = read(bytes);
        if (frames != null) {
            replay(frames);
        }
    }

    /** The frames, or {@code null} for a refusal; anything but a one-line refusal fails. */
    private static List<CapturedFrame> read(byte[] bytes) {
        return assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> {
                    try {
                        List<CapturedFrame> frames = new ArrayList<>();
                        try (CaptureReader r = CaptureReader.of(bytes)) {
                            for (CapturedFrame f = r.next(); f != null; f = r.next()) {
                                frames.add(f);
                            }
                        }
                        return frames;
                    } catch (CaptureFormatException e) {
                        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
                        return null;
                    } catch (Throwable t) {
                        fail("reading " + bytes.length + " bytes let escape " + t, t);
                        return null;
                    }
                });
    }

    private static ReplaySummary replay(List<CapturedFrame> frames) {
        return assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> {
                    try (HostReplayDriver d = new HostReplayDriver(modbus)) {
                        List<ReplayLine> lines = new ArrayList<>();
                        ReplaySummary s = new TcpReplay(d, 502, lines::add).replay(frames);
                        assertThat(d.traps()).as("the Modbus driver trapped").isZero();
                        for (ReplayLine l : lines) {
                            assertThat(l.toMap()).isNotEmpty();
                        }
                        return s;
                    } catch (AssertionError e) {
                        throw e;
                    } catch (Throwable t) {
                        fail("replaying " + frames.size() + " frames let escape " + t, t);
                        return null;
                    }
                });
    }
}
