package io.weir.tools.driver;

import io.weir.abi.Abi;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageCheck;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.host.lifecycle.VectorReport;
import io.weir.tools.cli.Terminal;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one path every driver change takes, whoever asks — {@code weir driver} on the data folder,
 * the admin API, the drop folder: install (read, verify signature, compile, self-test on its
 * vectors, then record), activate, roll back, remove. Every check happens before anything is
 * changed, so a refused package leaves the registry, the package files and the running drivers as
 * they were; each change and each refusal gets an audit entry.
 *
 * <p>With a running gateway ({@link LiveDrivers}), activating a version also swaps the devices that
 * follow the driver to it, and starts its probation: if the new version is quarantined, or traps or
 * fails more than the thresholds within the probation window, it is rolled back by itself, with an
 * audit entry and one log line that says why.
 */
public final class DriverLifecycle implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.drivers");

    /** Where the token {@code bundled} in {@code activate NAME bundled} sends a driver back to. */
    public static final String BUNDLED = "bundled";

    /**
     * @param allowUnsigned development only: accept unsigned packages and unknown signers
     * @param probation how long a newly activated version is watched
     * @param rollbackTraps traps of the new version within the probation that roll it back
     * @param rollbackErrors driver errors of its devices within the probation that roll it back
     */
    public record Options(
            boolean allowUnsigned, Duration probation, long rollbackTraps, long rollbackErrors) {
        public static final Options DEFAULT = new Options(false, Duration.ofMinutes(10), 3, 100);

        public Options {
            if (probation == null || probation.isNegative()) {
                throw new IllegalArgumentException("probation must be a positive duration");
            }
            if (rollbackTraps < 1 || rollbackErrors < 1) {
                throw new IllegalArgumentException("rollback thresholds must be at least 1");
            }
        }
    }

    /** What an install did. */
    public record Installed(
            DriverRegistry.Installed version,
            PackageSignature.Verdict signature,
            VectorReport selfTest,
            boolean activated,
            List<String> swapped) {}

    private final DriverRegistry registry;
    private final TrustedKeys trusted;
    private final Options options;
    private final LiveDrivers live;
    private final ScheduledExecutorService probationTimer;

    /** The versions on probation, by driver name: each driver's newest activation is watched. */
    private final Map<String, Probation> probations =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Versions compiled and self-tested in this gateway, by {@code name@version#sha256} (the
     * bundled driver: {@code name@bundled}): activating or rolling back to one of them costs no
     * compile, which on a small machine competes with the devices' cycles for the CPU. A
     * quarantined module is never reused: its trap count is for good.
     */
    private final Map<String, DriverModule> compiled =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A version on probation: its module, what to go back to, when it started. */
    private record Probation(
            String name,
            String version,
            DriverModule module,
            long trapsAtStart,
            long errorsAtStart,
            Instant until,
            ScheduledFuture<?> task) {}

    /**
     * @param live the running gateway, or {@code null} to change only the registry
     */
    public DriverLifecycle(DriverRegistry registry, Options options, LiveDrivers live) {
        this.registry = registry;
        this.trusted = new TrustedKeys(registry.dataDir());
        this.options = options;
        this.live = live;
        this.probationTimer =
                live == null
                        ? null
                        : Executors.newSingleThreadScheduledExecutor(
                                r -> {
                                    Thread t = new Thread(r, "weir-probation");
                                    t.setDaemon(true);
                                    return t;
                                });
    }

    public DriverRegistry registry() {
        return registry;
    }

    public TrustedKeys trusted() {
        return trusted;
    }

    public Options options() {
        return options;
    }

    private DriverModule compile(String where, byte[] wasm) {
        return live != null ? live.load(where, wasm) : DriverModule.load(where, wasm);
    }

    /**
     * Installs a package: every check first (readable, signature, not installed yet, module agrees
     * with the manifest, every vector passes), then the file is kept in the data folder and the
     * version recorded; activated at once if {@code activate}.
     *
     * @param where the package's name for messages (an upload's original name)
     * @throws PackageRefused naming the package and the first problem; nothing changed
     */
    public synchronized Installed install(Path file, String where, Origin origin, boolean activate)
            throws PackageRefused, IOException {
        DriverPackage pkg;
        PackageSignature.Verdict verdict;
        DriverModule module;
        VectorReport report;
        try {
            pkg = DriverPackage.read(file, where);
            verdict = PackageSignature.require(pkg, trusted, options.allowUnsigned());
            String name = pkg.manifest().name();
            String version = pkg.manifest().version();
            Optional<DriverRegistry.Installed> existing =
                    sql(() -> registry.installed(name, version));
            if (existing.isPresent()) {
                throw new PackageRefused(
                        where
                                + ": "
                                + name
                                + " "
                                + version
                                + " is installed already"
                                + (existing.get().sha256().equals(pkg.sha256())
                                        ? " (the same package)"
                                        : " with other content (sha256 "
                                                + existing.get().sha256().substring(0, 12)
                                                + "…); a changed driver needs a new version")
                                + "; remove it first to reinstall");
            }
            if (pkg.vectors().isEmpty()) {
                throw new PackageRefused(
                        where
                                + ": no vectors/*.json: a package carries the golden vectors it is"
                                + " self-tested on");
            }
            module = PackageCheck.module(pkg, wasm -> compile(where, wasm));
            report = PackageCheck.selfTest(pkg, module);
            if (!report.ok()) {
                throw new PackageRefused(where + ": " + firstLine(report.failureLine()));
            }
        } catch (PackageRefused e) {
            refused(origin, "install", null, null, e.getMessage());
            throw e;
        }
        if (verdict.trust() != PackageSignature.Trust.TRUSTED) {
            LOG.log(
                    Level.WARNING,
                    "!!! installing {0} {1}: {2} package accepted only because of"
                            + " --allow-unsigned-drivers (development only) !!!",
                    pkg.manifest().name(),
                    pkg.manifest().version(),
                    verdict.describe());
        }
        String name = pkg.manifest().name();
        String version = pkg.manifest().version();
        Path target = registry.packageFile(name, version);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + version, ".part");
        try {
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        DriverRegistry.Installed row =
                new DriverRegistry.Installed(
                        name,
                        version,
                        pkg.sha256(),
                        target,
                        pkg.manifest().vendor(),
                        pkg.manifest().description(),
                        verdict.describe(),
                        module.abiVersion(),
                        module.manifest().protocol(),
                        module.manifest().transport(),
                        Instant.now(),
                        origin.written());
        try {
            registry.addVersion(
                    row,
                    origin,
                    "from "
                            + where
                            + ", sha256 "
                            + pkg.sha256()
                            + ", signature "
                            + verdict.describe()
                            + ", "
                            + report.summary());
        } catch (SQLException e) {
            Files.deleteIfExists(target);
            throw new IOException("driver registry: " + e.getMessage(), e);
        }
        LOG.log(
                Level.INFO,
                "installed {0} {1} from {2} ({3}; {4})",
                name,
                version,
                where,
                verdict.describe(),
                report.summary());
        if (live != null) {
            compiled.put(name + "@" + version + "#" + pkg.sha256(), module);
        }
        List<String> swapped = List.of();
        if (activate) {
            swapped = activate(name, version, origin, module);
        }
        return new Installed(row, verdict, report, activate, swapped);
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    private void refused(Origin origin, String action, String name, String version, String why) {
        try {
            registry.audit(origin, action + "-refused", name, version, why);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "audit: {0}", e.getMessage());
        }
        LOG.log(Level.WARNING, "{0} refused: {1}", action, why);
    }

    /**
     * Makes {@code version} the active version of {@code name} ({@link #BUNDLED}: the bundled
     * driver). With a running gateway, its devices that follow the driver switch to it and its
     * probation starts.
     *
     * @return the devices switched (empty without a gateway)
     * @throws PackageRefused if the version is not installed, cannot be loaded, or a device refused
     *     it; nothing changed
     */
    public synchronized List<String> activate(String name, String version, Origin origin)
            throws PackageRefused, IOException {
        try {
            DriverModule module = BUNDLED.equals(version) ? bundled(name) : load(name, version);
            return activate(name, version, origin, module);
        } catch (PackageRefused e) {
            refused(origin, "activate", name, version, e.getMessage());
            throw e;
        }
    }

    private List<String> activate(String name, String version, Origin origin, DriverModule module)
            throws PackageRefused, IOException {
        Optional<String> target = BUNDLED.equals(version) ? Optional.empty() : Optional.of(version);
        DriverRegistry.Activation before = sql(() -> registry.activation(name));
        if (before.active().equals(target) && before.previous().isPresent()) {
            throw new PackageRefused(name + " " + version + " is active already");
        }
        List<String> swapped;
        try {
            swapped =
                    live != null && live.running(name) != null
                            ? live.swap(name, module)
                            : List.of();
        } catch (IllegalStateException e) {
            throw new PackageRefused(name + " " + version + ": not activated: " + e.getMessage());
        }
        sql(
                () -> {
                    registry.setActive(
                            name,
                            target,
                            origin,
                            "activate",
                            "was "
                                    + before.active().orElse(BUNDLED)
                                    + "; devices switched: "
                                    + swapped.size());
                    return null;
                });
        LOG.log(
                Level.INFO,
                "{0} {1} active (was {2}); {3} devices switched",
                name,
                version,
                before.active().orElse(BUNDLED),
                swapped.size());
        if (live != null && !swapped.isEmpty()) {
            startProbation(name, version, module);
        }
        return swapped;
    }

    /**
     * Goes back to the version that was active before the last activation.
     *
     * @param reason why, for the audit log; {@code null} for an operator's rollback
     * @throws PackageRefused if there is nothing to go back to
     */
    public synchronized List<String> rollback(String name, Origin origin, String reason)
            throws PackageRefused, IOException {
        DriverRegistry.Activation a = sql(() -> registry.activation(name));
        if (a.previous().isEmpty()) {
            PackageRefused e =
                    new PackageRefused(
                            name
                                    + ": no previous version to roll back to (activated versions:"
                                    + " none before "
                                    + a.active().orElse(BUNDLED)
                                    + ")");
            refused(origin, "rollback", name, null, e.getMessage());
            throw e;
        }
        String back = a.previous().get().orElse(BUNDLED);
        DriverModule module;
        try {
            module = BUNDLED.equals(back) ? bundled(name) : load(name, back);
        } catch (PackageRefused e) {
            refused(origin, "rollback", name, back, e.getMessage());
            throw e;
        }
        endProbation(name);
        List<String> swapped = List.of();
        if (live != null && live.running(name) != null) {
            try {
                swapped = live.swap(name, module);
            } catch (IllegalStateException e) {
                PackageRefused r =
                        new PackageRefused(
                                name + ": rollback to " + back + " failed: " + e.getMessage());
                refused(origin, "rollback", name, back, r.getMessage());
                throw r;
            }
        }
        String from = a.active().orElse(BUNDLED);
        List<String> done = swapped;
        sql(
                () -> {
                    registry.setActive(
                            name,
                            a.previous().get(),
                            origin,
                            "rollback",
                            "from " + from + (reason == null ? "" : ": " + reason));
                    return null;
                });
        LOG.log(
                reason == null ? Level.INFO : Level.WARNING,
                "{0} rolled back from {1} to {2}{3}",
                name,
                from,
                back,
                reason == null ? "" : ": " + reason);
        return done;
    }

    /** Removes an installed version: refused while it is active, pinned by a device or running. */
    public synchronized void remove(String name, String version, Origin origin)
            throws PackageRefused, IOException {
        try {
            DriverRegistry.Installed v =
                    sql(() -> registry.installed(name, version))
                            .orElseThrow(
                                    () ->
                                            new PackageRefused(
                                                    name
                                                            + " "
                                                            + version
                                                            + " is not installed"
                                                            + installedList(name)));
            DriverRegistry.Activation a = sql(() -> registry.activation(name));
            if (a.active().equals(Optional.of(version))) {
                throw new PackageRefused(
                        name
                                + " "
                                + version
                                + " is the active version; activate another one (or roll back)"
                                + " first");
            }
            for (Map.Entry<String, String[]> p : sql(registry::pins).entrySet()) {
                if (p.getValue()[0].equals(name) && p.getValue()[1].equals(version)) {
                    throw new PackageRefused(
                            name
                                    + " "
                                    + version
                                    + " is pinned by device "
                                    + p.getKey()
                                    + " in the gateway's config");
                }
            }
            sql(
                    () -> {
                        registry.removeVersion(name, version, origin, "sha256 " + v.sha256());
                        return null;
                    });
            Files.deleteIfExists(v.file());
            compiled.remove(name + "@" + version + "#" + v.sha256());
            LOG.log(Level.INFO, "removed {0} {1}", name, version);
        } catch (PackageRefused e) {
            refused(origin, "remove", name, version, e.getMessage());
            throw e;
        }
    }

    private String installedList(String name) {
        try {
            return installedVersions(name);
        } catch (PackageRefused e) {
            return "";
        }
    }

    private String installedVersions(String name) throws PackageRefused {
        List<String> versions = new ArrayList<>();
        for (DriverRegistry.Installed i : sql(registry::installed)) {
            if (i.name().equals(name)) {
                versions.add(i.version());
            }
        }
        return versions.isEmpty()
                ? " (no version of it is)"
                : " (installed: " + String.join(", ", versions) + ")";
    }

    /**
     * Loads an installed version as the gateway runs it: the kept file must still have the SHA-256
     * recorded at install, its signature must still pass, and its vectors are run again.
     */
    public DriverModule load(String name, String version) throws PackageRefused, IOException {
        DriverRegistry.Installed v =
                sql(() -> registry.installed(name, version))
                        .orElseThrow(
                                () ->
                                        new PackageRefused(
                                                name
                                                        + " "
                                                        + version
                                                        + " is not installed"
                                                        + installedList(name)));
        if (!Files.isRegularFile(v.file())) {
            throw new PackageRefused(
                    name + " " + version + ": its package " + v.file() + " is missing");
        }
        String sha = DriverPackage.sha256(v.file());
        if (!sha.equals(v.sha256())) {
            throw new PackageRefused(
                    name
                            + " "
                            + version
                            + ": "
                            + v.file()
                            + " changed since it was installed (sha256 "
                            + sha.substring(0, 12)
                            + "…, recorded "
                            + v.sha256().substring(0, 12)
                            + "…)");
        }
        DriverPackage pkg =
                DriverPackage.read(v.file(), name + "-" + version + DriverPackage.EXTENSION);
        PackageSignature.require(pkg, trusted, options.allowUnsigned());
        String key = name + "@" + version + "#" + sha;
        DriverModule known = compiled.get(key);
        if (known != null && !known.quarantined()) {
            return known;
        }
        DriverModule m = PackageCheck.verified(pkg, wasm -> compile(pkg.where(), wasm));
        if (live != null) {
            compiled.put(key, m);
        }
        return m;
    }

    /** The bundled driver of that name, compiled once per gateway. */
    public DriverModule bundled(String name) throws PackageRefused {
        String key = name + "@" + BUNDLED;
        DriverModule known = compiled.get(key);
        if (known != null && !known.quarantined()) {
            return known;
        }
        try {
            byte[] wasm = DriverSource.bytes(name);
            DriverModule m = compile(name + ".wasm", wasm);
            if (live != null) {
                compiled.put(key, m);
            }
            return m;
        } catch (IOException e) {
            throw new PackageRefused(name + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new PackageRefused(name + ": the bundled driver is refused: " + e.getMessage());
        }
    }

    // ---- probation ----------------------------------------------------------------------------

    private void startProbation(String name, String version, DriverModule module) {
        endProbation(name);
        long errors0 = live.errors(module);
        Instant until = Instant.now().plus(options.probation());
        ScheduledFuture<?> task =
                probationTimer.scheduleWithFixedDelay(
                        () -> watch(name), 200, 200, TimeUnit.MILLISECONDS);
        // Traps of the self-test (a vector that ran past its budget) are not the field's.
        probations.put(
                name,
                new Probation(name, version, module, module.stats().traps(), errors0, until, task));
        LOG.log(
                Level.INFO,
                "{0} {1} on probation for {2}: rolled back if quarantined, after {3} traps or {4}"
                        + " driver errors",
                name,
                version,
                options.probation(),
                options.rollbackTraps(),
                options.rollbackErrors());
    }

    private void endProbation(String name) {
        Probation p = probations.remove(name);
        if (p != null) {
            p.task().cancel(false);
        }
    }

    /** The probation timer's check; rolls back at the first sign of a bad version. */
    private void watch(String name) {
        Probation p = probations.get(name);
        if (p == null) {
            return;
        }
        String why = null;
        DriverModule m = p.module();
        long traps = m.stats().traps() - p.trapsAtStart();
        long errors = live.errors(m) - p.errorsAtStart();
        DriverModule.Quarantine q = m.quarantine();
        if (q != null) {
            why =
                    "quarantined after "
                            + q.traps()
                            + " traps within 10 minutes (last: "
                            + Terminal.escape(q.reason())
                            + ")";
        } else if (m.quarantined()) {
            why = "quarantined after " + Abi.QUARANTINE_TRAPS + " traps within 10 minutes";
        } else if (traps >= options.rollbackTraps()) {
            why = traps + " traps within its probation (threshold " + options.rollbackTraps() + ")";
        } else if (errors >= options.rollbackErrors()) {
            why =
                    errors
                            + " driver errors within its probation (threshold "
                            + options.rollbackErrors()
                            + ")";
        }
        if (why == null) {
            if (Instant.now().isAfter(p.until())) {
                synchronized (this) {
                    if (probations.get(name) == p) {
                        endProbation(name);
                        LOG.log(Level.INFO, "{0} {1} passed its probation", p.name(), p.version());
                    }
                }
            }
            return;
        }
        synchronized (this) {
            if (probations.get(name) != p) {
                return;
            }
            try {
                rollback(name, Origin.GATEWAY, p.version() + " " + why);
            } catch (PackageRefused | IOException e) {
                endProbation(name);
                LOG.log(
                        Level.ERROR,
                        "{0} {1} should be rolled back ({2}) but cannot be: {3}",
                        name,
                        p.version(),
                        why,
                        e.getMessage());
            }
        }
    }

    /** The version of driver {@code name} on probation, e.g. {@code 0.2.0}, or {@code null}. */
    public String onProbation(String name) {
        Probation p = probations.get(name);
        return p == null ? null : p.version();
    }

    // ---- helpers ------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Query<T> {
        T get() throws SQLException;
    }

    private static <T> T sql(Query<T> q) throws PackageRefused {
        try {
            return q.get();
        } catch (SQLException e) {
            throw new PackageRefused("driver registry: " + Terminal.escape(e.getMessage()), e);
        }
    }

    /** A one-argument view of the compile step, for callers that check packages themselves. */
    public Function<byte[], DriverModule> compiler(String where) {
        return wasm -> compile(where, wasm);
    }

    @Override
    public void close() {
        for (String name : List.copyOf(probations.keySet())) {
            endProbation(name);
        }
        if (probationTimer != null) {
            probationTimer.shutdownNow();
        }
    }
}
