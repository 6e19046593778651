package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir config check} of a config whose gateway is running: the gateway (a real {@code weir
 * run} process) holds the driver registry, so the check asks its admin API which version is active
 * and applies that version's key table, not the bundled one.
 */
class ConfigCheckRunningGatewayIT {
    @TempDir Path dir;

    private Process gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theActiveVersionOfARunningGatewayIsAskedForThroughItsAdminApi() throws Exception {
        PackageKeyTableCheckTest.installStrict(dir, true);
        int admin = freePort();
        String config =
                PackageKeyTableCheckTest.CONFIG
                        .formatted("modbus")
                        .replace(
                                "[[devices]]",
                                "[admin]\nlisten = \"127.0.0.1:" + admin + "\"\n\n[[devices]]")
                        .replace("10.0.0.5:502", "127.0.0.1:" + freePort());
        Path running = Files.writeString(dir.resolve("gateway.toml"), config.replace("150", "1"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.weir.tools.WeirCommand");
        cmd.addAll(List.of("run", "--config", running.toString(), "--allow-unsigned-drivers"));
        Path log = dir.resolve("run.log");
        gateway =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("admin API on http://"))) {
            assertThat(gateway.isAlive()).as("weir run: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("weir run did not start").isLessThan(deadline);
            Thread.sleep(100);
        }

        // The edited config, checked while its gateway runs: unit 150 is beyond the active
        // version's table (0..100), though the bundled table allows it.
        Path edited = Files.writeString(dir.resolve("edited.toml"), config);
        assertThat(ConfigCheck.run(edited).problems())
                .extracting(Problem::format)
                .containsExactly(
                        edited
                                + ":"
                                + ConfigCheckTest.lineOf(config, "unit = 150")
                                + ": "
                                + PackageKeyTableCheckTest.OUT_OF_RANGE);
        assertThat(ConfigCheck.run(running).problems()).isEmpty();
        assertThat(gateway.isAlive()).isTrue();
    }
}
