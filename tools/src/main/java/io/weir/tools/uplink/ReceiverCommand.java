package io.weir.tools.uplink;

import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.Receiver;
import io.weir.tools.cli.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code weir receiver --listen HOST:PORT --pki DIR [--data DIR | --db URL|FILE] [--out FILE]}. */
@Command(
        name = "receiver",
        mixinStandardHelpOptions = true,
        header = "Run the cloud-side uplink receiver.",
        description = {
            "Terminate mutual TLS from gateways, open SM4 envelopes, store each batch exactly once"
                    + " (deduplicated by gateway, epoch and sequence in the database) and acknowledge"
                    + " it. Writes one JSON object per point per line to --out.",
            "",
            "Before listening it checks the PKI folder (ca.crt, receiver.crt and .key,"
                    + " receiver-envelope.key and .pub: present, readable, keys matching their"
                    + " certificate or public key, receiver.crt issued by ca.crt and valid) and the"
                    + " database, and refuses to start with one line naming the file and the"
                    + " problem.",
            "",
            "Its state lives in its data folder (--data, default PKI/receiver-data, mode 0700):"
                    + " DATA/ingest.mv.db is the ingest database, so each PKI folder has its own"
                    + " database unless --data or --db says otherwise. Several receivers may share one"
                    + " database on purpose, e.g. --db 'jdbc:h2:tcp://dbhost/weir-ingest'.",
        })
public final class ReceiverCommand implements Callable<Integer> {
    /** The data folder inside the PKI folder when --data is not given. */
    static final String DEFAULT_DATA = "receiver-data";

    @Spec CommandSpec spec;

    private final CountDownLatch done = new CountDownLatch(1);

    @Option(
            names = "--listen",
            required = true,
            paramLabel = "HOST:PORT",
            converter = HostPort.Converter.class,
            description = "Address to listen on, e.g. 0.0.0.0:7443.")
    HostPort listen;

    @Option(
            names = "--pki",
            required = true,
            paramLabel = "DIR",
            description = "PKI directory from `weir pki init`.")
    Path pki;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description =
                    "This receiver's data folder: DIR/ingest.mv.db is its database (default:"
                            + " PKI/"
                            + DEFAULT_DATA
                            + "; created if missing).")
    Path data;

    @Option(
            names = "--db",
            paramLabel = "URL|FILE",
            description =
                    "Ingest database instead of DATA/ingest: a JDBC URL (e.g."
                            + " jdbc:h2:tcp://dbhost/weir-ingest) or the path of an H2 database"
                            + " file (ingest or ingest.mv.db).")
    String db;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Append decrypted points here as JSON lines.")
    Path out;

    @Option(
            names = "--idle-timeout",
            paramLabel = "SECONDS",
            description =
                    "Close a gateway session that sends no batch for this long, with none"
                            + " waiting for its ACK (default: ${DEFAULT-VALUE}); the gateway"
                            + " reconnects when it has data.")
    long idleTimeoutSeconds = Receiver.Config.DEFAULT_IDLE_TIMEOUT.toSeconds();

    @Option(
            names = "--require-signature",
            description = "Reject envelopes without the per-epoch SM2/ECDSA origin signature.")
    boolean requireSignature;

    @Option(names = "--tls12", description = "Also accept TLS 1.2 (standard mode only).")
    boolean tls12;

    @Override
    public Integer call() throws Exception {
        if (idleTimeoutSeconds < 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--idle-timeout must be at least 1 second, got " + idleTimeoutSeconds);
        }
        if (!Files.isDirectory(pki)) {
            throw new IOException(
                    pki
                            + ": no such PKI folder (create one with `weir pki init --dir "
                            + pki
                            + "`)");
        }
        UplinkPki p = new UplinkPki(pki);
        // The URL is only known once the folder is; check the PKI first so that a wrong --pki
        // does not leave a data folder behind.
        Receiver.Config cfg =
                Receiver.Config.fromPki(p, listen.host(), listen.port(), "jdbc:h2:mem:", out)
                        .withRequireSignature(requireSignature)
                        .withTls12(tls12)
                        .withIdleTimeout(Duration.ofSeconds(idleTimeoutSeconds));
        Receiver.checkFiles(cfg);
        String url = db != null ? databaseUrl(db) : dataFolderUrl();
        cfg = cfg.withDbUrl(url);
        Receiver rx = Receiver.start(cfg);
        Thread hook = new Thread(rx::close, "receiver-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine()
                .getOut()
                .println(
                        "receiver listening on "
                                + listen.host()
                                + ":"
                                + rx.port()
                                + " ("
                                + cfg.tls().mode()
                                + " TLS), database "
                                + url
                                + (out != null ? ", points to " + out : ""));
        spec.commandLine().getOut().flush();
        try {
            done.await();
        } finally {
            rx.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
        return 0;
    }

    /** Stops a receiver started by {@link #call} (tests; a user stops it with a signal). */
    void stop() {
        done.countDown();
    }

    /** DATA/ingest, creating DATA (mode 0700: the database holds decrypted points). */
    private String dataFolderUrl() throws IOException {
        Path dir = (data != null ? data : pki.resolve(DEFAULT_DATA)).toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": is a file; --data needs a folder");
        }
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(
                        dir,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new IOException(
                        dir
                                + ": cannot create the receiver's data folder ("
                                + e
                                + "); choose another with --data DIR",
                        e);
            }
        }
        return "jdbc:h2:file:" + dir.resolve("ingest") + ";AUTO_SERVER=TRUE";
    }

    /** --db as given: a JDBC URL verbatim, or a file path to an H2 database. */
    static String databaseUrl(String db) throws IOException {
        if (db.startsWith("jdbc:")) {
            return db;
        }
        Path file = Path.of(db).toAbsolutePath().normalize();
        if (Files.isDirectory(file)) {
            throw new IOException(
                    "--db "
                            + file
                            + ": is a directory; give a database file such as "
                            + file.resolve("ingest")
                            + ", or --data "
                            + file);
        }
        String name = file.toString();
        if (name.endsWith(".mv.db")) {
            // H2 adds the suffix itself: without this, ingest.mv.db would become
            // ingest.mv.db.mv.db beside the file the user meant.
            name = name.substring(0, name.length() - ".mv.db".length());
        }
        return "jdbc:h2:file:" + name + ";AUTO_SERVER=TRUE";
    }
}
