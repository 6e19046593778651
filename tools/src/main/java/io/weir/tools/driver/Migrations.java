package io.weir.tools.driver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * Versioned schema migrations of the driver registry, numbered from 1 and applied in order, each in
 * its own transaction with its row in {@code schema_version}. A migration is never edited once
 * released; a change is a new one at the end. (Flyway does the same job but would bring a second
 * copy of Jackson and a version of H2 it has not been tested with, for one table of three.)
 */
final class Migrations {

    /** One step: its number, what it does, and the statements. */
    record Migration(int version, String description, List<String> sql) {}

    static final List<Migration> ALL =
            List.of(
                    new Migration(
                            1,
                            "drivers, versions, device pins, audit log",
                            List.of(
                                    "CREATE TABLE driver (name VARCHAR(32) PRIMARY KEY,"
                                            + " active_version VARCHAR(64),"
                                            + " previous_version VARCHAR(64),"
                                            + " has_previous BOOLEAN NOT NULL DEFAULT FALSE)",
                                    "CREATE TABLE driver_version (name VARCHAR(32) NOT NULL,"
                                            + " version VARCHAR(64) NOT NULL,"
                                            + " sha256 CHAR(64) NOT NULL,"
                                            + " file VARCHAR(1024) NOT NULL,"
                                            + " vendor VARCHAR(128) NOT NULL,"
                                            + " description VARCHAR(1024) NOT NULL,"
                                            + " signer VARCHAR(256) NOT NULL,"
                                            + " abi_version INT NOT NULL,"
                                            + " protocol VARCHAR(64) NOT NULL,"
                                            + " transport VARCHAR(16) NOT NULL,"
                                            + " installed_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                                            + " installed_via VARCHAR(16) NOT NULL,"
                                            + " PRIMARY KEY (name, version))",
                                    "CREATE TABLE device_pin (device VARCHAR(64) PRIMARY KEY,"
                                            + " name VARCHAR(32) NOT NULL,"
                                            + " version VARCHAR(64) NOT NULL)",
                                    "CREATE TABLE audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY,"
                                            + " at TIMESTAMP WITH TIME ZONE NOT NULL,"
                                            + " origin VARCHAR(16) NOT NULL,"
                                            + " action VARCHAR(32) NOT NULL,"
                                            + " name VARCHAR(32),"
                                            + " version VARCHAR(64),"
                                            + " detail VARCHAR(4000) NOT NULL)",
                                    // Append-only: a trigger refuses every UPDATE and DELETE.
                                    "CREATE TRIGGER audit_append_only BEFORE UPDATE, DELETE ON audit"
                                            + " FOR EACH ROW CALL \""
                                            + AuditAppendOnly.class.getName()
                                            + "\"")));

    private Migrations() {}

    /** The newest schema version this code knows. */
    static int latest() {
        return ALL.get(ALL.size() - 1).version();
    }

    /**
     * Brings a database to {@link #latest()}.
     *
     * @return the migrations applied (0 if it was current)
     * @throws SQLException if the database has a version this code does not know (a newer weir made
     *     it), naming both
     */
    static int migrate(Connection c, List<Migration> migrations) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY,"
                            + " description VARCHAR(256) NOT NULL,"
                            + " applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            c.commit();
            int current = current(c);
            int newest = migrations.get(migrations.size() - 1).version();
            if (current > newest) {
                throw new SQLException(
                        "the driver registry has schema version "
                                + current
                                + ", newer than this weir knows ("
                                + newest
                                + "); use the weir that wrote it");
            }
            int applied = 0;
            for (Migration m : migrations) {
                if (m.version() <= current) {
                    continue;
                }
                for (String sql : m.sql()) {
                    s.execute(sql);
                }
                try (PreparedStatement p =
                        c.prepareStatement(
                                "INSERT INTO schema_version (version, description, applied_at)"
                                        + " VALUES (?, ?, ?)")) {
                    p.setInt(1, m.version());
                    p.setString(2, m.description());
                    p.setTimestamp(3, Timestamp.from(Instant.now()));
                    p.executeUpdate();
                }
                c.commit();
                applied++;
            }
            return applied;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    static int current(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r =
                        s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
            r.next();
            return r.getInt(1);
        }
    }
}
