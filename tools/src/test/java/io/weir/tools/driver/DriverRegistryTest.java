package io.weir.tools.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's schema migrations, its append-only audit log and its activations. */
class DriverRegistryTest {
    @TempDir Path data;

    private static DriverRegistry.Installed row(String version) {
        return new DriverRegistry.Installed(
                "modbus",
                version,
                "a".repeat(64),
                Path.of("/x"),
                "v",
                "d",
                "unsigned",
                0x10000,
                "modbus-tcp",
                "tcp",
                Instant.now(),
                "cli");
    }

    @Test
    void aFreshRegistryIsMigratedToTheLatestSchemaOnceAndReopensAsIs() throws Exception {
        try (DriverRegistry r = DriverRegistry.open(data)) {
            assertThat(r.schemaVersion()).isEqualTo(Migrations.latest());
            r.addVersion(row("0.1.0"), Origin.CLI, "test");
        }
        try (DriverRegistry r = DriverRegistry.open(data)) {
            assertThat(r.schemaVersion()).isEqualTo(Migrations.latest());
            assertThat(r.installed())
                    .extracting(DriverRegistry.Installed::version)
                    .containsExactly("0.1.0");
            assertThat(Migrations.migrate(r.connection(), Migrations.ALL))
                    .as("nothing left to apply")
                    .isZero();
        }
    }

    @Test
    void migrationsApplyInOrderFromWhereTheDatabaseIs() throws Exception {
        List<Migrations.Migration> two =
                List.of(
                        Migrations.ALL.get(0),
                        new Migrations.Migration(
                                2,
                                "a test column",
                                List.of("ALTER TABLE driver ADD COLUMN note VARCHAR(10)")));
        try (DriverRegistry r = DriverRegistry.open(data)) {
            assertThat(Migrations.migrate(r.connection(), two)).isEqualTo(1);
            assertThat(Migrations.current(r.connection())).isEqualTo(2);
        }
        // The released code knows only version 1: a database a newer weir wrote is refused.
        assertThatThrownBy(() -> DriverRegistry.open(data))
                .hasMessageContaining("has schema version 2, newer than this weir knows (1)");
    }

    @Test
    void theAuditLogIsAppendOnly() throws Exception {
        try (DriverRegistry r = DriverRegistry.open(data)) {
            r.audit(Origin.API, "test", "modbus", "0.1.0", "one");
            try (Statement s = r.connection().createStatement()) {
                assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> s.executeUpdate("UPDATE audit SET detail = 'x'"))
                        .hasMessageContaining("append-only");
            }
            assertThat(r.audit(10))
                    .extracting(DriverRegistry.AuditEntry::detail)
                    .containsExactly("one");
        }
    }

    @Test
    void activationKeepsThePreviousVersionForRollback() throws Exception {
        try (DriverRegistry r = DriverRegistry.open(data)) {
            r.addVersion(row("0.1.1"), Origin.CLI, "");
            assertThat(r.activation("modbus").active()).isEmpty();
            assertThat(r.activation("modbus").previous()).isEmpty();
            r.setActive("modbus", Optional.of("0.1.1"), Origin.CLI, "activate", "");
            assertThat(r.activation("modbus").active()).contains("0.1.1");
            assertThat(r.activation("modbus").previous()).contains(Optional.empty());
        }
    }
}
