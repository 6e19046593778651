package io.weir.tools.config;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code weir config}: the gateway config file. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        header = "Check a gateway config file (TOML) offline.",
        description = "The config file of `weir run`: gateway, uplink, admin, devices with points.",
        subcommands = {ConfigCheckCommand.class, ConfigDbcCommand.class})
public final class ConfigCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
