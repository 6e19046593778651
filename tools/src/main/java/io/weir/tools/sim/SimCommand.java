package io.weir.tools.sim;

import picocli.CommandLine.Command;

/** {@code weir sim}: device simulators that are real protocol peers. */
@Command(
        name = "sim",
        mixinStandardHelpOptions = true,
        header = "Run a device simulator (a real protocol peer).",
        description = "Run a device simulator (a real protocol peer).",
        subcommands = {SimModbusTcpCommand.class, SimModbusRtuCommand.class, SimCanCommand.class})
public final class SimCommand {}
