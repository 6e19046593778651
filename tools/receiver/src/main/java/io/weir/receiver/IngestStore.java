package io.weir.receiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The receiver's transactional inbox in H2 (UPLINK.md §8). The primary key (gateway, epoch, seq) is
 * the dedupe: storing a batch and claiming its key are one INSERT in one transaction, so several
 * receivers sharing one database (H2 server mode or {@code AUTO_SERVER=TRUE}) never store a batch
 * twice, and nothing is kept in memory between batches. Thread-safe: one connection per calling
 * thread.
 */
public final class IngestStore implements AutoCloseable {
    /** What happened to a batch. */
    public enum Outcome {
        /** Newly stored (and the caller's before-commit action ran inside the transaction). */
        STORED,
        /** Already stored with the same envelope SM3: a retry or replay; nothing stored again. */
        DUPLICATE,
        /** Already stored with different bytes under the same key: forgery or key reuse. */
        CONFLICT
    }

    /** Work to do inside the storing transaction, before commit (e.g. write the --out lines). */
    @FunctionalInterface
    public interface BeforeCommit {
        void run() throws Exception;
    }

    /** One stored batch. */
    public record Batch(
            String gateway,
            long epoch,
            long seq,
            int points,
            long createdMs,
            long receivedMs,
            boolean deflated,
            byte[] payload) {}

    /** The first bytes of every H2 2.x MVStore file ("H:2,block:..."). */
    private static final byte[] H2_HEADER = {'H', ':', '2', ','};

    private final String url;
    private final List<Connection> all = new ArrayList<>();
    private final ThreadLocal<Connection> perThread = new ThreadLocal<>();

    private IngestStore(String url) {
        this.url = url;
    }

    /**
     * Opens (creating if needed) the ingest database. An unusable database — a directory, a path
     * that cannot be written, a file that is not an H2 database, one held by another process —
     * fails with an {@link SQLException} whose message is one line naming the path and the problem.
     */
    public static IngestStore open(String jdbcUrl) throws SQLException {
        Path file = h2File(jdbcUrl);
        if (file != null) {
            checkUsable(file);
        }
        String url = jdbcUrl;
        if (file != null && !url.contains("WRITE_DELAY")) {
            url += ";WRITE_DELAY=0";
        }
        if (file != null && !url.contains("TRACE_LEVEL_FILE")) {
            // H2 writes its own trace file next to the database and prints stack traces to stderr
            // when it cannot; the receiver reports database errors itself, in one line.
            url += ";TRACE_LEVEL_FILE=0";
        }
        IngestStore s = new IngestStore(url);
        try {
            s.createTable();
        } catch (SQLException e) {
            s.close();
            throw oneLine(jdbcUrl, file, e);
        }
        return s;
    }

    /**
     * The database file of an H2 embedded URL ({@code jdbc:h2:file:PATH}, {@code jdbc:h2:PATH}),
     * i.e. PATH + {@code .mv.db}; null for in-memory and server URLs.
     */
    static Path h2File(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:h2:")) {
            return null;
        }
        String rest = jdbcUrl.substring("jdbc:h2:".length());
        int semi = rest.indexOf(';');
        if (semi >= 0) {
            rest = rest.substring(0, semi);
        }
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        } else if (rest.matches("^(mem|tcp|ssl|zip|nio\\w*|split|async|memFS|memLZF):.*")) {
            return null;
        }
        if (rest.startsWith("~")) {
            rest = System.getProperty("user.home") + rest.substring(1);
        }
        return Path.of(rest + ".mv.db").toAbsolutePath().normalize();
    }

    private static void checkUsable(Path file) throws SQLException {
        String where = "ingest database " + file + ": ";
        if (Files.isDirectory(file)) {
            throw new SQLException(where + "is a directory, not an H2 database file");
        }
        if (Files.exists(file)) {
            if (!Files.isReadable(file) || !Files.isWritable(file)) {
                throw new SQLException(where + "not readable and writable by this user");
            }
            byte[] head = new byte[H2_HEADER.length];
            int n;
            try (var in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            } catch (IOException e) {
                throw new SQLException(where + "cannot read it (" + e + ")", e);
            }
            if (n > 0 && !java.util.Arrays.equals(head, H2_HEADER)) {
                throw new SQLException(
                        where
                                + "not an H2 database (an H2 file starts with \"H:2,\"); give a"
                                + " new file name or the right file");
            }
            return;
        }
        // Create the folder and prove that a file can be made there now: H2 itself would retry
        // for seconds and then print its own stack traces.
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".weir-probe", ".tmp"));
        } catch (IOException e) {
            throw new SQLException(
                    where
                            + "cannot be created in "
                            + dir
                            + " ("
                            + (e.getMessage() == null
                                    ? e.toString()
                                    : e.getClass().getSimpleName() + ": " + e.getMessage())
                            + ")",
                    e);
        }
    }

    /** H2's exception as one line that names the database; the cause keeps the details. */
    private static SQLException oneLine(String url, Path file, SQLException e) {
        String where = "ingest database " + (file != null ? file : url) + ": ";
        String h2 = firstLine(e.getMessage());
        String what =
                switch (e.getErrorCode()) {
                    // ErrorCode.FILE_CORRUPTED_1, FILE_VERSION_ERROR_1, FILE_ENCRYPTION_ERROR_1
                    case 90030, 90048, 90049 -> "not an H2 database, or a damaged one (" + h2 + ")";
                    // ErrorCode.DATABASE_ALREADY_OPEN_1
                    case 90020 ->
                            "in use by another process; let several receivers share it with"
                                    + " ;AUTO_SERVER=TRUE or an H2 server (jdbc:h2:tcp://...)";
                    // ErrorCode.IO_EXCEPTION_1 / _2, FILE_CREATION_FAILED_1
                    case 90028, 90031, 90061 -> "cannot read or write it (" + h2 + ")";
                    default -> h2;
                };
        return new SQLException(where + what, e.getSQLState(), e.getErrorCode(), e);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private void createTable() throws SQLException {
        Connection c = connection();
        try (Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE IF NOT EXISTS ingest_batch ("
                            + " gateway VARCHAR(64) NOT NULL, epoch BIGINT NOT NULL, seq BIGINT NOT NULL,"
                            + " env_sm3 BINARY(32) NOT NULL, points INT NOT NULL,"
                            + " created_ms BIGINT NOT NULL, received_ms BIGINT NOT NULL,"
                            + " deflated BOOLEAN NOT NULL, payload VARBINARY NOT NULL,"
                            + " arrival BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,"
                            + " PRIMARY KEY (gateway, epoch, seq))");
        }
        c.commit();
    }

    private Connection connection() throws SQLException {
        Connection c = perThread.get();
        if (c == null || c.isClosed()) {
            c = DriverManager.getConnection(url, "sa", "");
            c.setAutoCommit(false);
            perThread.set(c);
            synchronized (all) {
                all.add(c);
            }
        }
        return c;
    }

    /**
     * Stores a batch and runs {@code beforeCommit} in the same transaction, or reports that the key
     * is taken.
     */
    public Outcome store(
            String gateway,
            long epoch,
            long seq,
            byte[] envelopeSm3,
            int points,
            long createdMs,
            boolean deflated,
            byte[] payload,
            BeforeCommit beforeCommit)
            throws Exception {
        Connection c = connection();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO ingest_batch (gateway, epoch, seq, env_sm3, points, created_ms,"
                                + " received_ms, deflated, payload) VALUES (?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, gateway);
            ps.setLong(2, epoch);
            ps.setLong(3, seq);
            ps.setBytes(4, envelopeSm3);
            ps.setInt(5, points);
            ps.setLong(6, createdMs);
            ps.setLong(7, System.currentTimeMillis());
            ps.setBoolean(8, deflated);
            ps.setBytes(9, payload);
            ps.executeUpdate();
        } catch (SQLException e) {
            c.rollback();
            if (!"23505".equals(e.getSQLState())) {
                throw e;
            }
            return existing(c, gateway, epoch, seq, envelopeSm3);
        }
        try {
            beforeCommit.run();
            c.commit();
            return Outcome.STORED;
        } catch (Exception e) {
            c.rollback();
            throw e;
        }
    }

    /**
     * Forces everything committed so far to disk (H2 {@code CHECKPOINT SYNC}). An ACK lets the
     * gateway delete its copy, so the receiver calls this before sending ACKs; one call covers all
     * batches committed before it (group commit, UPLINK.md §7.3).
     */
    public void sync() throws SQLException {
        Connection c = connection();
        try (Statement st = c.createStatement()) {
            st.execute("CHECKPOINT SYNC");
        }
        c.commit();
    }

    private static Outcome existing(Connection c, String gateway, long epoch, long seq, byte[] sm3)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT env_sm3 FROM ingest_batch WHERE gateway = ? AND epoch = ? AND seq = ?")) {
            ps.setString(1, gateway);
            ps.setLong(2, epoch);
            ps.setLong(3, seq);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException(
                            "key ("
                                    + gateway
                                    + ", "
                                    + epoch
                                    + ", "
                                    + seq
                                    + ") conflicted but is not stored",
                            "40001");
                }
                return Arrays.equals(rs.getBytes(1), sm3) ? Outcome.DUPLICATE : Outcome.CONFLICT;
            }
        } finally {
            c.commit();
        }
    }

    /** All stored batches of a gateway in the order they were stored. */
    public List<Batch> batches(String gateway) throws SQLException {
        Connection c = connection();
        List<Batch> out = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT gateway, epoch, seq, points, created_ms, received_ms, deflated, payload"
                                + " FROM ingest_batch WHERE gateway = ? ORDER BY arrival")) {
            ps.setString(1, gateway);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(
                            new Batch(
                                    rs.getString(1),
                                    rs.getLong(2),
                                    rs.getLong(3),
                                    rs.getInt(4),
                                    rs.getLong(5),
                                    rs.getLong(6),
                                    rs.getBoolean(7),
                                    rs.getBytes(8)));
                }
            }
        }
        c.commit();
        return out;
    }

    /** The highest seq stored for (gateway, epoch) below {@code seq}, or 0 if none. */
    public long highestSeqBelow(String gateway, long epoch, long seq) throws SQLException {
        Connection c = connection();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT COALESCE(MAX(seq), 0) FROM ingest_batch"
                                + " WHERE gateway = ? AND epoch = ? AND seq < ?")) {
            ps.setString(1, gateway);
            ps.setLong(2, epoch);
            ps.setLong(3, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } finally {
            c.commit();
        }
    }

    /** Total points stored. */
    public long pointCount() throws SQLException {
        Connection c = connection();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT COALESCE(SUM(points), 0) FROM ingest_batch")) {
            rs.next();
            long n = rs.getLong(1);
            c.commit();
            return n;
        }
    }

    @Override
    public void close() {
        synchronized (all) {
            for (Connection c : all) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing on shutdown; nothing left to save
                }
            }
            all.clear();
        }
    }
}
