package io.weir.tools.driver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.tools.admin.AdminClient;
import io.weir.tools.admin.AdminTarget;
import io.weir.tools.admin.AdminToken;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.config.ConfigException;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.driver.DriverRegistry;
import io.weir.tools.driver.DriverViews;
import io.weir.tools.driver.Origin;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * Where {@code weir driver} commands act: a running gateway through its admin API (its devices
 * switch versions at once), or the data folder when no gateway runs (the registry only; the next
 * {@code weir run} picks the changes up). {@code --config FILE} (or {@code $WEIR_CONFIG}, then
 * {@code /etc/weir/weir.toml}) names both; {@code --data-dir DIR} only the folder.
 */
public abstract class DriverTarget implements AutoCloseable {

    /** Thrown when neither a gateway nor a usable data folder is there (exit code 3). */
    public static final class Unreachable extends IOException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Where the command went, for its human output: "gateway on …" or "data folder …". */
    public abstract String describe();

    public abstract JsonNode list() throws IOException, PackageRefused;

    public abstract JsonNode install(Path file, boolean activate, boolean allowUnsigned)
            throws IOException, PackageRefused;

    public abstract JsonNode activate(String name, String version)
            throws IOException, PackageRefused;

    public abstract JsonNode rollback(String name) throws IOException, PackageRefused;

    public abstract JsonNode remove(String name, String version) throws IOException, PackageRefused;

    public abstract JsonNode audit(int limit) throws IOException, PackageRefused;

    @Override
    public void close() {}

    /**
     * The target of a command's options.
     *
     * @throws Unreachable naming what is missing or cannot be used
     */
    public static DriverTarget of(Path config, Path dataDir) throws IOException {
        if (dataDir != null) {
            return local(dataDir);
        }
        Path file = AdminTarget.configFile(config);
        if (!Files.exists(file)) {
            throw new Unreachable(
                    "config file "
                            + file
                            + " not found (give --config FILE, set WEIR_CONFIG, or give --data-dir"
                            + " DIR)",
                    null);
        }
        GatewayConfig cfg;
        try {
            cfg = GatewayConfig.load(file);
        } catch (ConfigException e) {
            throw new Unreachable(
                    e.getMessage() + "\n(`weir config check " + file + "` lists every problem)", e);
        }
        Path data = cfg.gateway().dataDir();
        if (Files.isReadable(data.resolve(AdminToken.FILE))) {
            AdminClient client = new AdminClient(cfg.admin().listen(), AdminToken.read(data));
            try {
                client.drivers();
                return new Remote(client, "gateway on http://" + cfg.admin().listen());
            } catch (IOException e) {
                if (!(e.getCause() instanceof ConnectException)) {
                    throw new Unreachable(e.getMessage(), e);
                }
                // No gateway answers: work on its data folder.
            }
        }
        return local(data);
    }

    private static DriverTarget local(Path dataDir) throws Unreachable {
        try {
            return new Local(DriverRegistry.open(dataDir));
        } catch (IOException e) {
            throw new Unreachable(e.getMessage(), e);
        }
    }

    /** The data folder, no gateway running. */
    static final class Local extends DriverTarget {
        private final DriverRegistry registry;

        Local(DriverRegistry registry) {
            this.registry = registry;
        }

        private DriverLifecycle lifecycle(boolean allowUnsigned) {
            DriverLifecycle.Options d = DriverLifecycle.Options.DEFAULT;
            return new DriverLifecycle(
                    registry,
                    new DriverLifecycle.Options(
                            allowUnsigned, d.probation(), d.rollbackTraps(), d.rollbackErrors()),
                    null);
        }

        @Override
        public String describe() {
            return "data folder " + registry.dataDir() + " (no gateway running)";
        }

        @Override
        public JsonNode list() throws PackageRefused {
            try {
                return JsonLines.mapper().valueToTree(DriverViews.list(lifecycle(false), null));
            } catch (SQLException e) {
                throw new PackageRefused("driver registry: " + e.getMessage(), e);
            }
        }

        @Override
        public JsonNode install(Path file, boolean activate, boolean allowUnsigned)
                throws IOException, PackageRefused {
            DriverLifecycle.Installed r =
                    lifecycle(allowUnsigned)
                            .install(file, file.getFileName().toString(), Origin.CLI, activate);
            return JsonLines.mapper().valueToTree(DriverViews.install(r));
        }

        @Override
        public JsonNode activate(String name, String version) throws IOException, PackageRefused {
            List<String> s = lifecycle(false).activate(name, version, Origin.CLI);
            return JsonLines.mapper().valueToTree(DriverViews.switched(name, version, s));
        }

        @Override
        public JsonNode rollback(String name) throws IOException, PackageRefused {
            DriverLifecycle lc = lifecycle(false);
            List<String> s = lc.rollback(name, Origin.CLI, null);
            String now;
            try {
                now = registry.activation(name).active().orElse(DriverLifecycle.BUNDLED);
            } catch (SQLException e) {
                throw new PackageRefused("driver registry: " + e.getMessage(), e);
            }
            return JsonLines.mapper().valueToTree(DriverViews.switched(name, now, s));
        }

        @Override
        public JsonNode remove(String name, String version) throws IOException, PackageRefused {
            lifecycle(false).remove(name, version, Origin.CLI);
            return JsonLines.mapper()
                    .valueToTree(java.util.Map.of("removed", name + " " + version));
        }

        @Override
        public JsonNode audit(int limit) throws PackageRefused {
            try {
                return JsonLines.mapper().valueToTree(DriverViews.audit(registry.audit(limit)));
            } catch (SQLException e) {
                throw new PackageRefused("driver registry: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            registry.close();
        }
    }

    /** A running gateway. */
    static final class Remote extends DriverTarget {
        private final AdminClient client;
        private final String where;

        Remote(AdminClient client, String where) {
            this.client = client;
            this.where = where;
        }

        @Override
        public String describe() {
            return where;
        }

        private static JsonNode ok(AdminClient.Reply r) throws PackageRefused, IOException {
            if (r.ok()) {
                return r.body();
            }
            String error = r.body().path("error").asText("the gateway answered " + r.status());
            if (r.status() == 422 || r.status() == 404 || r.status() == 409) {
                throw new PackageRefused(error);
            }
            throw new IOException(error);
        }

        @Override
        public JsonNode list() throws IOException, PackageRefused {
            return ok(client.drivers());
        }

        @Override
        public JsonNode install(Path file, boolean activate, boolean allowUnsigned)
                throws IOException, PackageRefused {
            return ok(client.installDriver(file, activate));
        }

        @Override
        public JsonNode activate(String name, String version) throws IOException, PackageRefused {
            return ok(client.driverAction("activate", name, version));
        }

        @Override
        public JsonNode rollback(String name) throws IOException, PackageRefused {
            return ok(client.driverAction("rollback", name, null));
        }

        @Override
        public JsonNode remove(String name, String version) throws IOException, PackageRefused {
            return ok(client.driverAction("remove", name, version));
        }

        @Override
        public JsonNode audit(int limit) throws IOException, PackageRefused {
            return ok(client.driverAudit(limit));
        }
    }
}
