package io.weir.tools.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import io.weir.tools.CliRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** `weir receiver` as a user runs it, fed by a real gateway uplink. */
class ReceiverCommandIT {
    static final String HELP_GOLDEN = "io/weir/tools/uplink/receiver-help.txt";

    @TempDir Path tmp;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A receiver command running on its own thread until {@link #close}. */
    static final class Running implements AutoCloseable {
        final ReceiverCommand command = new ReceiverCommand();
        final StringWriter out = new StringWriter();
        final Thread thread;
        volatile int exit = -1;

        Running(String... args) throws Exception {
            CommandLine cl = new CommandLine(command);
            cl.setOut(new PrintWriter(out, true));
            thread = new Thread(() -> exit = cl.execute(args), "receiver-command");
            thread.setDaemon(true);
            thread.start();
            long end = System.nanoTime() + 30_000_000_000L;
            while (!out.toString().contains("listening") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(out.toString()).as("receiver started").contains("receiver listening on");
        }

        @Override
        public void close() throws InterruptedException {
            command.stop();
            thread.join(10_000);
        }
    }

    static void deliver(UplinkPki pki, int port, Path outbox, List<Point> points) throws Exception {
        UplinkConfig cfg =
                UplinkConfig.forGateway(pki, "gw-01", "127.0.0.1", port, "jdbc:h2:file:" + outbox);
        try (Uplink up = Uplink.start(cfg)) {
            up.sink().accept(points);
            up.flush();
            assertThat(up.awaitDrained(Duration.ofSeconds(30))).as("%s", up.status()).isTrue();
        }
    }

    @Test
    void receiverCommandWritesDecryptedPointsAsJsonLines() throws Exception {
        Path pkiDir = tmp.resolve("pki");
        UplinkPki pki = PkiIssuer.init(pkiDir, UplinkPki.Algorithm.SM2, "gw-01");
        int port = freePort();
        Path out = tmp.resolve("points.jsonl");
        try (Running rx =
                new Running(
                        "--listen",
                        "127.0.0.1:" + port,
                        "--pki",
                        pkiDir.toString(),
                        "--out",
                        out.toString(),
                        "--db",
                        "jdbc:h2:file:" + tmp.resolve("ingest"))) {
            deliver(
                    pki,
                    port,
                    tmp.resolve("outbox"),
                    List.of(
                            new Point(
                                    "boiler", "temp", Value.f64(81.5), 0, 1_700_000_000_000L, null),
                            new Point(
                                    "boiler",
                                    "alarm",
                                    Value.NULL,
                                    0x8000,
                                    1_700_000_000_001L,
                                    "timeout")));
            assertThat(rx.out.toString())
                    .contains("receiver listening on 127.0.0.1:" + port, "GM TLS");
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .startsWith(
                        "{\"gateway\":\"gw-01\",\"device\":\"boiler\",\"point\":\"temp\","
                                + "\"value\":81.5,\"quality\":\"good\",\"quality_code\":0,\"ts\":1700000000000,");
        assertThat(lines.get(1))
                .contains("\"value\":null", "\"quality\":\"bad\"", "\"error\":\"timeout\"");
        assertThat(tmp.resolve("ingest.mv.db")).exists();
    }

    /**
     * Without --data or --db each receiver keeps its database in its own PKI folder's data folder:
     * two receivers with sibling PKI folders no longer share one database.
     */
    @Test
    void eachPkiFolderHasItsOwnDatabaseByDefault() throws Exception {
        UplinkPki a = PkiIssuer.init(tmp.resolve("a"), UplinkPki.Algorithm.SM2, "gw-01");
        UplinkPki b = PkiIssuer.init(tmp.resolve("b"), UplinkPki.Algorithm.SM2, "gw-01");
        int pa = freePort();
        int pb = freePort();
        try (Running ra = new Running("--listen", "127.0.0.1:" + pa, "--pki", a.dir().toString());
                Running rb =
                        new Running("--listen", "127.0.0.1:" + pb, "--pki", b.dir().toString())) {
            deliver(a, pa, tmp.resolve("outbox-a"), SomePoints.of("plc", 3));
            deliver(b, pb, tmp.resolve("outbox-b"), SomePoints.of("plc", 5));
            assertThat(ra.out.toString())
                    .contains("database jdbc:h2:file:" + a.dir().resolve("receiver-data/ingest"));
            assertThat(rb.out.toString())
                    .contains("database jdbc:h2:file:" + b.dir().resolve("receiver-data/ingest"));
        }
        assertThat(a.dir().resolve("receiver-data/ingest.mv.db")).exists();
        assertThat(b.dir().resolve("receiver-data/ingest.mv.db")).exists();
        assertThat(Files.getPosixFilePermissions(a.dir().resolve("receiver-data")))
                .hasSize(3)
                .allMatch(p -> p.name().startsWith("OWNER"));
        assertThat(tmp.resolve("weir-ingest.mv.db")).doesNotExist();
        // --data moves it.
        int pc = freePort();
        try (Running rc =
                new Running(
                        "--listen",
                        "127.0.0.1:" + pc,
                        "--pki",
                        a.dir().toString(),
                        "--data",
                        tmp.resolve("elsewhere").toString())) {
            assertThat(rc.out.toString())
                    .contains("database jdbc:h2:file:" + tmp.resolve("elsewhere/ingest"));
        }
        assertThat(tmp.resolve("elsewhere/ingest.mv.db")).exists();
        // A --data that is a file, or that cannot be made, is one line.
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        for (String[] c :
                new String[][] {
                    {file.toString(), file + ": is a file; --data needs a folder"},
                    {"/proc/weir-data", "/proc/weir-data: cannot create the receiver's data folder"}
                }) {
            CliRun r =
                    CliRun.execute(
                            "receiver",
                            "--listen",
                            "127.0.0.1:" + freePort(),
                            "--pki",
                            a.dir().toString(),
                            "--data",
                            c[0]);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("weir receiver: " + c[1]);
            assertThat(r.err().strip().lines()).hasSize(1);
        }
    }

    /** A broken PKI folder: what to do to it, and what the one line must say. */
    static Stream<Arguments> brokenPkiFolders() {
        return Stream.of(
                Arguments.of(
                        "envelope private key of another PKI",
                        (Consumer<Path>)
                                dir ->
                                        copy(
                                                dir.resolveSibling("other/receiver-envelope.key"),
                                                dir.resolve("receiver-envelope.key")),
                        "receiver-envelope.key: this SM2 envelope private key does not match the"
                                + " public key in"),
                Arguments.of(
                        "CA certificate missing",
                        (Consumer<Path>) dir -> delete(dir.resolve("ca.crt")),
                        "ca.crt: missing (needed as the CA certificate"),
                Arguments.of(
                        "receiver certificate missing",
                        (Consumer<Path>) dir -> delete(dir.resolve("receiver.crt")),
                        "receiver.crt: missing (needed as the receiver's TLS certificate"),
                Arguments.of(
                        "receiver key empty",
                        (Consumer<Path>) dir -> write(dir.resolve("receiver.key"), ""),
                        "receiver.key: holds no PEM object"),
                Arguments.of(
                        "envelope key missing",
                        (Consumer<Path>) dir -> delete(dir.resolve("receiver-envelope.key")),
                        "receiver-envelope.key: missing (needed as the SM2 envelope private key"),
                Arguments.of(
                        "envelope public key is a directory",
                        (Consumer<Path>)
                                dir -> {
                                    delete(dir.resolve("receiver-envelope.pub"));
                                    mkdir(dir.resolve("receiver-envelope.pub"));
                                },
                        "receiver-envelope.pub: is a directory, expected a PEM file"),
                Arguments.of(
                        "receiver key holds a certificate",
                        (Consumer<Path>)
                                dir -> copy(dir.resolve("ca.crt"), dir.resolve("receiver.key")),
                        "receiver.key: does not hold an unencrypted PKCS#8 private key"),
                Arguments.of(
                        "receiver certificate from another CA",
                        (Consumer<Path>)
                                dir -> {
                                    copy(
                                            dir.resolveSibling("other/receiver.crt"),
                                            dir.resolve("receiver.crt"));
                                    copy(
                                            dir.resolveSibling("other/receiver.key"),
                                            dir.resolve("receiver.key"));
                                },
                        "receiver.crt: not issued by the CA in"),
                Arguments.of(
                        "garbage instead of PEM",
                        (Consumer<Path>)
                                dir ->
                                        write(
                                                dir.resolve("receiver-envelope.pub"),
                                                "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"),
                        "receiver-envelope.pub: not a valid PEM file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPkiFolders")
    void refusesToStartOnABrokenPkiFolderWithOneLine(
            String what, Consumer<Path> breakIt, String expected) throws Exception {
        Path dir = tmp.resolve("pki");
        PkiIssuer.init(dir, UplinkPki.Algorithm.SM2, "gw-01");
        PkiIssuer.init(tmp.resolve("other"), UplinkPki.Algorithm.SM2, "gw-01");
        breakIt.accept(dir);
        int port = freePort();
        CliRun r =
                CliRun.execute(
                        "receiver", "--listen", "127.0.0.1:" + port, "--pki", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("listening");
        assertThat(r.err()).startsWith("weir receiver: " + dir).contains(expected);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(dir.resolve("receiver-data"))
                .as("no data folder for a refused start")
                .doesNotExist();
        try (ServerSocket s = new ServerSocket(port)) {
            assertThat(s.getLocalPort()).as("nothing listens").isEqualTo(port);
        }
    }

    @Test
    void unusableDatabasesAreOneLineNamingThePath() throws Exception {
        Path dir = tmp.resolve("pki");
        PkiIssuer.init(dir, UplinkPki.Algorithm.SM2, "gw-01");
        Path folder = Files.createDirectories(tmp.resolve("a-folder"));
        Path notH2 = Files.writeString(tmp.resolve("points.mv.db"), "device,point,value\n");
        Path shadowed = Files.createDirectories(tmp.resolve("shadow.mv.db"));
        String[][] cases = {
            {folder.toString(), "--db " + folder + ": is a directory"},
            {notH2.toString(), "ingest database " + notH2 + ": not an H2 database"},
            {
                "jdbc:h2:file:" + notH2.toString().replace(".mv.db", ""),
                notH2 + ": not an H2 database"
            },
            {"jdbc:h2:file:" + tmp.resolve("shadow"), shadowed + ": is a directory"},
            // /proc refuses new files even to root: a read-only place.
            {
                "/proc/weir-ingest",
                "ingest database /proc/weir-ingest.mv.db: cannot be created in /proc"
            },
        };
        for (String[] c : cases) {
            CliRun r =
                    CliRun.execute(
                            "receiver",
                            "--listen",
                            "127.0.0.1:" + freePort(),
                            "--pki",
                            dir.toString(),
                            "--db",
                            c[0]);
            assertThat(r.code()).as(c[0]).isEqualTo(1);
            assertThat(r.err()).as(c[0]).startsWith("weir receiver: ").contains(c[1]);
            assertThat(r.err().strip().lines()).as(c[0] + ": " + r.err()).hasSize(1);
        }
        assertThat(Files.readString(notH2)).as("left untouched").isEqualTo("device,point,value\n");
    }

    /** {@code weir receiver --help} is an approved golden file (see WeirCommandTest). */
    @Test
    void helpMatchesTheApprovedGoldenFile() throws Exception {
        CliRun r = CliRun.execute("receiver", "--help");
        assertThat(r.code()).isZero();
        if (Boolean.getBoolean("weir.approve")) {
            Files.writeString(
                    Path.of(
                            System.getProperty("weir.root"),
                            "tools/src/test/resources",
                            HELP_GOLDEN),
                    r.out());
        }
        try (var in = getClass().getClassLoader().getResourceAsStream(HELP_GOLDEN)) {
            assertThat(in).as("golden file " + HELP_GOLDEN).isNotNull();
            assertThat(r.out()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(r.out()).contains("--data", "--db", "--idle-timeout", "receiver-data");
    }

    static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void mkdir(Path p) {
        try {
            Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.writeString(p, s);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A few numbered points. */
    static final class SomePoints {
        static List<Point> of(String device, int n) {
            List<Point> ps = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                ps.add(new Point(device, "p", Value.i64(i), 0, 1_700_000_000_000L + i, null));
            }
            return ps;
        }
    }
}
