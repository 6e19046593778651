package io.weir.tools.capture;

import static io.weir.tools.capture.Packets.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureReaderTest {
    private static final byte[] PKT =
            ipv4Tcp(CLIENT, 40000, SERVER, 502, 1, 0, 0x18, new byte[] {1, 2, 3});

    /** Every frame of an in-memory capture; the reader's cut (if any) in {@code cut[0]}. */
    static List<CapturedFrame> read(byte[] file, CaptureReader.Cut[] cut) throws IOException {
        List<CapturedFrame> frames = new ArrayList<>();
        try (CaptureReader r = CaptureReader.of(file)) {
            for (CapturedFrame f = r.next(); f != null; f = r.next()) {
                frames.add(f);
            }
            assertThat(r.next()).as("next() after the end").isNull();
            assertThat(r.position()).isLessThanOrEqualTo(file.length);
            if (cut != null) {
                cut[0] = r.cut();
            }
        }
        return frames;
    }

    static List<CapturedFrame> read(byte[] file) throws IOException {
        CaptureReader.Cut[] cut = new CaptureReader.Cut[1];
        List<CapturedFrame> frames = read(file, cut);
        assertThat(cut[0]).as("cut of a complete file").isNull();
        return frames;
    }

    @Test
    void readsPcapInBothByteOrdersWithMicroAndNanoTimestamps() throws Exception {
        long ts = 1_605_738_373_137_482_123L;
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            List<CapturedFrame> micro =
                    read(pcap(order, false, 228, new long[] {ts, ts + 5000}, PKT, PKT));
            assertThat(micro).hasSize(2);
            assertThat(micro.get(0).number()).isEqualTo(1);
            assertThat(micro.get(1).number()).isEqualTo(2);
            assertThat(micro.get(0).epochNanos()).isEqualTo(1_605_738_373_137_482_000L);
            assertThat(micro.get(0).linkType()).isEqualTo(228);
            assertThat(micro.get(0).data()).isEqualTo(PKT);

            List<CapturedFrame> nano = read(pcap(order, true, 1, new long[] {ts}, PKT));
            assertThat(nano.get(0).epochNanos()).isEqualTo(ts);
            assertThat(nano.get(0).epochMillis()).isEqualTo(1_605_738_373_137L);
        }
    }

    /** Two sections in opposite byte orders, three interfaces, four packet block kinds. */
    private static byte[] pcapngSample() {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        ByteOrder be = ByteOrder.BIG_ENDIAN;
        return concat(
                shb(le),
                idb(le, 1, -1), // interface 0: Ethernet, microseconds
                idb(le, 101, 9), // interface 1: raw IP, nanoseconds
                epb(le, 0, 1_000_000_123L, PKT),
                block(le, 4, new byte[8]), // a name resolution block: skipped
                epb(le, 1, 2_000_000_000_456L, PKT),
                spb(le, PKT),
                // A second section in the other byte order, its own interface table.
                shb(be),
                idb(be, 113, 0x80 | 10), // 2^-10 s units
                epb(be, 0, 3 * 1024 + 512, PKT));
    }

    @Test
    void readsPcapngSectionsInterfacesAndResolutions() throws Exception {
        List<CapturedFrame> frames = read(pcapngSample());
        assertThat(frames).extracting(CapturedFrame::number).containsExactly(1, 2, 3, 4);
        assertThat(frames).extracting(CapturedFrame::linkType).containsExactly(1, 101, 1, 113);
        assertThat(frames.get(0).epochNanos()).isEqualTo(1_000_000_123_000L);
        assertThat(frames.get(1).epochNanos()).isEqualTo(2_000_000_000_456L);
        assertThat(frames.get(2).epochNanos()).isZero(); // SPB carries no timestamp
        assertThat(frames.get(3).epochNanos()).isEqualTo(3_500_000_000L);
        assertThat(frames.get(3).data()).isEqualTo(PKT);
    }

    /**
     * A capture cut at every offset inside its last record (what a capture stopped mid-write
     * leaves) gives every frame before it and a cut that says where, never an exception.
     */
    @Test
    void aFileCutInsideItsLastRecordGivesTheFramesBeforeItAndTheCut() throws Exception {
        byte[] last = ipv4Tcp(CLIENT, 40000, SERVER, 502, 4, 0, 0x18, new byte[] {4, 5, 6, 7});
        byte[] pcapFile =
                pcap(ByteOrder.LITTLE_ENDIAN, false, 101, new long[] {1, 2, 3}, PKT, PKT, last);
        int pcapLast = pcapFile.length - 16 - last.length;
        checkEveryCut(pcapFile, pcapLast, 2, "pcap record", 3);

        byte[] ng = pcapngSample();
        byte[] lastBlock = epb(ByteOrder.BIG_ENDIAN, 0, 7, last);
        checkEveryCut(concat(ng, lastBlock), ng.length, 4, "pcapng enhanced packet block", 5);
        // A non-packet block cut short: the frames are all there, the cut names the block.
        checkEveryCut(
                concat(ng, block(ByteOrder.BIG_ENDIAN, 5, new byte[20])),
                ng.length,
                4,
                "pcapng block",
                0);
        // A new section header cut short.
        checkEveryCut(
                concat(ng, shb(ByteOrder.LITTLE_ENDIAN)),
                ng.length,
                4,
                "pcapng section header block",
                0);
    }

    private static void checkEveryCut(
            byte[] whole, int lastRecord, int framesBefore, String record, int frame)
            throws IOException {
        for (int end = lastRecord + 1; end < whole.length; end++) {
            CaptureReader.Cut[] cut = new CaptureReader.Cut[1];
            List<CapturedFrame> frames = read(Arrays.copyOf(whole, end), cut);
            String where = record + " cut after " + (end - lastRecord) + " bytes";
            assertThat(frames).as(where).hasSize(framesBefore);
            assertThat(cut[0]).as(where).isNotNull();
            assertThat(cut[0].offset()).as(where).isEqualTo(lastRecord);
            assertThat(cut[0].present()).as(where).isEqualTo(end - lastRecord);
            assertThat(cut[0].needed()).as(where).isGreaterThan(end - lastRecord);
            // A pcapng block is known to hold a packet once its 4 type bytes are there.
            boolean typeKnown = !record.startsWith("pcapng") || end - lastRecord >= 4;
            assertThat(cut[0].frame()).as(where).isEqualTo(typeKnown ? frame : 0);
            if (end - lastRecord >= 4) {
                // Once its type is there the record is named.
                assertThat(cut[0].record()).as(where).startsWith(record);
            }
            assertThat(cut[0].describe())
                    .as(where)
                    .contains("at byte offset " + lastRecord)
                    .contains((end - lastRecord) + " of its " + cut[0].needed() + " bytes")
                    .contains("cut short");
        }
        // And the whole file has no cut.
        assertThat(read(whole)).hasSize(framesBefore + (frame > 0 ? 1 : 0));
    }

    @Test
    void namesWhatIsWrongWithABrokenFile() {
        assertThatThrownBy(() -> CaptureReader.of(new byte[0]))
                .hasMessage("capture: empty file (0 bytes), not a pcap or pcapng capture");
        assertThatThrownBy(() -> CaptureReader.of(new byte[] {(byte) 0xd4, (byte) 0xc3}))
                .hasMessage("capture: 2 bytes, too short for a pcap or pcapng header");
        assertThatThrownBy(() -> CaptureReader.of(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(CaptureFormatException.class)
                .hasMessageContaining("not a capture: unknown file magic 01020304");
        byte[] pcap = pcap(ByteOrder.LITTLE_ENDIAN, false, 1, new long[] {0}, PKT);
        assertThatThrownBy(() -> CaptureReader.of(Arrays.copyOf(pcap, 20)))
                .hasMessage(
                        "capture: pcap file header truncated: it needs 24 bytes, the file has 20");
        byte[] ng = shb(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> CaptureReader.of(Arrays.copyOf(ng, 10)))
                .hasMessageContaining("pcapng section header block truncated");
        assertThatThrownBy(() -> CaptureReader.of(Arrays.copyOf(ng, 20)))
                .hasMessageContaining("pcapng section header block truncated: it needs 28 bytes");
    }

    @Test
    void damagedRecordsAreErrorsThatSayWhere() throws IOException {
        // A pcap record claiming more bytes than any packet has.
        byte[] pcap = pcap(ByteOrder.LITTLE_ENDIAN, false, 1, new long[] {0, 0}, PKT, PKT);
        ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 16 + PKT.length + 8, -1);
        assertFrameThenError(
                pcap,
                "capture: frame 2: the pcap record at byte offset 83 says it holds 4294967295"
                        + " bytes, more than the 262144 a packet may have; the file is damaged");

        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        byte[] head = concat(shb(le), idb(le, 1, -1), epb(le, 0, 0, PKT));
        int at = head.length;
        // An enhanced packet block too short for its fixed fields (it used to read past it).
        assertFrameThenError(
                concat(head, block(le, 6, new byte[8])),
                "capture: pcapng enhanced packet block at byte offset "
                        + at
                        + " has a body of 8 bytes, fewer than the 20 its fixed fields need;"
                        + " the file is damaged");
        assertFrameThenError(
                concat(head, block(le, 3, new byte[0])),
                "capture: pcapng simple packet block at byte offset "
                        + at
                        + " has a body of 0 bytes, fewer than the 4 its fixed fields need;"
                        + " the file is damaged");
        // A length that is not a multiple of 4, or past 16 MiB.
        byte[] odd = block(le, 6, new byte[20]);
        ByteBuffer.wrap(odd).order(le).putInt(4, 30);
        assertFrameThenError(
                concat(head, odd),
                "capture: pcapng enhanced packet block at byte offset "
                        + at
                        + " has total length 30 (a block is 12..16777216 bytes, a multiple of"
                        + " 4); the file is damaged");
        byte[] huge = block(le, 6, new byte[20]);
        ByteBuffer.wrap(huge).order(le).putInt(4, 0x7FFFFFFC);
        assertFrameThenError(concat(head, huge), "has total length 2147483644");
        // Trailing length not matching the leading one.
        byte[] mismatch = epb(le, 0, 0, PKT);
        ByteBuffer.wrap(mismatch).order(le).putInt(mismatch.length - 4, 12);
        assertFrameThenError(
                concat(head, mismatch),
                "capture: pcapng enhanced packet block at byte offset "
                        + at
                        + ": its trailing length 12 does not match its leading length "
                        + mismatch.length
                        + "; the file is damaged");
        // A captured length larger than the block.
        byte[] over = epb(le, 0, 0, PKT);
        ByteBuffer.wrap(over).order(le).putInt(20, 1000);
        assertFrameThenError(
                concat(head, over),
                "capture: frame 2 (pcapng block at byte offset "
                        + at
                        + "): captured length 1000 exceeds the 44 bytes the block holds; the file"
                        + " is damaged");
        assertFrameThenError(
                concat(head, epb(le, 3, 0, PKT)),
                "capture: frame 2 (pcapng block at byte offset "
                        + at
                        + ") names interface 3 but the section describes 1");
        byte[] badBom = shb(le);
        badBom[8] = 0x55;
        assertFrameThenError(
                concat(head, badBom),
                "capture: pcapng section header block at byte offset "
                        + at
                        + ": byte-order magic 553c2b1a is not 1a2b3c4d in either byte order;"
                        + " the file is damaged");
    }

    /** The first frame reads; the next call fails with {@code message}. */
    private static void assertFrameThenError(byte[] file, String message) throws IOException {
        try (CaptureReader r = CaptureReader.of(file)) {
            assertThat(r.next()).isNotNull();
            assertThatThrownBy(r::next)
                    .isInstanceOf(CaptureFormatException.class)
                    .hasMessageContaining(message);
        }
    }

    @Test
    void opensFilesAndNamesThemInEveryMessage(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> CaptureReader.open(dir))
                .hasMessage(dir + ": is a directory, not a capture file (pcap or pcapng)");
        Path empty = Files.createFile(dir.resolve("empty.pcap"));
        assertThatThrownBy(() -> CaptureReader.open(empty))
                .hasMessage(empty + ": empty file (0 bytes), not a pcap or pcapng capture");
        assertThatThrownBy(() -> CaptureReader.open(dir.resolve("missing.pcap")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("missing.pcap");
        Path ok = dir.resolve("two.pcap");
        Files.write(ok, pcap(ByteOrder.BIG_ENDIAN, true, 101, new long[] {5, 6}, PKT, PKT));
        try (CaptureReader r = CaptureReader.open(ok)) {
            assertThat(r.name()).isEqualTo(ok.toString());
            assertThat(r.next().number()).isEqualTo(1);
            assertThat(r.next().epochNanos()).isEqualTo(6);
            assertThat(r.next()).isNull();
            assertThat(r.cut()).isNull();
            assertThat(r.position()).isEqualTo(Files.size(ok));
        }
    }

    /** A pipe cannot seek: --pcap /dev/stdin or a FIFO that tcpdump -w writes to. */
    @Test
    void readsAPipe(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("capture.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
        byte[] packets =
                pcap(ByteOrder.LITTLE_ENDIAN, false, 101, new long[] {1, 2, 3}, PKT, PKT, PKT);
        // Cut inside the last record, as a killed writer leaves it.
        byte[] file = Arrays.copyOf(packets, packets.length - 7);
        Thread writer =
                new Thread(
                        () -> {
                            try {
                                Files.write(fifo, file);
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        writer.start();
        try (CaptureReader r = CaptureReader.open(fifo)) {
            assertThat(r.next().number()).isEqualTo(1);
            assertThat(r.next().number()).isEqualTo(2);
            assertThat(r.next()).isNull();
            assertThat(r.cut().frame()).isEqualTo(3);
            assertThat(r.cut().present()).isEqualTo(16 + PKT.length - 7);
        }
        writer.join();
    }
}
