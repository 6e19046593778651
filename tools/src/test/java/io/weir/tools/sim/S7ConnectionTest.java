package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulator's protocol engine, frame by frame, against real CPUs: it answers the requests of
 * two corpus captures byte for byte as the S7-300s in them did (libnodave's demo and Snap7's
 * "everything" session, ../shared/corpus/s7comm/iti-ics-security-tools), and refuses what a CPU
 * refuses.
 */
class S7ConnectionTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] b(String hex) {
        return HEX.parseHex(hex);
    }

    private static String answer(S7Connection c, String request) {
        S7Connection.Reply r = c.onFrame(b(request));
        assertThat(r.close()).as("closed: %s", r.note()).isFalse();
        StringBuilder s = new StringBuilder();
        r.frames().forEach(f -> s.append(HEX.formatHex(f)));
        return s.toString();
    }

    private static S7Memory memory() {
        return new S7Memory(Map.of(1, 256));
    }

    @Test
    void answersLibnodavesSessionAsTheS7300InTheCaptureDid() {
        // s7comm_varservice_libnodavedemo.pcap frames 7-24; the CPU's COTP source reference was 3.
        S7Memory m = memory();
        S7Connection c = new S7Connection(m, 0, 2, 240, 3);
        assertThat(answer(c, "0300001611e00000000100c1020100c2020102c00109"))
                .isEqualTo("0300001611d00001000300c00109c1020100c2020102");
        assertThat(answer(c, "0300001902f08032010000ffff00080000f000000100010780"))
                .isEqualTo("0300001b02f08032030000ffff000800000000f0000001000100f0");
        assertThat(c.pdu()).isEqualTo(240);
        assertThat(answer(c, "0300001f02f080320100000000000e00000401120a10020040000184000000"))
                .isEqualTo("0300005902f0803203000000000002004400000401ff040200" + "00".repeat(64));
        m.write(S7Area.M, 0, 0, b("a9100000000001010000000000000000"));
        assertThat(answer(c, "0300001f02f080320100000001000e00000401120a10020010000083000000"))
                .isEqualTo(
                        "0300002902f0803203000000010002001400000401ff040080a9100000000001010000000000000000");
        for (String[] w :
                new String[][] {
                    {
                        "0300002702f080320100000002000e00080501120a1002000400008300000000040020a9100001",
                        "02"
                    },
                    {
                        "0300002702f080320100000003000e00080501120a100200040000830000200004002000000103",
                        "03"
                    },
                    {
                        "0300002702f080320100000004000e00080501120a100200040000830000400004002000000003",
                        "04"
                    },
                    {
                        "0300002702f080320100000005000e00080501120a10020004000083000060000400203f8ccccd",
                        "05"
                    }
                }) {
            assertThat(answer(c, w[0]))
                    .isEqualTo("0300001602f08032030000" + "00" + w[1] + "0002000100000501ff");
        }
        // Frame 24 shows MB0 = a0: the CPU's program changed it after the write; here it stays a9.
        assertThat(answer(c, "0300001f02f080320100000006000e00000401120a10020010000083000000"))
                .isEqualTo(
                        "0300002902f0803203000000060002001400000401ff040080a910000100000103000000033f8ccccd");
    }

    @Test
    void answersSnap7sMultiItemWritesAndReadsAsTheS7300Did() {
        // snap7_s300_everything.pcapng frames 49-56: a REAL, then five items each way; the CPU
        // refuses the timer and counter writes with 0x03.
        S7Memory m = memory();
        S7Connection c = new S7Connection(m, 0, 2, 240, 1);
        answer(c, "0300001611e00000000100c0010ac1020100c2020102");
        answer(c, "0300001902f08032010000000000080000f0000001000101e0");
        assertThat(
                        answer(
                                c,
                                "0300002702f080320100001800000e00080501120a100800010000830000800007000479e9f642"))
                .isEqualTo("0300001602f0803203000018000002000100000501ff");
        m.write(S7Area.M, 0, 16, new byte[4]); // the CPU's program cleared MD16 (frame 52)
        assertThat(answer(c, "0300001f02f080320100001900000e00000401120a10080001000083000080"))
                .isEqualTo("0300001d02f0803203000019000002000800000401ff07000400000000");
        String others =
                "120a10020010000081000000120a10020010000082000000"
                        + "120a101d000800001d000000120a101c000800001c000000";
        assertThat(
                        answer(
                                c,
                                "030000c302f080320100001a00003e00740505"
                                        + "120a10040010000083000000"
                                        + others
                                        + "00040100addeaddeaddeaddeaddeaddeaddeaddeefbeefbeefbeefbeefbeefbeefbeefbe"
                                        + "00040080aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb00040080bbbbbbbbbbbbbbbbaddeaddeaddeadde"
                                        + "00090010efbeefbeefbeefbeefbeefbeefbeefbe00090010fecafecafecafecafecafecafecafeca"))
                .isEqualTo("0300001a02f080320300001a000002000500000505ffffff0303");
        m.write(S7Area.M, 0, 0, b("acde000daddeaddeaddeaddeaddeadde"));
        m.write(S7Area.C, 0, 0, b("0011"));
        assertThat(
                        answer(
                                c,
                                "0300004f02f080320100001b00003e00000405120a10020010000083000000"
                                        + others))
                .isEqualTo(
                        "0300007902f080320300001b000002006400000405"
                                + "ff040080acde000daddeaddeaddeaddeaddeadde"
                                + "ff040080aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb"
                                + "ff040080bbbbbbbbbbbbbbbbaddeaddeaddeadde"
                                + "ff090010"
                                + "00".repeat(16)
                                + "ff090010"
                                + "0011"
                                + "00".repeat(14));
    }

    private static S7Connection connected(int pdu) {
        S7Connection c = new S7Connection(memory(), 0, 1, pdu, 1);
        answer(c, "0300001611e00000000100c0010ac1020100c2020101");
        answer(c, "0300001902f08032010000000100080000f0000001000103c0");
        return c;
    }

    @Test
    void refusesConnectionsItCannotServe() {
        // Wrong slot: the called TSAP is 01.02, the CPU is rack 0 slot 1.
        S7Connection.Reply r =
                new S7Connection(memory(), 0, 1, 240, 7)
                        .onFrame(b("0300001611e00000000100c0010ac1020100c2020102"));
        assertThat(r.close()).isTrue();
        assertThat(HEX.formatHex(r.frames().get(0))).isEqualTo("0300000b06800001000703");
        assertThat(r.note()).contains("called TSAP 0102");
        // Class 4.
        r =
                new S7Connection(memory(), 0, 1, 240, 7)
                        .onFrame(b("0300001611e00000000140c0010ac1020100c2020101"));
        assertThat(HEX.formatHex(r.frames().get(0))).endsWith("82");
        // A DT before the connection request, and garbage lengths.
        r =
                new S7Connection(memory(), 0, 1, 240, 7)
                        .onFrame(b("0300001902f08032010000000100080000f0000001000103c0"));
        assertThat(r.close()).isTrue();
        assertThat(r.frames()).isEmpty();
        assertThat(r.note()).isEqualTo("a COTP DT before the connection request");
        r = new S7Connection(memory(), 0, 1, 240, 7).onFrame(b("0300000820e00000"));
        assertThat(r.close()).isTrue();
    }

    @Test
    void refusesJobsWithTheHeaderErrorsOfACpu() {
        S7Connection c = new S7Connection(memory(), 0, 1, 240, 1);
        answer(c, "0300001611e00000000100c0010ac1020100c2020101");
        // A Read Var before Setup Communication: 0x81 0x04.
        assertThat(answer(c, job(5, "0401120a10020002000184000000", "")))
                .isEqualTo("0300001302f080" + "320200000005000000008104");
        answer(c, "0300001902f08032010000000100080000f0000001000103c0");
        assertThat(c.pdu()).isEqualTo(240);
        // A parameter length that does not match the items: 0x85 0x00.
        assertThat(answer(c, job(6, "0402120a10020002000184000000", "")))
                .isEqualTo("0300001302f080" + "320200000006000000008500");
        // Upload (0x1d) is not served: 0x81 0x04.
        assertThat(
                        answer(
                                c,
                                "0300002302f080320100000700001200001d00000000000000095f3042303030303041"))
                .endsWith("8104");
        // An answer larger than the PDU: 0x85 0x00.
        assertThat(answer(c, job(8, "0401120a100200f0000184000000", "")))
                .isEqualTo("0300001302f080" + "320200000008000000008500");
    }

    /** TPKT + COTP DT + an S7 Job of {@code param} and {@code data} (hex). */
    private static String job(int ref, String param, String data) {
        int plen = param.length() / 2;
        int dlen = data.length() / 2;
        int tpkt = 4 + 3 + 10 + plen + dlen;
        return String.format("0300%04x02f08032010000%04x%04x%04x", tpkt, ref, plen, dlen)
                + param
                + data;
    }

    /** TPKT + COTP DT + an S7 Ack_Data. */
    private static String ackData(int ref, String param, String data) {
        int plen = param.length() / 2;
        int dlen = data.length() / 2;
        int tpkt = 4 + 3 + 12 + plen + dlen;
        return String.format("0300%04x02f08032030000%04x%04x%04x0000", tpkt, ref, plen, dlen)
                + param
                + data;
    }

    @Test
    void itemErrorsNameWhatIsWrongWithTheItem() {
        S7Connection c = connected(240);
        String items =
                "120a10020002006384000000" // DB99: object does not exist
                        + "120a10020004000184000800" // DB1.DBB256: past the end
                        + "120a10010002000184000000" // BIT x 2: type not supported
                        + "120a10020001000199000000" // area 0x99: unknown
                        + "120a101d0001000083000000" // TIMER in M: type not supported
                        + "120a10040001000184000010"; // DB1.DBW2: fine
        assertThat(answer(c, job(9, "0406" + items, "")))
                .isEqualTo(
                        ackData(
                                9,
                                "0406",
                                "0a000000"
                                        + "05000000"
                                        + "06000000"
                                        + "05000000"
                                        + "06000000"
                                        + "ff0400100000"));
        // Writes: a timer (0x03), data that does not match its item (0x07), a bit.
        String w =
                "0503"
                        + "120a101d000100001d000005"
                        + "120a10020002000184000000"
                        + "120a10010001000184000009";
        String data = "000900021234" + "0004000812" + "00" + "0003000101";
        assertThat(answer(c, job(10, w, data))).isEqualTo(ackData(10, "0503", "0307ff"));
        assertThat(answer(c, job(11, "0401120a10020002000184000000", "")))
                .isEqualTo(ackData(11, "0401", "ff0400100002"));
    }

    @Test
    void answersInSegmentsWhenTheTpduIsSmallerThanThePdu() {
        S7Memory m = memory();
        S7Connection c = new S7Connection(m, 0, 1, 960, 1);
        // TPDU size code 7: 128 bytes, PDU 960.
        answer(c, "0300001611e00000000100c00107c1020100c2020101");
        answer(c, "0300001902f08032010000000100080000f0000001000103c0");
        assertThat(c.pdu()).isEqualTo(960);
        S7Connection.Reply r =
                c.onFrame(b("0300001f02f080320100000200000e00000401120a100200c8000184000000"));
        List<byte[]> frames = r.frames();
        // 12 + 2 + 4 + 200 = 218 bytes of S7 PDU in DTs of at most 125.
        assertThat(frames).hasSize(2);
        assertThat(frames.get(0)[6]).isEqualTo((byte) 0x00);
        assertThat(frames.get(1)[6]).isEqualTo((byte) 0x80);
        assertThat(frames.get(0).length + frames.get(1).length - 14).isEqualTo(218);
        // A request in two segments is joined.
        String job = "320100000003000e00000401120a10040001000184000010";
        m.write(S7Area.DB, 1, 2, b("01f4"));
        S7Connection.Reply first = c.onFrame(b("0300000f02f000" + job.substring(0, 16)));
        assertThat(first.frames()).isEmpty();
        assertThat(first.close()).isFalse();
        assertThat(answer(c, "0300001702f080" + job.substring(16)))
                .isEqualTo(ackData(3, "0401", "ff04001001f4"));
    }
}
