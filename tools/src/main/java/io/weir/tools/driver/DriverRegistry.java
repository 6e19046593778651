package io.weir.tools.driver;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The driver registry in H2 in the data folder ({@code <data_dir>/registry.mv.db}): every installed
 * version with its SHA-256 and signer, the active version per driver (none: the bundled driver),
 * the version each pinned device uses, and an append-only audit log of every change with where it
 * came from. Its schema is migrated by {@link Migrations} when it opens. One process at a time: a
 * running gateway holds it, and {@code weir driver} then goes through the admin API.
 */
public final class DriverRegistry implements AutoCloseable {
    public static final String FILE = "registry";

    /** One installed version. */
    public record Installed(
            String name,
            String version,
            String sha256,
            Path file,
            String vendor,
            String description,
            String signer,
            int abiVersion,
            String protocol,
            String transport,
            Instant installedAt,
            String installedVia) {}

    /**
     * A driver's activation: {@code active} empty means the bundled driver of that name runs.
     *
     * @param previous what was active before the last change, if there was a change
     */
    public record Activation(
            String name, Optional<String> active, Optional<Optional<String>> previous) {}

    /** One line of the audit log. */
    public record AuditEntry(
            long seq,
            Instant at,
            String origin,
            String action,
            String name,
            String version,
            String detail) {}

    private final Path dataDir;
    private final Connection c;

    private DriverRegistry(Path dataDir, Connection c) {
        this.dataDir = dataDir;
        this.c = c;
    }

    /**
     * Opens (creating and migrating) the registry of a data folder.
     *
     * @throws IOException naming the folder: a running gateway holds it, or it is damaged
     */
    public static DriverRegistry open(Path dataDir) throws IOException {
        String url = "jdbc:h2:file:" + dataDir.resolve(FILE).toAbsolutePath() + ";WRITE_DELAY=0";
        Connection c;
        try {
            java.nio.file.Files.createDirectories(dataDir);
            c = DriverManager.getConnection(url, "sa", "");
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                throw new IOException(
                        "the driver registry in "
                                + dataDir
                                + " is in use by a running gateway; give --config so that the"
                                + " command goes through its admin API",
                        e);
            }
            throw new IOException(
                    "cannot open the driver registry in " + dataDir + ": " + e.getMessage(), e);
        }
        try {
            Migrations.migrate(c, Migrations.ALL);
        } catch (SQLException e) {
            close(c);
            throw new IOException("driver registry in " + dataDir + ": " + e.getMessage(), e);
        }
        return new DriverRegistry(dataDir, c);
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing after a failure: the first failure is the one reported
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where a version's package file is kept: {@code <data_dir>/drivers/NAME/VERSION.wdrv}. */
    public Path packageFile(String name, String version) {
        return dataDir.resolve("drivers").resolve(name).resolve(version + ".wdrv");
    }

    public synchronized int schemaVersion() throws SQLException {
        return Migrations.current(c);
    }

    public synchronized Optional<Installed> installed(String name, String version)
            throws SQLException {
        List<Installed> l = query("WHERE name = ? AND version = ?", name, version);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** Every installed version, by name then install time. */
    public synchronized List<Installed> installed() throws SQLException {
        return query("ORDER BY name, installed_at, version");
    }

    private List<Installed> query(String where, String... args) throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT name, version, sha256, file, vendor, description, signer,"
                                + " abi_version, protocol, transport, installed_at, installed_via"
                                + " FROM driver_version "
                                + where)) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            List<Installed> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(
                            new Installed(
                                    r.getString(1),
                                    r.getString(2),
                                    r.getString(3),
                                    Path.of(r.getString(4)),
                                    r.getString(5),
                                    r.getString(6),
                                    r.getString(7),
                                    r.getInt(8),
                                    r.getString(9),
                                    r.getString(10),
                                    r.getTimestamp(11).toInstant(),
                                    r.getString(12)));
                }
            }
            return out;
        }
    }

    /** The activation of every driver that has one (installed at least once). */
    public synchronized Map<String, Activation> activations() throws SQLException {
        Map<String, Activation> out = new LinkedHashMap<>();
        try (PreparedStatement p =
                        c.prepareStatement(
                                "SELECT name, active_version, previous_version, has_previous FROM"
                                        + " driver ORDER BY name");
                ResultSet r = p.executeQuery()) {
            while (r.next()) {
                Optional<Optional<String>> prev =
                        r.getBoolean(4)
                                ? Optional.of(Optional.ofNullable(r.getString(3)))
                                : Optional.empty();
                out.put(
                        r.getString(1),
                        new Activation(r.getString(1), Optional.ofNullable(r.getString(2)), prev));
            }
        }
        return out;
    }

    public synchronized Activation activation(String name) throws SQLException {
        Activation a = activations().get(name);
        return a != null ? a : new Activation(name, Optional.empty(), Optional.empty());
    }

    /** Records an installed version and audits it, in one transaction. */
    public synchronized void addVersion(Installed v, Origin origin, String detail)
            throws SQLException {
        transaction(
                () -> {
                    try (PreparedStatement p =
                            c.prepareStatement(
                                    "INSERT INTO driver_version (name, version, sha256, file,"
                                            + " vendor, description, signer, abi_version, protocol,"
                                            + " transport, installed_at, installed_via) VALUES (?,"
                                            + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                        p.setString(1, v.name());
                        p.setString(2, v.version());
                        p.setString(3, v.sha256());
                        p.setString(4, v.file().toString());
                        p.setString(5, v.vendor());
                        p.setString(6, v.description());
                        p.setString(7, v.signer());
                        p.setInt(8, v.abiVersion());
                        p.setString(9, v.protocol());
                        p.setString(10, v.transport());
                        p.setTimestamp(11, Timestamp.from(v.installedAt()));
                        p.setString(12, origin.written());
                        p.executeUpdate();
                    }
                    try (PreparedStatement p =
                            c.prepareStatement("MERGE INTO driver (name) KEY (name) VALUES (?)")) {
                        p.setString(1, v.name());
                        p.executeUpdate();
                    }
                    appendAudit(origin, "install", v.name(), v.version(), detail);
                });
    }

    /**
     * Makes {@code version} (empty: the bundled driver) the active one and audits it; what was
     * active becomes the previous version, which {@code rollback} returns to.
     */
    public synchronized void setActive(
            String name, Optional<String> version, Origin origin, String action, String detail)
            throws SQLException {
        transaction(
                () -> {
                    Activation a = activation(name);
                    try (PreparedStatement p =
                            c.prepareStatement(
                                    "MERGE INTO driver (name, active_version, previous_version,"
                                            + " has_previous) KEY (name) VALUES (?, ?, ?, TRUE)")) {
                        p.setString(1, name);
                        p.setString(2, version.orElse(null));
                        p.setString(3, a.active().orElse(null));
                        p.executeUpdate();
                    }
                    appendAudit(origin, action, name, version.orElse("bundled"), detail);
                });
    }

    /** Forgets an installed version and audits it. */
    public synchronized void removeVersion(
            String name, String version, Origin origin, String detail) throws SQLException {
        transaction(
                () -> {
                    try (PreparedStatement p =
                            c.prepareStatement(
                                    "DELETE FROM driver_version WHERE name = ? AND version = ?")) {
                        p.setString(1, name);
                        p.setString(2, version);
                        p.executeUpdate();
                    }
                    // A previous version that is gone can no longer be rolled back to.
                    try (PreparedStatement p =
                            c.prepareStatement(
                                    "UPDATE driver SET has_previous = FALSE, previous_version ="
                                            + " NULL WHERE name = ? AND previous_version = ?")) {
                        p.setString(1, name);
                        p.setString(2, version);
                        p.executeUpdate();
                    }
                    appendAudit(origin, "remove", name, version, detail);
                });
    }

    /** The devices that pin a version ({@code driver = "name@version"} in the config). */
    public synchronized Map<String, String[]> pins() throws SQLException {
        Map<String, String[]> out = new LinkedHashMap<>();
        try (PreparedStatement p =
                        c.prepareStatement(
                                "SELECT device, name, version FROM device_pin ORDER BY device");
                ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
            }
        }
        return out;
    }

    /** Replaces the device pins with the config's (the gateway does this at start). */
    public synchronized void setPins(Map<String, String[]> pins) throws SQLException {
        Map<String, String[]> old = pins();
        boolean same = old.size() == pins.size();
        for (Map.Entry<String, String[]> e : pins.entrySet()) {
            String[] o = old.get(e.getKey());
            same &= o != null && java.util.Arrays.equals(o, e.getValue());
        }
        if (same) {
            return;
        }
        transaction(
                () -> {
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM device_pin")) {
                        p.executeUpdate();
                    }
                    for (Map.Entry<String, String[]> e : pins.entrySet()) {
                        try (PreparedStatement p =
                                c.prepareStatement(
                                        "INSERT INTO device_pin (device, name, version) VALUES (?, ?, ?)")) {
                            p.setString(1, e.getKey());
                            p.setString(2, e.getValue()[0]);
                            p.setString(3, e.getValue()[1]);
                            p.executeUpdate();
                        }
                        appendAudit(
                                Origin.GATEWAY,
                                "pin",
                                e.getValue()[0],
                                e.getValue()[1],
                                "device " + e.getKey() + " pins this version (config)");
                    }
                });
    }

    /** Appends an audit entry on its own (a refusal, a rollback decision). */
    public synchronized void audit(
            Origin origin, String action, String name, String version, String detail)
            throws SQLException {
        transaction(() -> appendAudit(origin, action, name, version, detail));
    }

    private void appendAudit(
            Origin origin, String action, String name, String version, String detail)
            throws SQLException {
        try (PreparedStatement p =
                c.prepareStatement(
                        "INSERT INTO audit (at, origin, action, name, version, detail) VALUES (?, ?,"
                                + " ?, ?, ?, ?)")) {
            p.setTimestamp(1, Timestamp.from(Instant.now()));
            p.setString(2, origin.written());
            p.setString(3, action);
            p.setString(4, name);
            p.setString(5, version);
            String d = detail == null ? "" : detail;
            p.setString(6, d.length() > 4000 ? d.substring(0, 3997) + "..." : d);
            p.executeUpdate();
        }
    }

    /** The last {@code limit} audit entries, oldest first. */
    public synchronized List<AuditEntry> audit(int limit) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        try (PreparedStatement p =
                c.prepareStatement(
                        "SELECT seq, at, origin, action, name, version, detail FROM (SELECT * FROM"
                                + " audit ORDER BY seq DESC LIMIT ?) ORDER BY seq")) {
            p.setInt(1, limit);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(
                            new AuditEntry(
                                    r.getLong(1),
                                    r.getTimestamp(2).toInstant(),
                                    r.getString(3),
                                    r.getString(4),
                                    r.getString(5),
                                    r.getString(6),
                                    r.getString(7)));
                }
            }
        }
        return out;
    }

    /** A unit of work that either all happens or not at all. */
    @FunctionalInterface
    private interface Work {
        void run() throws SQLException;
    }

    private void transaction(Work w) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            w.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** For tests of the migrations and the append-only rule. */
    Connection connection() {
        return c;
    }

    @Override
    public synchronized void close() {
        close(c);
    }
}
