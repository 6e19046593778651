package io.weir.tools.uplink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.uplink.Outbox;
import io.weir.host.uplink.UplinkPki;
import io.weir.tools.cli.JsonOption;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir bench uplink [--json] [--points N] [--outage-seconds S]}. */
@Command(
        name = "uplink",
        mixinStandardHelpOptions = true,
        description = {
            "Gateway and receiver in one JVM over loopback TLS with real H2 outbox and ingest"
                    + " files: seal, store, send, open, dedupe-store and ACK N points, then check"
                    + " every point arrived once and in order.",
            "With --outage-seconds the receiver is down while the points are collected and comes"
                    + " back after S seconds; the rates then measure the drain of the backlog."
        })
public final class BenchUplinkCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin JsonOption jsonOption;

    @Option(
            names = "--points",
            defaultValue = "5000000",
            description = "Points to send (default: ${DEFAULT-VALUE}).")
    long points;

    @Option(
            names = "--outage-seconds",
            defaultValue = "0",
            description =
                    "Keep the receiver down this long while collecting (default: ${DEFAULT-VALUE}).")
    long outageSeconds;

    @Option(
            names = "--batch",
            defaultValue = "5000",
            description = "Points per envelope (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--window",
            defaultValue = "16",
            description = "Batches in flight (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(
            names = "--deflate",
            defaultValue = "1",
            description = "Deflate level 0-9 (default: ${DEFAULT-VALUE}).")
    int deflate;

    @Option(
            names = "--alg",
            defaultValue = "sm2",
            description =
                    "sm2 = GM TLS (TLS_SM4_GCM_SM3), ecdsa = standard TLS 1.3 (default: ${DEFAULT-VALUE}).")
    String alg;

    @Option(
            names = "--durability",
            defaultValue = "power-cut",
            description =
                    "Outbox commit: process-crash (WRITE_DELAY=0) or power-cut (fsync per batch)"
                            + " (default: ${DEFAULT-VALUE}).")
    String durability;

    @Option(
            names = "--work-dir",
            description =
                    "Where to put the PKI and databases (default: a temporary directory, deleted).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (points < 1) {
            throw new IllegalArgumentException("--points must be >= 1, got " + points);
        }
        if (outageSeconds < 0) {
            throw new IllegalArgumentException(
                    "--outage-seconds must be >= 0, got " + outageSeconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean temp = workDir == null;
        Path dir = temp ? Files.createTempDirectory("weir-bench-uplink") : workDir;
        try {
            Map<String, Object> r =
                    UplinkBench.run(
                            new UplinkBench.Options(
                                    points,
                                    outageSeconds,
                                    batch,
                                    window,
                                    deflate,
                                    UplinkPki.Algorithm.parse(alg),
                                    Outbox.Durability.valueOf(
                                            durability.toUpperCase(Locale.ROOT).replace('-', '_')),
                                    dir),
                            line -> {
                                err.println(line);
                                err.flush();
                            });
            if (jsonOption.json()) {
                out.println(new ObjectMapper().writeValueAsString(r));
            } else {
                r.forEach((k, v) -> out.printf("%-22s %s%n", k, v));
            }
            out.flush();
            return Boolean.TRUE.equals(r.get("verified")) ? 0 : 2;
        } finally {
            if (temp) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
