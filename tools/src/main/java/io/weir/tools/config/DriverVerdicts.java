package io.weir.tools.config;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.DeviceConfig;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverTrapped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drivers' own verdicts on their devices' config text: each driver is loaded once, and each
 * device is opened on a probe instance ({@code weir_open}, ABI §5) and closed again. No link is
 * opened and no request is sent.
 *
 * <p>A driver stops at the first mistake it finds. So that every mistake of a device shows at once,
 * a point the driver refused is left out and the device is opened again, until the driver accepts
 * the rest or complains about the device itself.
 */
public final class DriverVerdicts {
    /** The device handle of the probe: every device is opened on it and closed again. */
    private static final int PROBE_DEV = 0;

    private final Map<String, Loaded> drivers = new LinkedHashMap<>();

    /** A driver once loaded, or why it could not be. */
    private static final class Loaded {
        final DriverModule module;
        final String failure;
        final List<DeviceConfigEntry> users = new ArrayList<>();
        DriverInstance probe;

        Loaded(DriverModule module, String failure) {
            this.module = module;
            this.failure = failure;
        }
    }

    /**
     * Every problem the drivers find with these devices, plus one per driver that cannot be loaded
     * (at the {@code driver} key of the first device that names it).
     */
    public List<Problem> check(List<DeviceConfigEntry> devices) {
        List<Problem> problems = new ArrayList<>();
        for (DeviceConfigEntry d : devices) {
            Loaded l = drivers.computeIfAbsent(identity(d.driver()), k -> load(d.driver()));
            l.users.add(d);
            if (l.module == null) {
                continue;
            }
            problems.addAll(judge(d, l));
        }
        for (Loaded l : drivers.values()) {
            if (l.failure != null) {
                DeviceConfigEntry first = l.users.get(0);
                String also = "";
                if (l.users.size() > 1) {
                    List<String> others = new ArrayList<>();
                    for (DeviceConfigEntry u : l.users.subList(1, l.users.size())) {
                        others.add(u.key());
                    }
                    also = " (also named by " + String.join(", ", others) + ")";
                }
                problems.add(
                        new Problem(
                                first.file(),
                                first.lines().of("driver"),
                                0,
                                first.key() + ".driver",
                                l.failure + also));
            }
        }
        return problems;
    }

    private static String identity(DriverRef ref) {
        return ref instanceof DriverRef.Bundled b
                ? "bundled:" + b.name()
                : "file:" + ((DriverRef.WasmFile) ref).file();
    }

    private static Loaded load(DriverRef ref) {
        String what =
                ref instanceof DriverRef.Bundled b
                        ? "driver " + TerminalText.quote(b.name())
                        : "driver file " + ((DriverRef.WasmFile) ref).file();
        try {
            return new Loaded(DriverModule.load(ref.sourceName(), ref.bytes()), null);
        } catch (IOException e) {
            // DriverSource and DriverRef name the driver and the file or resource already.
            return new Loaded(null, TerminalText.escape(e.getMessage()));
        } catch (DriverRefused | DriverTrapped e) {
            return new Loaded(
                    null, what + " cannot be loaded: " + TerminalText.escape(e.getMessage()));
        }
    }

    private List<Problem> judge(DeviceConfigEntry d, Loaded l) {
        List<Problem> problems = new ArrayList<>();
        String name = TerminalText.escape(l.module.manifest().name());
        String label = TerminalText.escape(l.module.label());
        if (d.driver() instanceof DriverRef.Bundled b
                && b.version().isPresent()
                && !b.version().get().equals(l.module.manifest().version())) {
            problems.add(
                    new Problem(
                            d.file(),
                            d.lines().of("driver"),
                            0,
                            d.key() + ".driver",
                            "the bundled driver is "
                                    + label
                                    + ", not version "
                                    + TerminalText.escape(b.version().get())
                                    + "; write driver = \""
                                    + b.name()
                                    + "\" or the path of a .wasm file"));
        }
        String kind = ConfigReader.TRANSPORTS.get(d.link().scheme());
        if (kind != null && !l.module.manifest().allTransports().contains(kind)) {
            problems.add(
                    new Problem(
                            d.file(),
                            d.lines().of("link"),
                            0,
                            d.key() + ".link",
                            "driver "
                                    + label
                                    + " speaks over "
                                    + TerminalText.escape(
                                            String.join(
                                                    " or ", l.module.manifest().allTransports()))
                                    + " links, not over "
                                    + kind
                                    + " ("
                                    + d.link()
                                    + ")"));
            // The driver cannot be opened for a transport it does not speak: probing would only
            // repeat this problem in the driver's words.
            return problems;
        }
        // The full-map index of each point still shown to the driver.
        List<Integer> sent = new ArrayList<>();
        for (int i = 0; i < d.points().size(); i++) {
            sent.add(i);
        }
        while (true) {
            List<Map<String, String>> pointKeys = new ArrayList<>();
            for (int i : sent) {
                pointKeys.add(d.points().get(i).keys());
            }
            DeviceConfig config = new DeviceConfig(d.deviceKeys(), pointKeys);
            if (kind != null && l.module.agreedMinor() >= Abi.MINOR_1_1) {
                // As the session does with agreed 1.1 (ABI §5.1).
                config = config.withHostKeys(Map.of(Abi.HOST_KEY_TRANSPORT, kind));
            }
            String text = config.text();
            try {
                if (l.probe == null || l.probe.dead()) {
                    l.probe = l.module.instantiate("config check");
                }
                l.probe.open(PROBE_DEV, text, System.currentTimeMillis() * 1000);
                try {
                    l.probe.close(PROBE_DEV);
                } catch (DriverException e) {
                    // The device was accepted; a driver that cannot close it gets a fresh probe.
                    l.probe = null;
                }
                return problems;
            } catch (DriverException e) {
                if (e.error() != AbiError.E_CONFIG) {
                    problems.add(
                            new Problem(
                                    d.file(),
                                    d.line(),
                                    0,
                                    d.key(),
                                    "driver "
                                            + name
                                            + " refused the device: weir_open returned "
                                            + e.error().name()
                                            + (e.driverText().isEmpty()
                                                    ? ""
                                                    : ": " + TerminalText.escape(e.driverText()))));
                    return problems;
                }
                DriverComplaint c = DriverComplaint.locate(d, name, e.driverText(), sent);
                problems.add(c.problem());
                if (c.point() < 0) {
                    return problems;
                }
                sent.remove(Integer.valueOf(c.point()));
            } catch (DriverTrapped e) {
                l.probe = null;
                problems.add(
                        new Problem(
                                d.file(),
                                d.line(),
                                0,
                                d.key(),
                                "driver "
                                        + name
                                        + " failed while opening the device: "
                                        + TerminalText.escape(e.getMessage())));
                return problems;
            } catch (DriverRefused e) {
                problems.add(
                        new Problem(
                                d.file(),
                                d.line(),
                                0,
                                d.key(),
                                "driver " + name + ": " + TerminalText.escape(e.getMessage())));
                return problems;
            } catch (IllegalArgumentException e) {
                // The config text does not fit the driver's cfg region.
                problems.add(
                        new Problem(
                                d.file(),
                                d.line(),
                                0,
                                d.key(),
                                "driver " + name + ": " + TerminalText.escape(e.getMessage())));
                return problems;
            }
        }
    }
}
