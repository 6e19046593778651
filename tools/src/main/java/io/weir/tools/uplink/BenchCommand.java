package io.weir.tools.uplink;

import picocli.CommandLine.Command;

/**
 * {@code weir bench}: benchmarks. Only {@code uplink} lives here; if a shared bench command appears
 * elsewhere, register {@link BenchUplinkCommand} there instead.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Run a benchmark.",
        description = "Run a benchmark.",
        subcommands = {BenchUplinkCommand.class, io.weir.tools.bench.BenchSerialCommand.class})
public final class BenchCommand {}
