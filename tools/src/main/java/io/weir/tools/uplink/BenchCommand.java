package io.weir.tools.uplink;

import io.weir.tools.bench.BenchDecodeCommand;
import picocli.CommandLine.Command;

/**
 * {@code weir bench}: benchmarks. {@code uplink} lives here; {@code decode} and {@code poll} in
 * {@code io.weir.tools.bench}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Run a benchmark.",
        description = "Run a benchmark.",
        subcommands = {BenchUplinkCommand.class, BenchDecodeCommand.class})
public final class BenchCommand {}
