package io.weir.tools.admin;

import io.weir.tools.config.ConfigException;
import io.weir.tools.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a running gateway's admin API is and its token, found through the gateway's config file:
 * {@code admin.listen} and {@code <data_dir>/admin.token}. Without {@code --config}, {@code
 * $WEIR_CONFIG}, then {@code /etc/weir/weir.toml}.
 */
public final class AdminTarget {
    public static final Path DEFAULT_CONFIG = Path.of("/etc/weir/weir.toml");

    private AdminTarget() {}

    /** The config file to use: the option, {@code $WEIR_CONFIG}, or the default. */
    public static Path configFile(Path option) {
        if (option != null) {
            return option;
        }
        String env = System.getenv("WEIR_CONFIG");
        return env == null || env.isBlank() ? DEFAULT_CONFIG : Path.of(env);
    }

    /**
     * A client for the gateway of a config file.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    public static AdminClient connect(Path option) throws IOException {
        Path file = configFile(option);
        if (!Files.exists(file)) {
            throw new IOException(
                    "config file " + file + " not found (give --config FILE or set WEIR_CONFIG)");
        }
        GatewayConfig cfg;
        try {
            cfg = GatewayConfig.load(file);
        } catch (ConfigException e) {
            throw new IOException(
                    e.getMessage() + "\n(`weir config check " + file + "` lists every problem)");
        }
        return new AdminClient(cfg.admin().listen(), AdminToken.read(cfg.gateway().dataDir()));
    }
}
