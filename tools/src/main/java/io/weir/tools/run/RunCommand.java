package io.weir.tools.run;

import io.weir.host.poll.DeviceSpec;
import io.weir.tools.cli.StopSignal;
import io.weir.tools.config.ConfigCheck;
import io.weir.tools.config.DeviceConfigEntry;
import io.weir.tools.config.DriverRef;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.config.Problem;
import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.gateway.Gateway;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir run --config FILE}: the gateway as a service, until SIGTERM or Ctrl-C. */
@Command(
        name = "run",
        description = {
            "Run the gateway of a config file until SIGTERM or Ctrl-C: poll its devices through"
                    + " their drivers, keep the latest points, send them through the uplink if the"
                    + " config has one, and serve the admin API (weir status, points, write;"
                    + " /metrics).",
            "The config is checked first, as `weir config check` does; any problem stops the start"
                    + " with one line per problem. A device that cannot be reached is retried and"
                    + " reported, never fatal.",
            "On SIGTERM or Ctrl-C the requests on the wire are answered or time out, the outbox is"
                    + " committed, a summary is logged, and the command exits 0."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM or Ctrl-C after a clean shutdown",
            "1:the gateway could not start (driver refused, data folder, PKI, admin address)",
            "2:the config has problems (listed, each with its file and line)"
        })
public final class RunCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "The gateway's TOML config (see `weir config check`).")
    Path config;

    @Option(
            names = "--allow-unsigned-drivers",
            description =
                    "DEVELOPMENT ONLY: accept unsigned driver packages and packages signed by keys"
                            + " that are not in <data_dir>/trusted-keys/ (logged loudly at start and"
                            + " at every such install).")
    boolean allowUnsignedDrivers;

    @Option(
            names = "--probation",
            paramLabel = "DURATION",
            defaultValue = "10m",
            description =
                    "How long a newly activated driver version is watched (default"
                            + " ${DEFAULT-VALUE}): it is rolled back by itself if it is quarantined or"
                            + " exceeds a threshold below within this time.")
    String probation;

    @Option(
            names = "--rollback-after-traps",
            paramLabel = "N",
            defaultValue = "3",
            description =
                    "Traps of a version on probation that roll it back (default ${DEFAULT-VALUE}).")
    long rollbackTraps;

    @Option(
            names = "--rollback-after-errors",
            paramLabel = "N",
            defaultValue = "100",
            description =
                    "Driver errors (refused frames, failed calls) of its devices that roll a version"
                            + " on probation back (default ${DEFAULT-VALUE}).")
    long rollbackErrors;

    @Option(
            names = "--activate-dropped",
            description =
                    "Activate every package installed from <data_dir>/drop/, not only those whose"
                            + " manifest says \"activate\": true.")
    boolean activateDropped;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ConfigCheck.Report report = ConfigCheck.run(config);
        if (!report.ok()) {
            for (Problem p : report.problems()) {
                err.println(p.format());
            }
            err.println("weir run: " + report.summary() + "; not started");
            err.flush();
            return 2;
        }
        GatewayConfig cfg = report.config().orElseThrow();
        try (StopSignal stop = StopSignal.install();
                GatewayService service =
                        GatewayService.start(
                                settings(cfg, driverOptions(), activateDropped),
                                cfg.admin().listen(),
                                null)) {
            err.println(
                    "weir run: "
                            + cfg.summary()
                            + "; admin API on http://"
                            + service.adminAddress()
                            + "; SIGTERM or Ctrl-C stops");
            err.flush();
            stop.await(null);
            err.println("weir run: " + stop.reason() + ": stopping");
            err.flush();
            service.close();
            err.println(service.gateway().summary());
            err.flush();
        }
        return 0;
    }

    private DriverLifecycle.Options driverOptions() {
        java.time.Duration p;
        try {
            p = io.weir.tools.config.DurationText.parse(probation);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--probation: " + e.getMessage());
        }
        if (rollbackTraps < 1 || rollbackErrors < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--rollback-after-traps and --rollback-after-errors must be at least 1");
        }
        return new DriverLifecycle.Options(allowUnsignedDrivers, p, rollbackTraps, rollbackErrors);
    }

    /** The gateway a checked config describes, with the default driver policy. */
    public static Gateway.Settings settings(GatewayConfig cfg) {
        return settings(cfg, DriverLifecycle.Options.DEFAULT, false);
    }

    /** The gateway a checked config describes. */
    public static Gateway.Settings settings(
            GatewayConfig cfg, DriverLifecycle.Options drivers, boolean activateDropped) {
        List<DeviceSpec> devices = new ArrayList<>();
        for (DeviceConfigEntry d : cfg.devices()) {
            devices.add(d.toSpec(driverSource(d.driver())));
        }
        return new Gateway.Settings(
                cfg.gateway().name(),
                cfg.gateway().dataDir(),
                cfg.uplink().map(u -> new Gateway.UplinkTarget(u.receiver(), u.pki())),
                devices,
                drivers,
                activateDropped,
                cfg.gateway().busyPoll());
    }

    /**
     * What the gateway resolves: a .wasm file, a driver name (the registry's active version, else
     * the bundled driver) or {@code name@version} (that version, pinned).
     */
    static String driverSource(DriverRef ref) {
        if (ref instanceof DriverRef.WasmFile f) {
            return f.file().toString();
        }
        return ref.written();
    }
}
