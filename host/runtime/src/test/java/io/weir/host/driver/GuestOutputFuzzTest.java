package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.Quality;
import io.weir.abi.ValueType;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * Property tests of the host's reading of guest output (ABI §4, §6, §7, §9): {@code puppet.wat}
 * returns and writes whatever the test scripts — return values, every meta field, the bytes of
 * {@code out} and {@code blob} — and each property compares what {@link DriverInstance} makes of it
 * with a model written from ABI.md alone: a value, a {@link DriverException} carrying the code, or
 * a violation that kills the instance, and never anything else. Run longer with {@code
 * -DQT_EXAMPLES=…} (see {@link Fuzz}).
 */
class GuestOutputFuzzTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static final int TX_CAP = 4096;
    private static final int OUT_RECORDS = 2048;
    private static final int BLOB_CAP = 65536;
    private static final int ERR_CAP = 4096;
    private static final int STATE_CAP = 4096;
    private static final byte[] MANIFEST =
            ("{\"name\":\"puppet\",\"version\":\"1.0.0\",\"protocol\":\"fixture-frames\","
                            + "\"transport\":\"tcp\"}")
                    .getBytes(StandardCharsets.US_ASCII);

    private static DriverModule module;

    @BeforeAll
    static void load() {
        // Roomy budgets: the properties are about values, not time.
        module =
                DriverModule.load(
                        new ChicoryEngine(),
                        "puppet.wasm",
                        Fixtures.wasm("puppet"),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
    }

    /** What the puppet returns and writes; {@link #bytes()} is the script it reads. */
    record Script(
            int pollRc,
            int expect,
            int timeout,
            int frameLenRc,
            int skip,
            int need,
            int recordsRc,
            int blobUsed,
            byte[] out,
            byte[] blob,
            int errRc,
            int stateRc) {
        byte[] bytes() {
            ByteBuffer b =
                    ByteBuffer.allocate(48 + out.length + blob.length)
                            .order(ByteOrder.LITTLE_ENDIAN);
            for (int v :
                    new int[] {
                        pollRc,
                        expect,
                        timeout,
                        frameLenRc,
                        skip,
                        need,
                        recordsRc,
                        blobUsed,
                        out.length,
                        blob.length,
                        errRc,
                        stateRc
                    }) {
                b.putInt(v);
            }
            return b.put(out).put(blob).array();
        }

        /** The blob region as the host reads it: the script's bytes over the manifest. */
        byte[] blobMemory() {
            byte[] m = new byte[BLOB_CAP];
            System.arraycopy(MANIFEST, 0, m, 0, MANIFEST.length);
            System.arraycopy(blob, 0, m, 0, blob.length);
            return m;
        }
    }

    private static DriverInstance puppet(Script s) {
        DriverInstance d = module.instantiate("fuzz");
        try {
            d.open(0, "device\n", NOW);
            d.observe(0, s.bytes());
        } catch (DriverException e) {
            throw new AssertionError("the puppet refused its script", e);
        }
        return d;
    }

    // ---- generators --------------------------------------------------------------------------

    private static final Gen<Integer> ERR_RC = Fuzz.edgy(ERR_CAP, 1024);

    private static Gen<Script> requests() {
        Gen<Integer> rc = Fuzz.edgy(TX_CAP, Abi.MAX_TX_BYTES_PER_CYCLE).mix(Fuzz.ints(-12, 8), 50);
        Gen<Integer> expect = Fuzz.edgy().mix(Fuzz.ints(0, 1), 70);
        Gen<Integer> timeout = Fuzz.edgy(Abi.MAX_TIMEOUT_MS).mix(Fuzz.ints(0, 2000), 50);
        return in ->
                new Script(
                        rc.generate(in),
                        expect.generate(in),
                        timeout.generate(in),
                        0,
                        0,
                        0,
                        0,
                        0,
                        new byte[0],
                        new byte[0],
                        ERR_RC.generate(in),
                        0);
    }

    private static Gen<Script> framings() {
        Gen<Integer> rc = Fuzz.edgy(-10).mix(Fuzz.ints(-12, 64), 60);
        Gen<Integer> skip = Fuzz.edgy().mix(Fuzz.ints(-2, 66), 60);
        return in ->
                new Script(
                        0,
                        0,
                        0,
                        rc.generate(in),
                        skip.generate(in),
                        Fuzz.edgy().generate(in),
                        0,
                        0,
                        new byte[0],
                        new byte[0],
                        ERR_RC.generate(in),
                        Fuzz.edgy(STATE_CAP).mix(Fuzz.ints(-12, 64), 50).generate(in));
    }

    /**
     * Records whose every field is chosen where the host's checks are: value types and flags known
     * and not, names and strings inside, across and outside {@code blob_used}, valid and broken
     * UTF-8; counts around the capacity of {@code out}; {@code blob_used} at and past its limits.
     */
    private static Gen<Script> recordSets() {
        return in -> {
            // The blob: entries of names, texts and raw bytes, their offsets remembered.
            ByteBuffer blob = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            List<int[]> entries = new ArrayList<>(); // {offset, length} of what follows a u16
            int k = (int) in.next(Constraint.between(0, 6));
            for (int e = 0; e < k; e++) {
                int len = (int) in.next(Constraint.between(0, 40));
                int at = blob.position();
                blob.putShort((short) len);
                for (int i = 0; i < len; i++) {
                    int kind = (int) in.next(Constraint.between(0, 9));
                    blob.put(
                            kind == 0
                                    ? (byte) in.next(Constraint.between(-128, 127))
                                    : (byte) in.next(Constraint.between('a', 'z')));
                }
                entries.add(new int[] {at, len});
            }
            byte[] blobBytes = Arrays.copyOf(blob.array(), blob.position());
            int mode = (int) in.next(Constraint.between(0, 9));
            int n =
                    mode < 7
                            ? (int) in.next(Constraint.between(0, 6))
                            : Fuzz.edgy(OUT_RECORDS, Abi.MAX_RECORDS_PER_CALL).generate(in);
            int written = n >= 0 && n <= OUT_RECORDS + 1 ? n : 0;
            ByteBuffer out = ByteBuffer.allocate(written * 24).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < written; i++) {
                boolean simple = i >= 6;
                int vtype = simple ? 2 : (int) in.next(Constraint.between(0, 8));
                int flags =
                        simple
                                ? 0
                                : in.next(Constraint.between(0, 9)) == 0
                                        ? (int) in.next(Constraint.between(0, 255))
                                        : (int) in.next(Constraint.between(0, 3));
                long point;
                if ((flags & 1) != 0
                        && !entries.isEmpty()
                        && in.next(Constraint.between(0, 3)) > 0) {
                    point =
                            entries.get((int) in.next(Constraint.between(0, entries.size() - 1)))[
                                    0];
                } else {
                    point = Fuzz.edgy(blobBytes.length).generate(in) & 0xFFFF_FFFFL;
                }
                int quality =
                        (int)
                                (in.next(Constraint.between(0, 3)) == 0
                                        ? in.next(Constraint.between(0, 0xFFFF))
                                        : new int[] {0, 0x4000, 0x8000, 0x8001, 0x8003, 0x8004}
                                                [(int) in.next(Constraint.between(0, 5))]);
                long value;
                if ((vtype == 5 || vtype == 6)
                        && !entries.isEmpty()
                        && in.next(Constraint.between(0, 3)) > 0) {
                    int[] e = entries.get((int) in.next(Constraint.between(0, entries.size() - 1)));
                    long off = e[0] + 2 + in.next(Constraint.between(-1, 1));
                    long len = e[1] + in.next(Constraint.between(-1, 1));
                    value = (off & 0xFFFF_FFFFL) | (len & 0xFFFF_FFFFL) << 32;
                } else if (vtype == 1) {
                    value = in.next(Constraint.between(-1, 3));
                } else {
                    value = in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE));
                }
                out.putInt((int) point);
                out.put((byte) vtype);
                out.put((byte) flags);
                out.putShort((short) quality);
                out.putLong(in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE)));
                out.putLong(value);
            }
            int blobUsed =
                    in.next(Constraint.between(0, 3)) > 0
                            ? blobBytes.length
                            : Fuzz.edgy(BLOB_CAP, blobBytes.length).generate(in);
            return new Script(
                    0, 0, 0, 0, 0, 0, n, blobUsed, out.array(), blobBytes, ERR_RC.generate(in), 0);
        };
    }

    // ---- properties --------------------------------------------------------------------------

    @Test
    void pollAndWriteRequestsAreTakenOrRefusedAsTheAbiSays() {
        Fuzz.theory(300)
                .forAll(requests())
                .checkAssert(
                        s -> {
                            checkRequest(s, false);
                            checkRequest(s, true);
                        });
    }

    private static void checkRequest(Script s, boolean write) {
        DriverInstance d = puppet(s);
        Object actual =
                outcome(() -> write ? d.write(0, 0, ValueType.I64, 1, NOW) : d.poll(0, NOW));
        String call = write ? "weir_write" : "weir_poll";
        Object expected;
        if (s.pollRc() < 0) {
            expected = errorOutcome(call, s.pollRc(), s.errRc());
        } else if (s.pollRc() == 0) {
            expected = write ? violation(call, "returned an empty request") : Request.END_OF_CYCLE;
        } else if (s.pollRc() > TX_CAP) {
            expected =
                    violation(
                            call,
                            "returned length " + s.pollRc() + ", beyond tx capacity " + TX_CAP);
        } else if (s.expect() != 0 && s.expect() != 1) {
            expected = violation(call, "wrote meta.expect = " + s.expect() + ", not 0 or 1");
        } else if (s.timeout() < 0) {
            expected = violation(call, "wrote a negative meta.timeout_ms " + s.timeout());
        } else {
            expected = new Request(new byte[s.pollRc()], s.expect() == 1, s.timeout());
        }
        assertOutcome(d, actual, expected);
    }

    @Test
    void framingAnswersAreTakenOrRefusedAsTheAbiSays() {
        Fuzz.theory(300)
                .forAll(framings(), Fuzz.ints(0, 64))
                .checkAssert(
                        (s, len) -> {
                            DriverInstance d = puppet(s);
                            Object actual = outcome(() -> d.frameLen(0, new byte[len], 0, len));
                            assertOutcome(d, actual, expectedFraming(s, len));
                        });
    }

    private static Object expectedFraming(Script s, int len) {
        int rc = s.frameLenRc();
        if (rc == AbiError.E_RESYNC.code()) {
            return s.skip() >= 1 && s.skip() <= len
                    ? FrameLength.resync(s.skip())
                    : violation(
                            "weir_frame_len",
                            "asked to skip "
                                    + s.skip()
                                    + " bytes of "
                                    + len
                                    + " (must be 1.."
                                    + len
                                    + ")");
        }
        if (rc < 0) {
            return errorOutcome("weir_frame_len", rc, s.errRc());
        }
        if (rc == 0) {
            return FrameLength.needMore(Math.max(s.need(), 0));
        }
        if (rc > len) {
            return violation(
                    "weir_frame_len",
                    "returned frame length " + rc + ", more than the " + len + " bytes given");
        }
        return FrameLength.complete(rc);
    }

    @Test
    void stateAndErrorTextLengthsAreCheckedAgainstTheirRegions() {
        Fuzz.theory(200)
                .forAll(framings())
                .checkAssert(
                        s -> {
                            DriverInstance d = puppet(s);
                            Object state = outcome(() -> d.saveState(0));
                            Object expected;
                            if (s.stateRc() < 0) {
                                expected = errorOutcome("weir_save_state", s.stateRc(), s.errRc());
                            } else if (s.stateRc() > STATE_CAP) {
                                expected =
                                        violation(
                                                "weir_save_state",
                                                "returned length "
                                                        + s.stateRc()
                                                        + ", beyond state capacity "
                                                        + STATE_CAP);
                            } else {
                                expected = new byte[s.stateRc()];
                            }
                            assertOutcome(d, state, expected);

                            DriverInstance e = puppet(s);
                            assertOutcome(
                                    e, outcome(() -> e.lastError(0)), expectedText(s.errRc()));
                        });
    }

    @Test
    void everyRecordIsDecodedAsTheAbiSaysOrTheCallIsAViolation() {
        Fuzz.theory(400)
                .forAll(recordSets())
                .checkAssert(
                        s -> {
                            DriverInstance d = puppet(s);
                            Object actual = outcome(() -> d.onTimeout(0, NOW));
                            assertOutcome(d, actual, expectedRecords("weir_on_timeout", s));
                        });
    }

    // ---- the model: ABI.md, written again --------------------------------------------------

    /** A trap the test expects, by the problem the host must name. */
    record Violation(String problem) {}

    private static Violation violation(String call, String problem) {
        return new Violation(call + " " + problem + " (ABI §9)");
    }

    /** A negative return: the error, unless asking {@code weir_last_error} why is a violation. */
    private static Object errorOutcome(String call, int rc, int errRc) {
        if (errRc > ERR_CAP) {
            return violation(
                    "weir_last_error",
                    "returned length " + errRc + ", beyond err capacity " + ERR_CAP);
        }
        Object text = expectedText(errRc);
        return new DriverException(call, rc, text instanceof String t ? t : "");
    }

    /**
     * The text of {@code weir_last_error}: the err region is zeros, shown escaped, cut at 1 KiB.
     */
    private static Object expectedText(int errRc) {
        if (errRc < 0) {
            return new DriverException("weir_last_error", errRc, "");
        }
        if (errRc > ERR_CAP) {
            return violation(
                    "weir_last_error",
                    "returned length " + errRc + ", beyond err capacity " + ERR_CAP);
        }
        int shown = Math.min(errRc, Abi.LOG_MESSAGE_MAX_BYTES);
        return "\\u0000".repeat(shown)
                + (errRc > shown ? "… (truncated from " + errRc + " bytes)" : "");
    }

    private static Object expectedRecords(String call, Script s) {
        int n = s.recordsRc();
        if (n < 0) {
            return errorOutcome(call, n, s.errRc());
        }
        if (n == 0) {
            return List.of();
        }
        if (n > OUT_RECORDS) {
            return violation(call, "returned " + n + " records; out holds " + OUT_RECORDS);
        }
        int used = s.blobUsed();
        if (used < 0 || used > BLOB_CAP) {
            return violation(
                    call, "wrote meta.blob_used = " + used + ", beyond blob capacity " + BLOB_CAP);
        }
        byte[] blob = Arrays.copyOf(s.blobMemory(), used);
        ByteBuffer out = ByteBuffer.wrap(s.out()).order(ByteOrder.LITTLE_ENDIAN);
        List<DriverRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long point = out.getInt() & 0xFFFF_FFFFL;
            int vtype = out.get() & 0xFF;
            int flags = out.get() & 0xFF;
            int quality = out.getShort() & 0xFFFF;
            long ts = out.getLong();
            long value = out.getLong();
            String name = null;
            int index = -1;
            try {
                if ((flags & 1) != 0) {
                    name = name(blob, point);
                } else if (point > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("point index " + point + " is out of range");
                } else {
                    index = (int) point;
                }
                Value v;
                switch (vtype) {
                    case 0 -> v = Value.NULL;
                    case 1 -> {
                        if (value == 0 || value == 1) {
                            v = Value.of(value == 1);
                        } else {
                            v = Value.NULL;
                            quality = Quality.BAD_PROTOCOL.code();
                        }
                    }
                    case 2 -> v = Value.i64(value);
                    case 3 -> v = Value.u64(value);
                    case 4 -> v = Value.f64(Double.longBitsToDouble(value));
                    case 5 ->
                            v =
                                    Value.str(
                                            utf8(
                                                    slice(blob, value),
                                                    "string value at blob offset "
                                                            + (value & 0xFFFF_FFFFL)));
                    case 6 -> v = Value.bytes(slice(blob, value));
                    default -> {
                        v = Value.NULL;
                        quality = Quality.BAD_PROTOCOL.code();
                    }
                }
                records.add(
                        new DriverRecord(
                                index, name, v, quality, (flags & 2) != 0 ? ts : NOW, flags));
            } catch (IllegalArgumentException e) {
                return violation(call, "record " + i + ": " + e.getMessage());
            }
        }
        return records;
    }

    private static String name(byte[] blob, long offset) {
        int used = blob.length;
        if (offset + 2 > used) {
            throw new IllegalArgumentException(
                    "record name at blob offset " + offset + " lies beyond blob_used " + used);
        }
        int off = (int) offset;
        int len = (blob[off] & 0xFF) | (blob[off + 1] & 0xFF) << 8;
        if (len == 0) {
            throw new IllegalArgumentException(
                    "record name at blob offset " + offset + " is empty");
        }
        if (off + 2 + len > used) {
            throw new IllegalArgumentException(
                    "record name at blob offset "
                            + offset
                            + " has length "
                            + len
                            + ", which runs past blob_used "
                            + used);
        }
        return utf8(
                Arrays.copyOfRange(blob, off + 2, off + 2 + len),
                "record name at blob offset " + offset);
    }

    private static byte[] slice(byte[] blob, long value) {
        long off = value & 0xFFFF_FFFFL;
        long len = value >>> 32;
        if (off + len > blob.length) {
            throw new IllegalArgumentException(
                    "record value at blob offset "
                            + off
                            + " with length "
                            + len
                            + " runs past blob_used "
                            + blob.length);
        }
        return Arrays.copyOfRange(blob, (int) off, (int) (off + len));
    }

    private static String utf8(byte[] b, String what) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    what + " is not valid UTF-8: " + java.util.HexFormat.of().formatHex(b));
        }
    }

    // ---- comparing ---------------------------------------------------------------------------

    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    /** The call's result, or the exception it threw; anything but the ABI's three fails here. */
    private static Object outcome(Call call) {
        try {
            return call.run();
        } catch (DriverException | DriverTrapped e) {
            return e;
        } catch (Throwable t) {
            fail("a call let escape " + t, t);
            return null;
        }
    }

    private static void assertOutcome(DriverInstance d, Object actual, Object expected) {
        if (expected instanceof Violation v) {
            assertThat(actual).isInstanceOf(DriverTrapped.class);
            assertThat(((DriverTrapped) actual).problem()).isEqualTo(v.problem());
            assertThat(d.dead()).isTrue();
            return;
        }
        assertThat(d.dead()).as("alive after %s", actual).isFalse();
        if (expected instanceof DriverException e) {
            assertThat(actual).isInstanceOf(DriverException.class);
            DriverException a = (DriverException) actual;
            assertThat(a.call()).isEqualTo(e.call());
            assertThat(a.code()).isEqualTo(e.code());
            assertThat(a.error()).isEqualTo(AbiError.of(e.code()));
            assertThat(a.driverText()).isEqualTo(e.driverText());
            assertThat(a.getMessage()).isEqualTo(e.getMessage());
        } else if (expected instanceof byte[] b) {
            assertThat((byte[]) actual).isEqualTo(b);
        } else if (expected instanceof Request r && actual instanceof Request a) {
            assertThat(a.endOfCycle()).isEqualTo(r.endOfCycle());
            assertThat(a.bytes()).isEqualTo(r.bytes());
            assertThat(a.expectResponse()).isEqualTo(r.expectResponse());
            assertThat(a.timeoutMs()).isEqualTo(r.timeoutMs());
        } else {
            assertThat(actual).isEqualTo(expected);
        }
    }
}
