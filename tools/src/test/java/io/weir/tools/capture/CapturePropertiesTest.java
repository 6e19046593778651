package io.weir.tools.capture;

import static io.weir.tools.capture.Packets.concat;
import static io.weir.tools.capture.Packets.idb;
import static io.weir.tools.capture.Packets.ipv4Tcp;
import static io.weir.tools.capture.Packets.shb;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Whatever bytes a file holds, the reader gives frames, then the end, a cut, or a {@link
 * CaptureFormatException} that names the file: never another exception (the kind a user sees as a
 * bare {@code IndexOutOfBoundsException}). The packet decoder never throws on any bytes.
 */
class CapturePropertiesTest {
    private static final Gen<byte[]> BYTES =
            Generate.byteArrays(
                    Generate.range(0, 400),
                    Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));

    private static final byte[] PCAP_LE =
            Packets.pcap(ByteOrder.LITTLE_ENDIAN, false, 1, new long[0]);
    private static final byte[] PCAP_BE_NANOS =
            Packets.pcap(ByteOrder.BIG_ENDIAN, true, 101, new long[0]);
    private static final byte[] PCAPNG =
            concat(shb(ByteOrder.LITTLE_ENDIAN), idb(ByteOrder.LITTLE_ENDIAN, 1, 9));

    /** Reads to the end; returns the frames, or fails on anything but the allowed outcomes. */
    private static List<CapturedFrame> readAllowingDamage(byte[] file) {
        List<CapturedFrame> frames = new ArrayList<>();
        try (CaptureReader r = CaptureReader.of(file)) {
            for (CapturedFrame f = r.next(); f != null; f = r.next()) {
                assertThat(f.number()).isEqualTo(frames.size() + 1);
                frames.add(f);
            }
            assertThat(r.position()).isLessThanOrEqualTo(file.length);
            if (r.cut() != null) {
                assertThat(r.cut().offset() + r.cut().present()).isEqualTo(file.length);
            }
        } catch (CaptureFormatException e) {
            assertThat(e.getMessage()).startsWith("capture: ");
        } catch (IOException e) {
            throw new AssertionError("not a CaptureFormatException: " + e, e);
        }
        return frames;
    }

    @Test
    void anyBytesAfterAValidHeaderReadOrFailWithAMessage() {
        for (byte[] header : List.of(PCAP_LE, PCAP_BE_NANOS, PCAPNG)) {
            qt().forAll(BYTES).checkAssert(tail -> readAllowingDamage(concat(header, tail)));
        }
    }

    @Test
    void anyBytesAtAllReadOrFailWithAMessage() {
        qt().forAll(BYTES).checkAssert(CapturePropertiesTest::readAllowingDamage);
    }

    @Test
    void everyDecodedFrameOfAnyBytesIsASegmentOrAReason() {
        Gen<Integer> linkTypes = Generate.pick(List.of(0, 1, 101, 113, 228, 229, 276, 147));
        qt().forAll(linkTypes, BYTES)
                .checkAssert(
                        (linkType, data) -> {
                            PacketDecoder.Result r =
                                    PacketDecoder.decode(
                                            new CapturedFrame(1, 0, linkType, data, data.length));
                            assertThat(r).isNotNull();
                        });
        // Real IPv4/TCP with every byte of the headers replaced in turn.
        byte[] ip = ipv4Tcp(Packets.CLIENT, 40000, Packets.SERVER, 502, 1, 2, 0x18, new byte[8]);
        qt().forAll(Generate.range(0, 39), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0))
                .checkAssert(
                        (at, b) -> {
                            byte[] d = Arrays.copyOf(ip, ip.length);
                            d[at] = b;
                            assertThat(
                                            PacketDecoder.decode(
                                                    new CapturedFrame(1, 0, 101, d, d.length)))
                                    .isNotNull();
                        });
    }

    @Test
    void aCaptureCutAnywhereGivesTheWholeRecordsBeforeTheCut() {
        Gen<List<byte[]>> packets =
                org.quicktheories.generators.SourceDSL.lists()
                        .of(
                                Generate.byteArrays(
                                        Generate.range(1, 80),
                                        Generate.bytes((byte) 0, (byte) 9, (byte) 0)))
                        .ofSizeBetween(1, 6);
        qt().forAll(packets, Generate.range(0, 10_000))
                .checkAssert(
                        (list, seed) -> {
                            long[] ts = new long[list.size()];
                            byte[] file =
                                    Packets.pcap(
                                            ByteOrder.LITTLE_ENDIAN,
                                            false,
                                            1,
                                            ts,
                                            list.toArray(new byte[0][]));
                            int cutAt = 24 + seed % (file.length - 23);
                            List<CapturedFrame> got =
                                    readAllowingDamage(Arrays.copyOf(file, cutAt));
                            // Records whose last byte is before the cut, and only those.
                            int end = 24;
                            int whole = 0;
                            for (byte[] p : list) {
                                end += 16 + p.length;
                                if (end <= cutAt) {
                                    whole++;
                                }
                            }
                            assertThat(got).hasSize(whole);
                            for (int i = 0; i < whole; i++) {
                                assertThat(got.get(i).data()).isEqualTo(list.get(i));
                            }
                        });
    }
}
