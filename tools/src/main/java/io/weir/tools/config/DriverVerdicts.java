package io.weir.tools.config;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.DeviceConfig;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.lifecycle.KeyTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The verdicts on each device's config text: first the key table of the package that provides the
 * device's driver ({@link DriverPackages}: the installed version the gateway would run, or the
 * bundled package), then the driver itself: it is loaded once, and each device is opened on a probe
 * instance ({@code weir_open}, ABI §5) and closed again. No link is opened and no request is sent.
 * A bare {@code .wasm} module has no package and so no table: the driver alone judges.
 *
 * <p>The table speaks first and in better words (every unknown key, not only the first; the range
 * of every value). A key it finds unknown is left out of the text the driver sees, so that the
 * driver judges the rest; a driver complaint about a key the table has complained about at the same
 * line is the same mistake and is not said twice. What only the driver knows (a type that runs past
 * the last register, a bit that does not apply to an area) is still reported.
 *
 * <p>A driver stops at the first mistake it finds. So that every mistake of a device shows at once,
 * a point the driver refused is left out and the device is opened again, until the driver accepts
 * the rest or complains about the device itself.
 */
public final class DriverVerdicts {
    /** The device handle of the probe: every device is opened on it and closed again. */
    private static final int PROBE_DEV = 0;

    /** What a driver's complaint says before the line it names: {@code point 3: }. */
    private static final Pattern WHERE = Pattern.compile("^(point [0-9]+|device|line [0-9]+): ");

    private final DriverPackages packages;
    private final Map<String, Loaded> drivers = new LinkedHashMap<>();

    /** The bundled drivers and .wasm files only (no data folder). */
    public DriverVerdicts() {
        this(DriverPackages.bundledOnly());
    }

    DriverVerdicts(DriverPackages packages) {
        this.packages = packages;
    }

    /** A driver once loaded, or why it could not be. */
    private static final class Loaded {
        final DriverModule module;
        final Optional<KeyTable> keys;
        final String failure;
        final List<DeviceConfigEntry> users = new ArrayList<>();
        DriverInstance probe;

        Loaded(DriverModule module, Optional<KeyTable> keys, String failure) {
            this.module = module;
            this.keys = keys;
            this.failure = failure;
        }
    }

    /**
     * Every problem the key tables and the drivers find with these devices, plus one per driver
     * that cannot be loaded (at the {@code driver} key of the first device that names it).
     */
    public List<Problem> check(List<DeviceConfigEntry> devices) {
        List<Problem> problems = new ArrayList<>();
        for (DeviceConfigEntry d : devices) {
            Loaded l =
                    drivers.computeIfAbsent(
                            DriverPackages.identity(d.driver()), k -> load(d.driver()));
            l.users.add(d);
            List<KeyTable.Problem> table =
                    l.keys.map(t -> t.problems(d.deviceKeys(), pointKeys(d))).orElse(List.of());
            for (KeyTable.Problem p : table) {
                problems.add(tableProblem(d, p));
            }
            if (l.module == null) {
                continue;
            }
            problems.addAll(judge(d, l, table));
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

    private static List<Map<String, String>> pointKeys(DeviceConfigEntry d) {
        List<Map<String, String>> out = new ArrayList<>(d.points().size());
        for (PointConfigEntry p : d.points()) {
            out.add(p.keys());
        }
        return out;
    }

    /**
     * A key table's problem at the line of its key (of the point or device table when the key is
     * missing): {@code devices[1].points[3].adress: device "press-1" point 3: unknown key "adress"
     * (known keys: area, address)}.
     */
    static Problem tableProblem(DeviceConfigEntry d, KeyTable.Problem p) {
        String device = "device " + TerminalText.quote(d.name());
        String said = TerminalText.escape(p.message());
        if (p.point() < 0) {
            return new Problem(
                    d.file(),
                    d.lines().of(p.key()),
                    0,
                    d.key() + "." + p.key(),
                    said.startsWith("device:") ? device + said.substring("device".length()) : said);
        }
        PointConfigEntry point = d.points().get(p.point());
        String message = device + " " + said;
        if (point.lines().keys().isEmpty()) {
            // A point made from a DBC signal: its line is the dbc key's, so its name says which.
            String prefix = "point " + p.point();
            message =
                    device
                            + " "
                            + prefix
                            + " ("
                            + TerminalText.escape(point.name())
                            + ")"
                            + said.substring(Math.min(prefix.length(), said.length()));
        }
        return new Problem(
                d.file(),
                point.lines().of(p.key()),
                0,
                d.pointKey(p.point()) + "." + p.key(),
                message);
    }

    private Loaded load(DriverRef ref) {
        String what =
                ref instanceof DriverRef.Bundled b
                        ? "driver " + TerminalText.quote(b.name())
                        : "driver file " + ((DriverRef.WasmFile) ref).file();
        DriverPackages.Provided p;
        try {
            p = packages.provide(ref);
        } catch (IOException e) {
            // DriverSource, DriverRef and DriverPackages name the driver and the file already.
            return new Loaded(null, Optional.empty(), TerminalText.escape(e.getMessage()));
        }
        if (ref instanceof DriverRef.Bundled b && !p.origin().equals("the bundled driver")) {
            what = "driver " + TerminalText.quote(b.name()) + " (" + p.origin() + ")";
        }
        try {
            return new Loaded(DriverModule.load(p.sourceName(), p.module()), p.keys(), null);
        } catch (DriverRefused | DriverTrapped e) {
            return new Loaded(
                    null,
                    p.keys(),
                    what + " cannot be loaded: " + TerminalText.escape(e.getMessage()));
        }
    }

    /**
     * @param table the key table's problems with this device: its unknown keys are left out of the
     *     text the driver sees, and a driver complaint about a key it names is not said again
     */
    private List<Problem> judge(DeviceConfigEntry d, Loaded l, List<KeyTable.Problem> table) {
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
                pointKeys.add(withoutUnknown(d.points().get(i).keys(), i, table));
            }
            DeviceConfig config =
                    new DeviceConfig(withoutUnknown(d.deviceKeys(), -1, table), pointKeys);
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
                if (!saidByTable(c, d, e.driverText(), table)) {
                    problems.add(c.problem());
                }
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

    /** The keys of one line without those the table found unknown there. */
    private static Map<String, String> withoutUnknown(
            Map<String, String> keys, int point, List<KeyTable.Problem> table) {
        Map<String, String> out = new LinkedHashMap<>(keys);
        for (KeyTable.Problem p : table) {
            if (p.point() == point && p.message().contains(": unknown key \"")) {
                out.remove(p.key());
            }
        }
        return out;
    }

    /**
     * Whether a driver's complaint is about a key the table has complained about at the same line
     * (the device line, or the point the driver named): the driver's text names that key.
     */
    private static boolean saidByTable(
            DriverComplaint c,
            DeviceConfigEntry d,
            String driverText,
            List<KeyTable.Problem> table) {
        int point = c.point();
        if (point < 0 && !c.problem().key().equals(d.key())) {
            return false;
        }
        String said = WHERE.matcher(driverText == null ? "" : driverText.strip()).replaceFirst("");
        Set<String> keys = new java.util.HashSet<>();
        for (KeyTable.Problem p : table) {
            if (p.point() == point) {
                keys.add(p.key());
            }
        }
        for (String key : keys) {
            if (Pattern.compile("(?<![A-Za-z0-9_.-])" + Pattern.quote(key) + "(?![A-Za-z0-9_-])")
                    .matcher(said)
                    .find()) {
                return true;
            }
        }
        return false;
    }
}
