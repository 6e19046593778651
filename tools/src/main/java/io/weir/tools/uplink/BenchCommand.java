package io.weir.tools.uplink;

import io.weir.tools.bench.BenchDecodeCommand;
import io.weir.tools.bench.BenchDevicesCommand;
import io.weir.tools.bench.BenchFaultsCommand;
import io.weir.tools.bench.BenchPollCommand;
import io.weir.tools.bench.BenchScaleCommand;
import io.weir.tools.bench.BenchSerialCommand;
import picocli.CommandLine.Command;

/**
 * {@code weir bench}: benchmarks: {@code uplink} here, {@code faults} (the driver sandbox) and
 * {@code decode}, {@code devices}, {@code poll} in {@code io.weir.tools.bench}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Run a benchmark.",
        description = "Run a benchmark.",
        subcommands = {
            BenchUplinkCommand.class,
            BenchFaultsCommand.class,
            BenchSerialCommand.class,
            io.weir.tools.driver.BenchSwapCommand.class,
            BenchDecodeCommand.class,
            BenchDevicesCommand.class,
            BenchPollCommand.class,
            BenchScaleCommand.class
        })
public final class BenchCommand {}
